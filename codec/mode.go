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
// 10 ms analysis frames. A packet carries the fields of a 20 ms one, some
// narrower or left out: the last frame's pitch, voicing and energy, the
// second frame's pitch, voicing and energy relative to the mean of its
// neighbours (the previous packet's last frame and this one's), and the
// last frame's envelope, coded with the RVQ less a share
// (lowRatePrediction) of the previous packet's. Frames 1 and 3 are never
// sent: each is the mean of its two neighbours (interpFrame); the second
// frame's envelope is the mean of the two end envelopes, and the encoder
// chooses the end envelope for all four frames at once, and likewise the
// end and middle energy codes (Encoder.lowRateEnergy). Mode.FieldBits
// gives each mode's widths:
//
//	mode  pitch voicing energy | mid: pitch voicing energy | stages | bits
//	800     6     2      4     |       -      -       -    |   2    | 32
//	1200    7     3      6     |       -      2       -    |   3    | 48
//	1600    7     3      6     |       3      2       3    |   4    | 64
//
// A narrowed pitch or energy field drops the quantiser's low bits; a 2-bit
// end voicing field indexes the middle frame's 4 profiles; a field left out
// is interpolated. A low-rate packet's length is fixed by its mode and can
// equal a 20 ms packet's (1600 and 3200 both send 8 bytes), so the mode is
// agreed out of band (the .vqs header). Algorithmic latency is 40 ms of
// packet plus 10 ms of lookahead: 50 ms.
//
// The fields are Field's, in the same order, so Field stays the one
// description of the side information; a mode only sets their widths.

// Mode is one operating point: how many 10 ms frames a packet covers, how
// many RVQ stages it sends and the width of each side-information field
// (FieldBits). Compare modes with ==; the named ones are the only valid ones.
type Mode struct {
	Frames int // 10 ms analysis frames per packet: 2 (20 ms) or 4 (40 ms, the low-rate modes)
	Stages int // RVQ stage indices per packet
	widths [NumFields]int8
}

// fullWidths are the 20 ms packets' field widths.
var fullWidths = [NumFields]int8{f0Bits, voicingBits, energyBits, midF0Bits, midVoiceBits, midEnergyBits}

// lowRatePrediction is the share of the previous packet's decoded envelope
// the low-rate modes subtract before quantisation. On the dev subset (13
// test files) 0.7 beat 0.3, 0.5, 0.6 and 0.8 at 1600 b/s (PESQ-WB 1.676
// against 1.651, 1.658, 1.663, 1.645) and was as good as any at 800: the
// codebook, trained on 20 ms residuals (0.6), fits the larger 40 ms
// residuals best when more is predicted.
const lowRatePrediction = 0.7

// DefaultIndexBits is the index width of the embedded codebook (1024
// entries a stage): mode names are their bitrates with it.
const DefaultIndexBits = 10

var (
	// Mode800 is the lowest mode: 32 bits per 40 ms, Codec 2 700C's packet
	// size (its 28 bits are stored in 4 bytes), laid out like 700C's:
	// 2 stages (20 bits) and 12 side bits: end-frame pitch 6 bits, voicing
	// 2 (the middle-frame profiles), energy 4; the middle frame is
	// interpolated. On the dev subset this beat 1 stage with 22 side bits
	// (pitch 6, energy 5, the rest as 20 ms packets) by 0.08 PESQ-WB.
	Mode800 = Mode{Frames: 4, Stages: 2, widths: [NumFields]int8{f0Bits - 1, midVoiceBits, energyBits - 2, 0, 0, 0}}
	// Mode1200 is 48 bits per 40 ms: 3 stages and 18 side bits, the end
	// frame's 16 and the middle frame's voicing (its pitch and energy are
	// interpolated). On the dev subset this beat 2 stages with the 24 side
	// bits of 20 ms packets by 0.04 PESQ-WB.
	Mode1200 = Mode{Frames: 4, Stages: 3, widths: [NumFields]int8{f0Bits, voicingBits, energyBits, 0, midVoiceBits, 0}}
	// Mode1600 is 64 bits per 40 ms: 24 side bits and 4 stages.
	Mode1600 = Mode{Frames: 4, Stages: 4, widths: fullWidths}
)

// StagesMode is the 20 ms mode with the given stage count.
func StagesMode(stages int) Mode {
	return Mode{Frames: 2, Stages: stages, widths: fullWidths}
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

// LowRate reports whether m's packets are longer than 20 ms, as the low-rate
// modes' are. The zero Mode is not low-rate: callers use it for "unset, the
// 20 ms modes".
func (m Mode) LowRate() bool { return m.Frames > 2 }

// Name is the mode's bitrate with the default codebook, e.g. "1600".
func (m Mode) Name() string { return strconv.Itoa(m.Bitrate(DefaultIndexBits)) }

// String describes the mode for people, e.g. "1600 b/s (40 ms, 4 stages)".
func (m Mode) String() string {
	if !m.Valid() {
		return fmt.Sprintf("invalid mode (%d frames, %d stages)", m.Frames, m.Stages)
	}
	return fmt.Sprintf("%s b/s (%d ms, %d stages)", m.Name(), m.PacketDuration().Milliseconds(), m.Stages)
}

// Valid reports whether m is a mode the codec can run: a 20 ms mode with
// 1 to MaxStages stages or one of the low-rate modes.
func (m Mode) Valid() bool {
	if !m.LowRate() {
		return m.Stages >= 1 && m.Stages <= MaxStages && m.widths == fullWidths
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

// FieldBits is field f's width on the wire in this mode: f.Bits(), or
// fewer when the mode narrows it (F0 and energy lose low bits, a 2-bit
// voicing field uses the middle frame's 4 profiles), or 0 when the mode
// does not send it (the middle frame is then its neighbours' mean).
func (m Mode) FieldBits(f Field) int { return int(m.widths[f]) }

// sideBits is the side information's width in this mode.
func (m Mode) sideBits() int {
	n := 0
	for _, w := range m.widths {
		n += int(w)
	}
	return n
}

// midF0Zero is the code of midF0Offsets' 0, the middle frame's pitch when
// a mode does not send it.
const midF0Zero = 4

// voicingTable is the table of end-frame voicing profiles the mode's
// voicing field indexes.
func (m Mode) voicingTable() [][features.NumVoicingBands]float32 {
	if m.widths[FieldVoicing] == midVoiceBits {
		return midVoicingProfiles[:]
	}
	return voicingProfiles[:]
}

// PacketSize is the length in bytes of this mode's packets for a codebook
// of 2^indexBits entries.
func (m Mode) PacketSize(indexBits int) int { return (m.sideBits() + m.Stages*indexBits + 7) / 8 }

// Bitrate is the payload bitrate in b/s for a codebook of 2^indexBits
// entries, 0 for a mode that is not Valid.
func (m Mode) Bitrate(indexBits int) int {
	if !m.Valid() {
		return 0
	}
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
	if !m.LowRate() {
		w.Write(uint64(p.Pad), PadBits(m.Stages, indexBits))
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
	unpack(p, b, m, indexBits)
	clear(p.Index[m.Stages:])
	return nil
}

// unpack reads the fields and m.Stages indices of a packet of mode m from b,
// whose length the caller has checked.
func unpack(p *Packet, b []byte, m Mode, indexBits int) {
	r := bits.Reader{Buf: b}
	p.Stages = m.Stages
	for f := range NumFields {
		p.SetField(f, uint8(r.Read(m.FieldBits(f))))
	}
	for s := range m.Stages {
		p.Index[s] = int(r.Read(indexBits))
	}
	p.Pad = 0
	if !m.LowRate() {
		p.Pad = uint8(r.Read(PadBits(m.Stages, indexBits)))
	}
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
	q.F0 = expand(p.F0, f0Bits, m.FieldBits(FieldF0))
	q.Energy = expand(p.Energy, energyBits, m.FieldBits(FieldEnergy))
	if m.FieldBits(FieldMidF0) == 0 {
		q.MidF0 = midF0Zero
	}
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
