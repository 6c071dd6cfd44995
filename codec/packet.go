package codec

import (
	"errors"
	"fmt"
)

// A packet carries 20 ms of speech: the side information of its two 10 ms
// frames, then one codebook index per RVQ stage for the envelope, MSB first,
// zero-padded to a whole byte:
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
	sideBits      = 24
	f0Bits        = 7
	voicingBits   = 3
	energyBits    = 6
	midF0Bits     = 3
	midVoiceBits  = 2
	midEnergyBits = 3
)

// MaxStages is the most RVQ stages a packet may carry.
const MaxStages = 6

// Errors from ParsePacket.
var (
	ErrPacketLength = errors.New("codec: packet length matches no stage count")
	ErrPacketIndex  = errors.New("codec: packet index out of codebook range")
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
	var w bitWriter
	w.buf = dst
	w.write(uint64(p.F0), f0Bits)
	w.write(uint64(p.Voicing), voicingBits)
	w.write(uint64(p.Energy), energyBits)
	w.write(uint64(p.MidF0), midF0Bits)
	w.write(uint64(p.MidVoice), midVoiceBits)
	w.write(uint64(p.MidEnergy), midEnergyBits)
	for s := 0; s < p.Stages; s++ {
		w.write(uint64(p.Index[s]), indexBits)
	}
	return w.flush()
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
	r := bitReader{buf: b}
	p.Stages = stages
	p.F0 = uint8(r.read(f0Bits))
	p.Voicing = uint8(r.read(voicingBits))
	p.Energy = uint8(r.read(energyBits))
	p.MidF0 = uint8(r.read(midF0Bits))
	p.MidVoice = uint8(r.read(midVoiceBits))
	p.MidEnergy = uint8(r.read(midEnergyBits))
	for s := 0; s < stages; s++ {
		p.Index[s] = int(r.read(indexBits))
	}
	return nil
}

// bitWriter packs fields MSB first.
type bitWriter struct {
	buf   []byte
	acc   uint64
	nbits int
}

func (w *bitWriter) write(v uint64, n int) {
	w.acc = w.acc<<n | v&(1<<n-1)
	w.nbits += n
	for w.nbits >= 8 {
		w.nbits -= 8
		w.buf = append(w.buf, byte(w.acc>>w.nbits))
	}
}

func (w *bitWriter) flush() []byte {
	if w.nbits > 0 {
		w.buf = append(w.buf, byte(w.acc<<(8-w.nbits)))
		w.nbits = 0
	}
	return w.buf
}

// bitReader reads fields MSB first; past the end it reads zeros.
type bitReader struct {
	buf []byte
	pos int // bit position
}

func (r *bitReader) read(n int) uint64 {
	var v uint64
	for i := 0; i < n; i++ {
		byteIdx := r.pos >> 3
		bit := uint64(0)
		if byteIdx < len(r.buf) {
			bit = uint64(r.buf[byteIdx]>>(7-r.pos&7)) & 1
		}
		v = v<<1 | bit
		r.pos++
	}
	return v
}
