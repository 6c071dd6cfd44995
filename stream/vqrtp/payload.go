// Package vqrtp is the RTP payload format of the vqspeak codec: it packs one
// or more 20 ms frames into an RTP payload and splits them out again with
// their timestamps. It works with github.com/pion/rtp (Payloader,
// Depacketizer) and also offers a Packetizer that writes whole RTP packets
// into caller-owned buffers without allocating; Receiver feeds the frames
// of arriving datagrams to a stream.Decoder.
//
// A frame is whatever a transport carries for one 20 ms slot: a codec packet
// (codec.Encoder), or a payload of package stream (a codec packet with an
// FEC section, or a comfort-noise update). This package treats frames as
// opaque byte strings of 0 to MaxFrameLen bytes; their length tells the
// decoder their kind and stage count, so no other signalling is needed.
//
// # Payload format
//
// The RTP header is RFC 3550's, with a 16000 Hz clock: the timestamp is the
// sampling instant of the first sample of the first frame, and each frame
// advances it by FrameTicks = 320. The marker bit is set on the first packet
// of a talkspurt (after a DTX pause), as RFC 3551 asks of audio. The payload
// is a table of contents (TOC), one byte per frame, followed by the frames
// in the same order, like the octet-aligned AMR format of RFC 4867:
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|1|0|  len_1    |1|0|  len_2    |0|0|  len_3    |  frame 1 ...  :
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	:   ... (len_1 bytes)   |  frame 2 (len_2 bytes) ...            :
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	:  frame 3 (len_3 bytes)                                        |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
//	TOC entry:  0 1 2 3 4 5 6 7
//	           +-+-+-+-+-+-+-+-+
//	           |F|R|    len    |
//	           +-+-+-+-+-+-+-+-+
//
// F (1 bit) is 1 when another TOC entry follows, 0 on the last one. R is
// reserved: senders set 0, receivers ignore it. len (6 bits) is the length
// of the frame in bytes, 0 to 63. A frame of length 0 is a slot the sender
// chose not to fill (discontinuous transmission); the receiver treats it as
// silence to be filled with comfort noise, not as a loss. A payload carries
// 1 to MaxFrames frames (20 to 240 ms) and ends exactly after the last one:
// a receiver drops a payload whose TOC and length disagree.
//
// With ptime 20 (one frame per packet) the format costs one byte per packet;
// a default 4-stage packet makes a 9-byte payload, 3600 b/s of RTP payload.
//
// How the frame length signals its content: a codec packet of s RVQ stages
// is codec.PacketSize(s, B) bytes (5, 6, 7, 8 bytes for 1..4 stages with the
// default 10-bit codebook); package stream adds its FEC section (4 bytes) to
// a packet or sends a 2-byte comfort-noise frame, and checks that these
// lengths never collide for the negotiated codebook. The stage count may
// change from one frame to the next.
//
// # SDP
//
//	m=audio 49170 RTP/AVP 96
//	a=rtpmap:96 VQSPEAK/16000
//	a=fmtp:96 stages=4; codebook=5f0c2a9e11d3b7c4; ptime=20
//
// stages is the highest stage count the sender will use (1 to 6), codebook
// the 16-hex-digit fingerprint of the codebook (rvq.Codebook.Fingerprint):
// decoding with another codebook produces garbage, so a receiver that lacks
// it must refuse the session. ptime is the frame count per packet times 20
// ms. Optional: fec=1 (frames may carry FEC sections), dtx=1 (the sender
// uses discontinuous transmission), maxptime, padbook (4 hex digits: the
// pad book of the sender's 1-3 stage packets, PadBookTag), mode. mode=800, 1200 or 1600
// names a low-rate codec mode: every frame is then one 40 ms packet of
// that mode (4, 6 or 8 bytes), advancing the timestamp by 640, ptime is a
// multiple of 40 and there is no FEC (NewModePacketizer, AppendModePackets,
// and a Receiver over stream.NewModeDecoder). See Params; Params.Check
// (or CheckFmtp) tells whether a negotiated fmtp can be decoded here.
//
// # With pion/webrtc
//
// Register the codec with MIMEType, ClockRate and the fmtp of Params.Fmtp.
// pion negotiates by MIME type and clock rate only: check the answer's
// fmtp with CheckFmtp before playing. On the sending side write whole
// packets (Packetizer) to a TrackLocalStaticRTP: pion rewrites their SSRC
// and payload type to the negotiated ones, so the values given to
// NewPacketizer do not matter there, and a receiver must not filter on
// them before pion has. On the receiving side turn each packet from
// TrackRemote.ReadRTP into decoder frames with AppendPackets. The example
// in examples/webrtc is a complete call.
package vqrtp

import (
	"errors"
	"fmt"
)

const (
	// ClockRate is the RTP timestamp clock, equal to the codec's sample rate.
	ClockRate = 16000
	// EncodingName is the name in a=rtpmap.
	EncodingName = "VQSPEAK"
	// MIMEType is the media type WebRTC stacks register codecs by (pion's
	// RTPCodecCapability.MimeType).
	MIMEType = "audio/" + EncodingName
	// FrameTicks is how far one frame advances the RTP timestamp: 20 ms.
	FrameTicks = 320
	// MaxFrames is the most frames one payload may carry: 240 ms.
	MaxFrames = 12
	// MaxFrameLen is the longest frame a TOC entry can describe.
	MaxFrameLen = 63
	// MaxPayloadSize is the longest valid payload.
	MaxPayloadSize = MaxFrames * (1 + MaxFrameLen)
)

const (
	tocFollow = 0x80
	tocLen    = 0x3f
)

// Errors of the payload format. Parse errors wrap ErrMalformed.
var (
	// ErrMalformed is wrapped by every error about a received payload.
	ErrMalformed = errors.New("vqrtp: malformed payload")
	// ErrFrameCount: no frames or more than MaxFrames given to pack.
	ErrFrameCount = errors.New("vqrtp: frame count out of range")
	// ErrFrameLen: a frame longer than MaxFrameLen given to pack.
	ErrFrameLen = errors.New("vqrtp: frame too long for the payload format")
)

// Frame is one frame split out of a payload.
type Frame struct {
	// Timestamp is the RTP timestamp of the frame's first sample.
	Timestamp uint32
	// Data is the frame; it aliases the payload. Empty means the sender
	// sent nothing for this slot (DTX).
	Data []byte
}

// PayloadSize is the length of the payload carrying frames.
func PayloadSize(frames [][]byte) int {
	n := len(frames)
	for _, f := range frames {
		n += len(f)
	}
	return n
}

// AppendPayload appends the payload carrying frames (1 to MaxFrames, each
// at most MaxFrameLen bytes, in time order) to dst. On error dst is
// returned unchanged. It allocates only when dst lacks capacity.
func AppendPayload(dst []byte, frames ...[]byte) ([]byte, error) {
	if len(frames) == 0 || len(frames) > MaxFrames {
		return dst, fmt.Errorf("%w: %d frames, want 1 to %d", ErrFrameCount, len(frames), MaxFrames)
	}
	for i, f := range frames {
		if len(f) > MaxFrameLen {
			return dst, fmt.Errorf("%w: frame %d is %d bytes, at most %d fit", ErrFrameLen, i, len(f), MaxFrameLen)
		}
	}
	for i, f := range frames {
		toc := byte(len(f))
		if i < len(frames)-1 {
			toc |= tocFollow
		}
		dst = append(dst, toc)
	}
	for _, f := range frames {
		dst = append(dst, f...)
	}
	return dst, nil
}

// SplitPayload appends the frames of payload to dst, the first stamped
// timestamp and each next one FrameTicks later (wrapping as RTP timestamps
// do). The frames alias payload. A malformed payload appends nothing and
// returns an error wrapping ErrMalformed; no input makes it panic. It
// allocates only when dst lacks capacity (MaxFrames is always enough).
func SplitPayload(dst []Frame, payload []byte, timestamp uint32) ([]Frame, error) {
	n, _, err := parseTOC(payload)
	if err != nil {
		return dst, err
	}
	off := n
	for i := range n {
		l := int(payload[i] & tocLen)
		dst = append(dst, Frame{
			Timestamp: timestamp + uint32(i)*FrameTicks,
			Data:      payload[off : off+l : off+l],
		})
		off += l
	}
	return dst, nil
}

// FrameCount is the number of frames in payload, which it validates like
// SplitPayload: a receiver uses it to learn a packet's duration.
func FrameCount(payload []byte) (int, error) {
	n, _, err := parseTOC(payload)
	return n, err
}

// parseTOC validates payload and returns its frame count and the total of
// the frame lengths.
func parseTOC(payload []byte) (n, size int, err error) {
	if len(payload) == 0 {
		return 0, 0, fmt.Errorf("%w: empty", ErrMalformed)
	}
	for {
		if n == len(payload) {
			return 0, 0, fmt.Errorf("%w: %d-byte payload ends inside its table of contents", ErrMalformed, len(payload))
		}
		if n == MaxFrames {
			return 0, 0, fmt.Errorf("%w: more than %d frames", ErrMalformed, MaxFrames)
		}
		toc := payload[n]
		size += int(toc & tocLen)
		n++
		if toc&tocFollow == 0 {
			break
		}
	}
	if n+size != len(payload) {
		return 0, 0, fmt.Errorf("%w: %d frames of %d bytes after a %d-byte table of contents, but the payload has %d bytes",
			ErrMalformed, n, size, n, len(payload))
	}
	return n, size, nil
}
