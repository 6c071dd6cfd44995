package codec

import (
	"errors"
	"fmt"
)

// A packet carries 20 ms of speech: the side information of its two 10 ms
// frames, then one codebook index per RVQ stage for the envelope, MSB first,
// then the pad field that fills the last byte (6, 4 and 2 bits at 1, 2 and
// 3 stages of a 10-bit codebook: the index of a pad stage, see pad.go; 0,
// as every packet before pad stages had, means none):
//
//	 0                   1                   2
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|  pitch end  |vce end|  energy end |p mid|v|e m|
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|  stage 1 index (B bits)  |  stage 2 index  | ... | pad |
//
// pitch end (7 bits): log-F0 of the packet's last frame; vce end (3 bits):
// its voicing profile, 0 = unvoiced; energy end (6 bits): its c0; p mid,
// v mid, e mid (3, 2, 3 bits): the middle frame's pitch, voicing and energy
// relative to the mean of its neighbours. B = log2(codebook size), 10 for
// the default codebook: 4 stages make 64 bits, 8 bytes, 3200 b/s.
//
// No mode byte is spent: the length of a packet tells how many stages it
// carries, because ceil((24 + B·s)/8) is different for every s when B ≥ 8.
const (
	f0Bits        = 7
	voicingBits   = 3
	energyBits    = 6
	midF0Bits     = 3
	midVoiceBits  = 2
	midEnergyBits = 3
	sideBits      = f0Bits + voicingBits + energyBits + midF0Bits + midVoiceBits + midEnergyBits
)

// Field is one side-information field of a packet. The fields in wire
// order, with their widths and names, are the one description of the side
// information: the packer, the token format, compact .vqs blocks and
// stream's FEC sections all read them from here.
type Field int

// The side-information fields, in wire order.
const (
	FieldF0         Field = iota // end frame pitch
	FieldVoicing                 // end frame voicing profile
	FieldEnergy                  // end frame energy
	FieldMidF0                   // middle frame pitch offset
	FieldMidVoicing              // middle frame voicing profile
	FieldMidEnergy               // middle frame energy offset
	NumFields                    // how many fields a packet has
)

var fields = [NumFields]struct {
	name, label string
	bits        int
}{
	{"f0", "F0", f0Bits},
	{"voicing", "voicing", voicingBits},
	{"energy", "energy", energyBits},
	{"mid_f0", "mid F0", midF0Bits},
	{"mid_voicing", "mid voicing", midVoiceBits},
	{"mid_energy", "mid energy", midEnergyBits},
}

// Bits is the field's width on the wire.
func (f Field) Bits() int { return fields[f].bits }

// Name is the field's key in token files, e.g. "mid_f0".
func (f Field) Name() string { return fields[f].name }

// String is the field's name for people, e.g. "mid F0".
func (f Field) String() string { return fields[f].label }

// MaxStages is the most RVQ stages a packet may carry.
const MaxStages = 6

// Errors from ParsePacket and Decoder.DecodePacket.
var (
	ErrPacketLength = errors.New("codec: packet length matches no stage count")
	ErrPacketIndex  = errors.New("codec: packet index out of codebook range")
	ErrPacketField  = errors.New("codec: packet field out of range")
	// ErrPacketPad means a packet's pad stage index (its spare bits, see
	// PadBook) names no entry of the decoder's pad book: most likely the
	// encoder had a pad book the decoder lacks.
	ErrPacketPad = errors.New("codec: packet pad stage index not in the decoder's pad book")
)

// Packet is the content of one packet, before bit packing.
type Packet struct {
	Stages    int            // how many RVQ indices follow
	Index     [MaxStages]int // envelope RVQ indices, stage by stage
	F0        uint8          // end frame pitch, 7 bits
	Voicing   uint8          // end frame voicing profile, 3 bits (0 = unvoiced)
	Energy    uint8          // end frame energy, 6 bits
	MidF0     uint8          // middle frame pitch offset, 3 bits
	MidVoice  uint8          // middle frame voicing profile, 2 bits
	MidEnergy uint8          // middle frame energy offset, 3 bits
	Pad       uint8          // pad stage index in the packet's spare bits (pad.go), 0 = none
}

// Field returns the value of side-information field f.
func (p *Packet) Field(f Field) uint8 { return *p.field(f) }

// SetField sets side-information field f to v.
func (p *Packet) SetField(f Field, v uint8) { *p.field(f) = v }

func (p *Packet) field(f Field) *uint8 {
	switch f {
	case FieldF0:
		return &p.F0
	case FieldVoicing:
		return &p.Voicing
	case FieldEnergy:
		return &p.Energy
	case FieldMidF0:
		return &p.MidF0
	case FieldMidVoicing:
		return &p.MidVoice
	case FieldMidEnergy:
		return &p.MidEnergy
	}
	panic(fmt.Sprintf("codec: no packet field %d", f))
}

// PacketSize is the length in bytes of a packet with the given stage count
// for a codebook of 2^indexBits entries.
func PacketSize(stages, indexBits int) int {
	return (sideBits + indexBits*stages + 7) / 8
}

// StagesForSize is the stage count a packet of n bytes carries, or an error
// when no stage count between 1 and maxStages gives that length.
func StagesForSize(n, indexBits, maxStages int) (int, error) {
	for s := 1; s <= maxStages; s++ {
		if PacketSize(s, indexBits) == n {
			return s, nil
		}
	}
	return 0, fmt.Errorf("%w: %d bytes (%d-bit indices, 1 to %d stages: %d to %d bytes)",
		ErrPacketLength, n, indexBits, maxStages, PacketSize(1, indexBits), PacketSize(maxStages, indexBits))
}

// AppendPacket packs p after dst and returns the extended slice.
func AppendPacket(dst []byte, p *Packet, indexBits int) []byte {
	return AppendModePacket(dst, p, StagesMode(p.Stages), indexBits)
}

// ParsePacket unpacks b, which must be a whole packet, into p. Every index
// it returns is below 2^indexBits; the caller checks them against a smaller
// codebook.
func ParsePacket(p *Packet, b []byte, indexBits, maxStages int) error {
	maxStages = min(maxStages, MaxStages) // p.Index holds no more
	stages, err := StagesForSize(len(b), indexBits, maxStages)
	if err != nil {
		return err
	}
	unpack(p, b, StagesMode(stages), indexBits)
	return nil
}
