package codec

import (
	"fmt"
	"time"

	"github.com/vqspeak/vqspeak/features"

	"github.com/vqspeak/vqspeak/internal/pcm"
)

// The 16-bit face of the per-packet API. Audio stacks (PortAudio, WebRTC,
// WAV files, telephony) hand out int16 samples; these variants convert over
// a buffer on the stack, so they allocate no more than the float32 calls:
// nothing in steady state.
//
// Conversion is vqspeak's one rule (internal/pcm), the one WAV files use
// too: v/32768 in, x·32768 rounded to nearest-even and clipped out, so
// int16 → float32 → int16 is exact.

// EncodeInt16 is Encode for 16-bit samples: it encodes exactly
// PacketSamples samples and appends the packet to dst.
func (e *Encoder) EncodeInt16(dst []byte, pcm []int16) ([]byte, error) {
	if n := e.PacketSamples(); len(pcm) != n {
		return dst, fmt.Errorf("%w: %d samples, want %d", ErrPCMLength, len(pcm), n)
	}
	var buf [maxPacketSamples]float32
	Int16ToFloat32(buf[:0], pcm)
	return e.Encode(dst, buf[:len(pcm)])
}

// DecodeInt16 is Decode for 16-bit samples: it appends PacketSamples
// samples to dst. A packet that cannot be parsed appends nothing and leaves
// the decoder's state untouched; call ConcealInt16 in its place.
func (d *Decoder) DecodeInt16(dst []int16, packet []byte) ([]int16, error) {
	var buf [maxPacketSamples]float32
	out, err := d.Decode(buf[:0], packet)
	if err != nil {
		return dst, err
	}
	return Float32ToInt16(dst, out), nil
}

// ConcealInt16 is Conceal for 16-bit samples: it appends PacketSamples
// samples standing in for a lost packet.
func (d *Decoder) ConcealInt16(dst []int16) []int16 {
	var buf [maxPacketSamples]float32
	return Float32ToInt16(dst, d.Conceal(buf[:0]))
}

// maxPacketSamples is the longest packet of any mode: 40 ms.
const maxPacketSamples = 4 * features.HopSize

// Int16ToFloat32 appends src scaled to [-1, 1) to dst.
func Int16ToFloat32(dst []float32, src []int16) []float32 {
	n := len(dst)
	dst = grow(dst, len(src))
	out := dst[n : n+len(src)]
	for i, v := range src {
		out[i] = pcm.FromInt16(v)
	}
	return dst
}

// Float32ToInt16 appends src as 16-bit samples to dst: x·32768 rounded to
// nearest-even and clipped to [-32768, 32767]; NaN becomes 0.
func Float32ToInt16(dst []int16, src []float32) []int16 {
	n := len(dst)
	if cap(dst)-n < len(src) {
		nd := make([]int16, n, 2*cap(dst)+len(src))
		copy(nd, dst)
		dst = nd
	}
	dst = dst[:n+len(src)]
	out := dst[n:]
	for i, x := range src {
		out[i] = pcm.ToInt16(x)
	}
	return dst
}

// Lookahead is how many samples past a packet's end the encoder must have
// seen before it can send the packet: the decoded signal lags the input by
// this much (see Delay).
func (e *Encoder) Lookahead() int { return Delay }

// Latency is the algorithmic latency of the codec, AlgorithmicLatency: a
// packet's worth of buffering plus the lookahead. Network and jitter-buffer
// delay come on top.
func (e *Encoder) Latency() time.Duration { return e.Mode().Latency() }

// LatencySamples is Latency counted in samples at SampleRate.
func (e *Encoder) LatencySamples() int { return e.PacketSamples() + Delay }

// Bitrate is the payload bitrate in bits per second at the current stage
// count (RTP/UDP/IP headers not included).
func (e *Encoder) Bitrate() int { return e.Mode().Bitrate(e.bits) }

// SetBitrate picks the largest stage count whose bitrate is at most bps,
// from the next packet on, like Opus's OPUS_SET_BITRATE; below the
// one-stage rate it returns an ErrStages error and keeps the current mode.
// A low-rate encoder's bitrate is fixed: it accepts any bps at or above it
// and refuses a lower one.
func (e *Encoder) SetBitrate(bps int) error {
	if e.mode.LowRate() {
		if bps >= e.Bitrate() {
			return nil
		}
		return fmt.Errorf("%w: a %s encoder's bitrate is fixed", ErrStages, e.mode.Name())
	}
	best := 0
	for s := 1; s <= e.cb.NumStages(); s++ {
		if Bitrate(e.cb, s) <= bps {
			best = s
		}
	}
	if best == 0 {
		return fmt.Errorf("%w: %d b/s is below the lowest mode, %d b/s", ErrStages, bps, Bitrate(e.cb, 1))
	}
	e.stages = best
	return nil
}

// MaxPacketSize is the longest packet this encoder can produce, at the
// codebook's full stage count: a buffer of this capacity never grows.
func (e *Encoder) MaxPacketSize() int {
	if e.mode.LowRate() {
		return e.mode.PacketSize(e.bits)
	}
	return PacketSize(e.cb.NumStages(), e.bits)
}
