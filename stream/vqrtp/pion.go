package vqrtp

import (
	"github.com/pion/rtp"
	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/stream"
)

// Payloader is the rtp.Payloader for pion's rtp.NewPacketizer. By default
// each call payloads one frame (ptime 20: call Packetize(frame, FrameTicks)).
// With Bundled set, each call takes a whole payload already built by
// AppendPayload (ptime 20·n: call Packetize(payload, n·FrameTicks)).
// Invalid input, or a payload larger than mtu, yields no packet: pion's
// interface has no error, and a bad packet on the wire would be worse.
// It holds no state and is safe for concurrent use.
type Payloader struct {
	Bundled bool
}

var _ rtp.Payloader = (*Payloader)(nil)

// Payload implements rtp.Payloader. It allocates the payload it returns.
func (p *Payloader) Payload(mtu uint16, frame []byte) [][]byte {
	var out []byte
	if p.Bundled {
		if _, err := FrameCount(frame); err != nil {
			return nil
		}
		out = append([]byte(nil), frame...)
	} else {
		var err error
		if out, err = AppendPayload(make([]byte, 0, 1+len(frame)), frame); err != nil {
			return nil
		}
	}
	if len(out) > int(mtu) {
		return nil
	}
	return [][]byte{out}
}

// Depacketizer is the rtp.Depacketizer for pion's receiving helpers (for
// example samplebuilder). Every payload is a whole media unit: Unmarshal
// validates it and returns it as is; split it with SplitPayload or Unpack.
// It holds no state and is safe for concurrent use.
type Depacketizer struct{}

var _ rtp.Depacketizer = Depacketizer{}

// Unmarshal implements rtp.Depacketizer.
func (Depacketizer) Unmarshal(payload []byte) ([]byte, error) {
	if _, err := FrameCount(payload); err != nil {
		return nil, err
	}
	return payload, nil
}

// IsPartitionHead implements rtp.Depacketizer: payloads are never split.
func (Depacketizer) IsPartitionHead([]byte) bool { return true }

// IsPartitionTail implements rtp.Depacketizer: payloads are never split.
func (Depacketizer) IsPartitionTail(bool, []byte) bool { return true }

// Unpack appends the frames of an RTP packet to dst, stamped from its
// header; see SplitPayload.
func Unpack(dst []Frame, pkt *rtp.Packet) ([]Frame, error) {
	return SplitPayload(dst, pkt.Payload, pkt.Timestamp)
}

// FrameSeq numbers frame i of the n frames of an RTP packet with sequence
// number seq, for a jitter buffer that counts losses by sequence number per
// frame (stream.Decoder): the frames of a packet get consecutive numbers,
// the next packet's continue from them, and the numbering wraps with the
// packet's own at 2^16. It assumes every packet carries n frames, as a
// Packetizer sends them.
func FrameSeq(seq uint16, i, n int) uint16 { return seq*uint16(n) + uint16(i) }

// AppendPackets appends to dst the frames of an RTP packet as packets for
// a stream.Decoder: stamped from the header, numbered per frame (FrameSeq
// with the packet's frame count, so that the decoder's Stats count lost
// frames, not packets), and without the empty frames of DTX slots, which
// are neither sent nor lost. The payloads alias pkt's. A malformed payload
// appends nothing and returns an error wrapping ErrMalformed. It allocates
// only when dst lacks capacity (MaxFrames is always enough).
func AppendPackets(dst []stream.Packet, pkt *rtp.Packet) ([]stream.Packet, error) {
	return appendPackets(dst, pkt, FrameTicks)
}

// AppendModePackets is AppendPackets for frames of codec mode m, agreed in
// the fmtp (Params.CodecMode): a low-rate mode's frames are 640 ticks
// apart; the zero Mode or a 20 ms one gives AppendPackets.
func AppendModePackets(dst []stream.Packet, pkt *rtp.Packet, m codec.Mode) ([]stream.Packet, error) {
	return appendPackets(dst, pkt, uint32(modeTicks(m)))
}

// appendPackets is AppendPackets for frames ticks apart.
func appendPackets(dst []stream.Packet, pkt *rtp.Packet, ticks uint32) ([]stream.Packet, error) {
	n, _, err := parseTOC(pkt.Payload)
	if err != nil {
		return dst, err
	}
	off := n
	for i := range n {
		l := int(pkt.Payload[i] & tocLen)
		if l > 0 {
			dst = append(dst, stream.Packet{
				Seq:       FrameSeq(pkt.SequenceNumber, i, n),
				Timestamp: pkt.Timestamp + uint32(i)*ticks,
				Payload:   pkt.Payload[off : off+l : off+l],
			})
		}
		off += l
	}
	return dst, nil
}
