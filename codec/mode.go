package codec

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/vqspeak/vqspeak/features"
	"github.com/vqspeak/vqspeak/internal/bits"
)

// Modes: the bitrates a stream can run at.
//
// The 20 ms modes (2000 to 3200 b/s with the default codebook) are the
// codec's original packets: 24 side bits and 1 to 4 stage indices, the
// stage count told by the packet length, so a 20 ms stream may change mode
// on any packet.
//
// The low-rate modes (800, 1200, 1600 b/s) send one packet per 40 ms, four
// 10 ms analysis frames. A packet has the same fields as a 20 ms one: the
// last frame's pitch, voicing and energy, the second frame's pitch, voicing
// and energy relative to the mean of its neighbours (the previous packet's
// last frame and this one's), and the last frame's envelope, coded with the
// RVQ less a share (lowRatePrediction) of the previous packet's. Frames 1
// and 3 are not sent: each is the mean of its two neighbours, the middle
// frame's envelope is the mean of the two end envelopes, and the encoder
// chooses the end envelope for all four frames at once. The 800 b/s mode
// drops the lowest bit of the end frame's pitch and energy (Mode.F0Bits,
// Mode.EnergyBits). A low-rate packet's length is fixed by its mode and can
// equal a 20 ms packet's (1600 and 3200 both send 8 bytes), so the mode is
// agreed out of band: the .vqs header, the RTP fmtp. Algorithmic latency is
// 40 ms of packet plus 10 ms of lookahead: 50 ms.
//
// The field layout is the one of Field, in the same order; only F0 and
// Energy may be narrower, so Field stays the one description of the side
// information.

// Mode is one operating point: how many 10 ms frames a packet covers, how
// many RVQ stages it sends and the widths of the two fields that may shrink.
// Compare modes with ==.
type Mode struct {
	Frames     int // 10 ms analysis frames per packet: 2 (20 ms) or 4 (40 ms, the low-rate modes)
	Stages     int // RVQ stage indices per packet
	F0Bits     int // width of the end frame's pitch field (FieldF0.Bits() or one less)
	EnergyBits int // width of the end frame's energy field (FieldEnergy.Bits() or one less)
}

// lowRatePrediction is the share of the previous packet's decoded envelope
// the low-rate modes subtract before quantisation: envelopes 40 ms apart
// are less alike than 20 ms apart (envelopePrediction).
var lowRatePrediction float32 = 0.5

// DefaultIndexBits is the index width of the embedded codebook (1024
// entries a stage): mode names are their bitrates with it.
const DefaultIndexBits = 10

var (
	// Mode800 is the lowest mode: 32 bits per 40 ms, Codec 2 700C's packet
	// size (its 28 bits are stored in 4 bytes).
	Mode800 = Mode{Frames: 4, Stages: 1, F0Bits: f0Bits - 1, EnergyBits: energyBits - 1}
	// Mode1200 is 48 bits per 40 ms: 24 side bits and 2 stages (44 bits, padded).
	Mode1200 = Mode{Frames: 4, Stages: 2, F0Bits: f0Bits, EnergyBits: energyBits}
	// Mode1600 is 64 bits per 40 ms: 24 side bits and 4 stages.
	Mode1600 = Mode{Frames: 4, Stages: 4, F0Bits: f0Bits, EnergyBits: energyBits}
)

// StagesMode is the 20 ms mode with the given stage count.
func StagesMode(stages int) Mode {
	return Mode{Frames: 2, Stages: stages, F0Bits: f0Bits, EnergyBits: energyBits}
}

// Modes lists the named modes, lowest bitrate first: 800, 1200, 1600 and
// the 20 ms modes 2000, 2400, 2800, 3200.
func Modes() []Mode {
	return []Mode{Mode800, Mode1200, Mode1600, StagesMode(1), StagesMode(2), StagesMode(3), StagesMode(4)}
}

// ErrMode means a mode that this build does not know or cannot run.
var ErrMode = errors.New("codec: unknown mode")

// ModeForBitrate is the mode named by its bitrate in b/s with the default
// codebook: 800, 1200, 1600, 2000, 2400, 2800 or 3200. 700 names the 800
// mode, whose 32-bit packets match Codec 2 700C's 4-byte frames: 800 b/s is
// its honest payload rate.
func ModeForBitrate(bps int) (Mode, error) {
	if bps == 700 {
		return Mode800, nil
	}
	for _, m := range Modes() {
		if m.Bitrate(DefaultIndexBits) == bps {
			return m, nil
		}
	}
	var names []string
	for _, m := range Modes() {
		names = append(names, m.Name())
	}
	return Mode{}, fmt.Errorf("%w: %d b/s (want 700 or one of %s)", ErrMode, bps, strings.Join(names, ", "))
}

// LowRate reports whether m is one of the 40 ms modes.
func (m Mode) LowRate() bool { return m.Frames != 2 }

// Name is the mode's bitrate with the default codebook, e.g. "1600".
func (m Mode) Name() string { return strconv.Itoa(m.Bitrate(DefaultIndexBits)) }

// String describes the mode for people, e.g. "1600 b/s (40 ms, 4 stages)".
func (m Mode) String() string {
	return fmt.Sprintf("%s b/s (%d ms, %d stages)", m.Name(), m.PacketDuration().Milliseconds(), m.Stages)
}

// Valid reports whether m is a mode the codec can run: a 20 ms mode with
// 1 to MaxStages stages or one of the low-rate modes.
func (m Mode) Valid() bool {
	if !m.LowRate() {
		return m.Stages >= 1 && m.Stages <= MaxStages && m.F0Bits == f0Bits && m.EnergyBits == energyBits
	}
	return m == Mode800 || m == Mode1200 || m == Mode1600
}

// PacketSamples is the PCM length of one packet.
func (m Mode) PacketSamples() int { return m.Frames * features.HopSize }

// PacketDuration is the time one packet covers.
func (m Mode) PacketDuration() time.Duration {
	return time.Duration(m.Frames) * 10 * time.Millisecond
}

// Latency is the mode's algorithmic latency: a packet plus the lookahead
// (30 ms for the 20 ms modes, 50 ms for the low-rate ones).
func (m Mode) Latency() time.Duration {
	return m.PacketDuration() + Delay*time.Second/SampleRate
}

// FieldBits is field f's width on the wire in this mode.
func (m Mode) FieldBits(f Field) int {
	switch f {
	case FieldF0:
		return m.F0Bits
	case FieldEnergy:
		return m.EnergyBits
	}
	return f.Bits()
}

// sideBits is the side information's width in this mode.
func (m Mode) sideBits() int { return sideBits - (f0Bits - m.F0Bits) - (energyBits - m.EnergyBits) }

// PacketSize is the length in bytes of this mode's packets for a codebook
// of 2^indexBits entries.
func (m Mode) PacketSize(indexBits int) int { return (m.sideBits() + m.Stages*indexBits + 7) / 8 }

// Bitrate is the payload bitrate in b/s for a codebook of 2^indexBits entries.
func (m Mode) Bitrate(indexBits int) int {
	return m.PacketSize(indexBits) * 8 * int(time.Second/m.PacketDuration())
}

// AppendModePacket packs p, a packet of mode m, after dst. Fields wider
// than m allows are cut to their low bits.
func AppendModePacket(dst []byte, p *Packet, m Mode, indexBits int) []byte {
	w := bits.Writer{Buf: dst}
	for f := range NumFields {
		w.Write(uint64(p.Field(f)), m.FieldBits(f))
	}
	for s := range m.Stages {
		w.Write(uint64(p.Index[s]), indexBits)
	}
	return w.Flush()
}

// ParseModePacket unpacks b, which must be a whole packet of mode m, into p.
func ParseModePacket(p *Packet, b []byte, m Mode, indexBits int) error {
	if !m.Valid() {
		return fmt.Errorf("%w: %+v", ErrMode, m)
	}
	if n := m.PacketSize(indexBits); len(b) != n {
		return fmt.Errorf("%w: %d bytes, the %s mode's packets have %d", ErrPacketLength, len(b), m.Name(), n)
	}
	r := bits.Reader{Buf: b}
	p.Stages = m.Stages
	for f := range NumFields {
		p.SetField(f, uint8(r.Read(m.FieldBits(f))))
	}
	for s := range m.Stages {
		p.Index[s] = int(r.Read(indexBits))
	}
	clear(p.Index[m.Stages:])
	return nil
}

// reduce turns a full-width quantiser index into a field of width w
// (the nearest of the indices the field can name).
func reduce(i, full, w int) uint8 {
	s := full - w
	return uint8(min((i+(1<<s)/2)>>s, 1<<w-1))
}

// expand turns a field of width w back into a full-width quantiser index.
func expand(v uint8, full, w int) uint8 { return v << (full - w) }

// fullPacket is p, a packet of mode m, with its narrowed fields widened
// back to the quantisers' indices.
func fullPacket(p *Packet, m Mode) Packet {
	q := *p
	q.F0 = expand(p.F0, f0Bits, m.F0Bits)
	q.Energy = expand(p.Energy, energyBits, m.EnergyBits)
	return q
}

// interpFrame makes dst the frame halfway between a and b: the mean
// envelope and energy, the geometric mean pitch when both are voiced, and
// when only one is, its pitch with half its voicing.
func interpFrame(dst, a, b *features.Frame) {
	for i := range dst.MCep {
		dst.MCep[i] = 0.5 * (a.MCep[i] + b.MCep[i])
	}
	dst.Periodicity = 0.5 * (a.Periodicity + b.Periodicity)
	for i := range dst.Voicing {
		dst.Voicing[i] = 0.5 * (a.Voicing[i] + b.Voicing[i])
	}
	switch {
	case a.F0 > 0 && b.F0 > 0:
		dst.F0 = dequantF0((quantF0(a.F0) + quantF0(b.F0) + 1) / 2)
	case a.F0 > 0:
		dst.F0 = a.F0
	case b.F0 > 0:
		dst.F0 = b.F0
	default:
		dst.F0 = 0
	}
}

// prediction is the mode's envelope prediction coefficient.
func (m Mode) prediction() float32 {
	if m.LowRate() {
		return lowRatePrediction
	}
	return envelopePrediction
}
