package vqrtp

import (
	"fmt"
	"math/rand/v2"

	"github.com/pion/rtp"
	"github.com/vqspeak/vqspeak/codec"
)

// Packetizer bundles frames into whole RTP packets (header and payload)
// written into caller-owned buffers: the zero-allocation sending path. It
// numbers packets, stamps them, sets the marker bit at talkspurt starts and
// leaves out packets in which every frame is empty (a DTX pause). It is not
// safe for concurrent use.
type Packetizer struct {
	// PayloadType and SSRC go into every header.
	PayloadType uint8
	SSRC        uint32
	// Sequence is the sequence number of the next packet sent.
	Sequence uint16
	// Timestamp is the RTP timestamp of the next frame pushed.
	Timestamp uint32

	frames  int    // per packet
	ticks   uint32 // timestamp ticks per frame
	n       int    // frames pending
	first   uint32
	toc     [MaxFrames]byte
	data    [MaxFrames * MaxFrameLen]byte
	size    int  // bytes of data pending
	nonzero bool // a pending frame has content
	silent  bool // the last slot sent nothing: the next packet starts a talkspurt
}

// NewPacketizer makes a Packetizer that puts framesPerPacket frames (1 to
// MaxFrames: ptime = 20 ms × framesPerPacket) in each packet. Sequence and
// Timestamp start at random values, as RFC 3550 asks; set them to choose.
func NewPacketizer(payloadType uint8, ssrc uint32, framesPerPacket int) (*Packetizer, error) {
	if framesPerPacket < 1 || framesPerPacket > MaxFrames {
		return nil, fmt.Errorf("%w: %d frames per packet, want 1 to %d", ErrFrameCount, framesPerPacket, MaxFrames)
	}
	if payloadType > 127 {
		return nil, fmt.Errorf("vqrtp: payload type %d is not a 7-bit number", payloadType)
	}
	return &Packetizer{
		PayloadType: payloadType,
		SSRC:        ssrc,
		Sequence:    uint16(rand.Uint32()),
		Timestamp:   rand.Uint32(),
		frames:      framesPerPacket,
		ticks:       FrameTicks,
		silent:      true,
	}, nil
}

// NewModePacketizer is NewPacketizer for frames of codec mode m: a
// low-rate mode's 40 ms frames advance the timestamp by 640 (ptime = 40 ms
// × framesPerPacket); the zero Mode or a 20 ms one gives NewPacketizer's.
func NewModePacketizer(payloadType uint8, ssrc uint32, m codec.Mode, framesPerPacket int) (*Packetizer, error) {
	p, err := NewPacketizer(payloadType, ssrc, framesPerPacket)
	if err != nil {
		return nil, err
	}
	p.ticks = uint32(modeTicks(m))
	return p, nil
}

// FramesPerPacket is the bundle size.
func (p *Packetizer) FramesPerPacket() int { return p.frames }

// MaxPacketSize is the longest packet AppendFrame can produce: a buffer of
// this capacity never grows.
func (p *Packetizer) MaxPacketSize() int { return 12 + p.frames*(1+MaxFrameLen) }

// AppendFrame adds the next slot's frame (20 ms, or 40 ms in a low-rate mode) (empty: nothing to send for
// this slot) and, when it completes a packet, appends the packet to dst.
// Otherwise dst comes back unchanged. It allocates only when dst lacks
// capacity.
func (p *Packetizer) AppendFrame(dst, frame []byte) ([]byte, error) {
	if len(frame) > MaxFrameLen {
		return dst, fmt.Errorf("%w: %d bytes, at most %d fit", ErrFrameLen, len(frame), MaxFrameLen)
	}
	if p.n == 0 {
		p.first = p.Timestamp
	}
	p.toc[p.n] = byte(len(frame))
	copy(p.data[p.size:], frame)
	p.size += len(frame)
	p.nonzero = p.nonzero || len(frame) > 0
	p.n++
	p.Timestamp += p.ticks
	if p.n < p.frames {
		return dst, nil
	}
	return p.Flush(dst), nil
}

// AppendFrameAt is AppendFrame for a frame stamped by its producer, as
// stream.Packet is: when timestamp is not the next slot's (a DTX pause
// that sent nothing, a jump of the sender's clock), the frames pending are
// sent first in a shorter packet and the frame starts a new talkspurt.
// Either way at most one packet is appended.
func (p *Packetizer) AppendFrameAt(dst []byte, timestamp uint32, frame []byte) ([]byte, error) {
	if len(frame) > MaxFrameLen {
		return dst, fmt.Errorf("%w: %d bytes, at most %d fit", ErrFrameLen, len(frame), MaxFrameLen)
	}
	if timestamp != p.Timestamp {
		// With one frame per packet nothing is ever pending here; with more,
		// the frame cannot complete the new bundle: one packet at most.
		dst = p.Flush(dst)
		p.Timestamp = timestamp
		p.silent = true
	}
	return p.AppendFrame(dst, frame)
}

// Flush appends a packet holding the frames pushed so far, if any has
// content (at the end of a stream, or to change ptime).
func (p *Packetizer) Flush(dst []byte) []byte {
	if p.n == 0 {
		return dst
	}
	n := p.n
	p.n = 0
	if !p.nonzero {
		p.size = 0
		p.silent = true
		return dst
	}
	h := rtp.Header{
		Version:        2,
		Marker:         p.silent,
		PayloadType:    p.PayloadType,
		SequenceNumber: p.Sequence,
		Timestamp:      p.first,
		SSRC:           p.SSRC,
	}
	hl := h.MarshalSize()
	total := hl + n + p.size
	start := len(dst)
	if cap(dst)-start < total {
		nd := make([]byte, start, 2*cap(dst)+total)
		copy(nd, dst)
		dst = nd
	}
	dst = dst[:start+total]
	h.MarshalTo(dst[start:]) // cannot fail: the buffer has room, no extensions
	for i := range n {
		toc := p.toc[i]
		if i < n-1 {
			toc |= tocFollow
		}
		dst[start+hl+i] = toc
	}
	copy(dst[start+hl+n:], p.data[:p.size])
	p.Sequence++
	p.size = 0
	p.nonzero = false
	p.silent = false
	return dst
}
