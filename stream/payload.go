package stream

import (
	"errors"
	"fmt"
	"math"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/internal/bits"
	"github.com/vqspeak/vqspeak/rvq"
)

// Payload framing: what a transport (an RTP payload, a datagram) carries for
// one 20 ms slot. No header byte is spent; the length tells the kind:
//
//	2 bytes         comfort noise (DTX): energy code, tilt
//	P bytes         a codec packet, P = codec.PacketSize(s, B) for s = 1..stages
//	P + F bytes     a codec packet, then an FEC section of F bytes
//
// Comfort noise (sent every cnInterval packets during silence):
//
//	 0                   1
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|0 0|  energy   |      tilt     |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// energy is on the scale of codec.Packet.Energy, tilt is the envelope's
// mel-cepstral c1 times 32 as a two's-complement byte. The top two bits
// are a version and must be zero.
//
// FEC section (optional, see EncoderConfig.FEC): a low-rate copy of the
// previous packet, enough to rebuild it at one-stage quality when it is lost:
//
//	|energy end 6|voicing end 3|pitch end 7|voicing mid 2|energy mid 3|stage 1 index B|pad|
//
// F = ceil((21+B)/8): 4 bytes (1600 b/s) with the default codebook. The
// middle frame's pitch is interpolated. The decoder needs no configuration:
// NewDecoder checks that the codebook's packet lengths keep the three kinds
// apart (they do for every codebook of up to 4 stages of 8 to 11 bits).

// Errors of the payload framing.
var (
	// ErrPayloadLength: a payload whose length matches no kind.
	ErrPayloadLength = errors.New("stream: payload length matches no packet kind")
	// ErrPayloadVersion: a comfort-noise payload of an unknown version.
	ErrPayloadVersion = errors.New("stream: unknown comfort-noise payload version")
	// ErrFraming: the codebook's packet lengths would make payloads ambiguous.
	ErrFraming = errors.New("stream: codebook packet lengths collide with the payload framing")
)

// cnSize is the length of a comfort-noise payload.
const cnSize = 2

// fecFields is the side information an FEC section keeps, in its order.
var fecFields = [...]codec.Field{codec.FieldEnergy, codec.FieldVoicing, codec.FieldF0, codec.FieldMidVoicing, codec.FieldMidEnergy}

// fecSideBits is the width of fecFields: 21 bits.
func fecSideBits() int {
	n := 0
	for _, fd := range fecFields {
		n += fd.Bits()
	}
	return n
}

type payloadKind uint8

const (
	kindCodec payloadKind = iota
	kindCodecFEC
	kindNoise
)

// maxPacketSamples is the longest packet's PCM: a 40 ms low-rate one.
const maxPacketSamples = 2 * codec.PacketSamples

// framing knows the payload lengths of one codebook.
type framing struct {
	mode                  codec.Mode // a low-rate mode, or zero for the 20 ms ones
	bits, stages, fecSize int
	kinds                 []int8 // per length: −1 unknown, else payloadKind
	maxPayload            int
}

func newFraming(cb *rvq.Codebook) (framing, error) {
	if err := codec.CheckCodebook(cb); err != nil {
		return framing{}, err
	}
	f := framing{bits: codec.IndexBits(cb), stages: cb.NumStages()}
	f.fecSize = (fecSideBits() + f.bits + 7) / 8
	f.maxPayload = codec.PacketSize(f.stages, f.bits) + f.fecSize
	f.kinds = make([]int8, f.maxPayload+1)
	for i := range f.kinds {
		f.kinds[i] = -1
	}
	set := func(n int, k payloadKind) error {
		if f.kinds[n] >= 0 {
			return fmt.Errorf("%w: %d bytes could be kind %d or %d", ErrFraming, n, f.kinds[n], k)
		}
		f.kinds[n] = int8(k)
		return nil
	}
	if err := set(cnSize, kindNoise); err != nil {
		return f, err
	}
	for s := 1; s <= f.stages; s++ {
		if err := set(codec.PacketSize(s, f.bits), kindCodec); err != nil {
			return f, err
		}
	}
	for s := 1; s <= f.stages; s++ {
		if err := set(codec.PacketSize(s, f.bits)+f.fecSize, kindCodecFEC); err != nil {
			return f, err
		}
	}
	return f, nil
}

// newModeFraming is newFraming for mode m (zero: the 20 ms modes). A
// low-rate mode's payloads are its packets, of one length, and comfort
// noise; no FEC.
func newModeFraming(cb *rvq.Codebook, m codec.Mode) (framing, error) {
	if !m.LowRate() {
		return newFraming(cb)
	}
	if err := codec.CheckCodebook(cb); err != nil {
		return framing{}, err
	}
	f := framing{mode: m, bits: codec.IndexBits(cb), stages: m.Stages}
	n := m.PacketSize(f.bits)
	f.maxPayload = max(n, cnSize)
	f.kinds = make([]int8, f.maxPayload+1)
	for i := range f.kinds {
		f.kinds[i] = -1
	}
	f.kinds[cnSize] = int8(kindNoise)
	if n == cnSize {
		return f, fmt.Errorf("%w: %d bytes could be comfort noise or a %s b/s packet", ErrFraming, n, m.Name())
	}
	f.kinds[n] = int8(kindCodec)
	return f, nil
}

// parse parses a codec packet (no FEC section) into pk.
func (f *framing) parse(pk *codec.Packet, b []byte) error {
	if f.mode.LowRate() {
		return codec.ParseModePacket(pk, b, f.mode, f.bits)
	}
	return codec.ParsePacket(pk, b, f.bits, f.stages)
}

// kind classifies a payload of n bytes.
func (f *framing) kind(n int) (payloadKind, error) {
	if n < 0 || n >= len(f.kinds) || f.kinds[n] < 0 {
		return 0, fmt.Errorf("%w: %d bytes", ErrPayloadLength, n)
	}
	return payloadKind(f.kinds[n]), nil
}

// appendFEC packs the low-rate copy of pk after dst.
func (f *framing) appendFEC(dst []byte, pk *codec.Packet) []byte {
	w := bits.Writer{Buf: dst}
	for _, fd := range fecFields {
		w.Write(uint64(pk.Field(fd)), fd.Bits())
	}
	w.Write(uint64(pk.Index[0]), f.bits)
	return w.Flush()
}

// parseFEC unpacks an FEC section into a one-stage packet.
func (f *framing) parseFEC(pk *codec.Packet, b []byte) {
	r := bits.Reader{Buf: b[:f.fecSize]}
	*pk = codec.Packet{Stages: 1, MidF0: 4} // offset 0: interpolate
	for _, fd := range fecFields {
		pk.SetField(fd, uint8(r.Read(fd.Bits())))
	}
	pk.Index[0] = int(r.Read(f.bits))
}

// appendNoise packs a comfort-noise payload.
func appendNoise(dst []byte, energy uint8, tilt float32) []byte {
	t := math.Round(float64(tilt) * 32)
	t = math.Max(-128, math.Min(127, t))
	return append(dst, energy&63, byte(int8(t)))
}

// parseNoise unpacks a comfort-noise payload.
func parseNoise(b []byte) (energy uint8, tilt float32, err error) {
	if len(b) != cnSize {
		return 0, 0, fmt.Errorf("%w: %d bytes", ErrPayloadLength, len(b))
	}
	if b[0]>>6 != 0 {
		return 0, 0, fmt.Errorf("%w: %d", ErrPayloadVersion, b[0]>>6)
	}
	return b[0] & 63, float32(int8(b[1])) / 32, nil
}
