package compact

import (
	"fmt"
	"math"

	"github.com/klauspost/compress/huff0"
	"github.com/vqspeak/vqspeak/codec"
)

// Stats runs the compact block coder over packets without writing a
// file and counts what it sees: the symbols of every field, before and
// after the coder's differencing, and the bytes each field's streams cost.
// It is how the compact format is measured (vqspeak bench -compact) and how
// its static tables are trained (codec/vqs/compact/internal/gencompact). It is not safe
// for concurrent use.
type Stats struct {
	c       *Coder
	recs    []byte // plain records of the block under construction
	count   int
	out     []byte
	blocks  int64
	compact int64
	pk      codec.Packet
	streams []streamCount // by logical stream: stages, fields, stage indices
	hi      [codec.MaxStages][]byte
	kinds   [numStreamKinds][256]uint32 // symbols of the streams that have static tables
}

type streamCount struct {
	name       string
	bits       int
	delta      bool
	coded, raw []int64 // histograms
	bytes      int64   // spent in compact blocks, method bytes included
	methods    [4]int64
	// the same for the block being coded, added when it is stored compact
	blockBytes, blockSymbols int64
	blockMethods             [4]int64
	compactSymbols           int64 // symbols of the blocks stored compact
}

// Stream is what Stats measured for one field of the packets.
type Stream struct {
	Name    string `json:"name"`
	Bits    int    `json:"bits"`    // width in a plain packet
	Delta   bool   `json:"delta"`   // coded as the difference from the previous packet
	Symbols int64  `json:"symbols"` // values counted
	// Empirical (order-0) entropies in bits per symbol: of the values, and
	// of what the coder codes (the differences when Delta).
	RawEntropy float64 `json:"raw_entropy_bits"`
	Entropy    float64 `json:"entropy_bits"`
	// CodedBits is what compact blocks spent per symbol of theirs, method
	// bytes, lengths and adaptive tables included; blocks a writer would
	// store plain are left out.
	CodedBits float64 `json:"coded_bits"`
	// Methods counts the streams coded raw, repeated, with the static
	// table and with an adaptive table (an index wider than 8 bits is two
	// streams per block).
	Methods [4]int64 `json:"methods"`
}

// NewStats returns an empty Stats for packets with
// indexBits-bit codebook indices (IndexBits(cb)).
func NewStats(indexBits int) (*Stats, error) {
	if indexBits < 1 || indexBits > MaxIndexBits {
		return nil, fmt.Errorf("vqs: index bits %d out of range 1..%d", indexBits, MaxIndexBits)
	}
	c, err := NewCoder(indexBits)
	if err != nil {
		return nil, err
	}
	s := &Stats{
		c:    c,
		recs: make([]byte, 0, MaxPackets*(1+maxPacketLen)),
		out:  make([]byte, 0, maxBlockLen),
	}
	c.obs = s
	add := func(name string, bits int, delta bool) {
		s.streams = append(s.streams, streamCount{name: name, bits: bits, delta: delta,
			coded: make([]int64, 1<<bits), raw: make([]int64, 1<<bits)})
	}
	add("stage count", stageCountBits, false)
	for _, f := range fields {
		add(f.String(), f.Bits(), f.delta)
	}
	for st := range codec.MaxStages {
		add(fmt.Sprintf("stage %d index", st+1), indexBits, st == 0)
	}
	return s, nil
}

// SetTableSet codes with static table set n instead of
// DefaultTableSet,
// as PacketWriter.SetCompactTableSet does.
func (s *Stats) SetTableSet(n int) error { return s.c.SetTableSet(n) }

// WritePacket counts one packet. Every blockPackets packets make
// a block, as in a compact file; Flush ends a block early (at the end of a
// file).
func (s *Stats) WritePacket(p []byte) error {
	if len(p) == 0 || len(p) > maxPacketLen {
		return fmt.Errorf("compact: packet of %d bytes, want 1 to %d", len(p), maxPacketLen)
	}
	if err := codec.ParsePacket(&s.pk, p, s.c.indexBits, codec.MaxStages); err != nil {
		return err
	}
	st := s.streams
	st[idStages].raw[s.pk.Stages]++
	for i, f := range fields {
		st[idField+i].raw[s.pk.Field(f.Field)]++
	}
	for i := range s.pk.Stages {
		st[idIndex+i].raw[s.pk.Index[i]]++
	}
	s.recs = append(append(s.recs, byte(len(p))), p...)
	if s.count++; s.count == blockPackets {
		s.Flush()
	}
	return nil
}

// Flush codes the packets counted since the last block as one block.
func (s *Stats) Flush() {
	if s.count == 0 {
		return
	}
	s.blocks++
	out, ok := s.c.Encode(s.out[:0], s.recs, s.count)
	s.out = out
	// A writer stores the block plain unless its payload is smaller.
	ok = ok && len(out) < len(s.recs)
	if ok {
		s.compact++
	}
	for i := range s.streams {
		c := &s.streams[i]
		if ok {
			c.bytes += c.blockBytes
			c.compactSymbols += c.blockSymbols
			for m, n := range c.blockMethods {
				c.methods[m] += n
			}
		}
		c.blockBytes, c.blockSymbols, c.blockMethods = 0, 0, [4]int64{}
	}
	s.recs, s.count = s.recs[:0], 0
}

// observe is called by the coder for every stream it codes.
func (s *Stats) observe(id int, sym []byte, bits int, method byte, size int) {
	i := id
	hi := false
	if id >= idIndex {
		st := (id - idIndex) / 2
		i = idIndex + st
		if hi = (id-idIndex)%2 == 0; hi {
			s.hi[st] = append(s.hi[st][:0], sym...)
		} else {
			for j, v := range sym {
				u := int(v)
				if s.c.indexBits > 8 {
					u |= int(s.hi[st][j]) << 8
				}
				s.streams[i].coded[u]++
			}
		}
		if h, l := indexKinds(st); hi && h != streamNone {
			s.count8(h, sym)
		} else if !hi && l != streamNone {
			s.count8(l, sym)
		}
	} else {
		for _, v := range sym {
			s.streams[i].coded[v]++
		}
		if id >= idField {
			s.count8(fields[id-idField].kind, sym)
		}
	}
	if !hi {
		s.streams[i].blockSymbols += int64(len(sym))
	}
	s.streams[i].blockBytes += int64(size)
	s.streams[i].blockMethods[method]++
}

func (s *Stats) count8(kind int, sym []byte) {
	for _, v := range sym {
		s.kinds[kind][v]++
	}
}

// Blocks returns the blocks coded so far and how many of them a compact
// writer would store compact (the others it stores plain: their packets do
// not parse, or coding does not make them smaller).
func (s *Stats) Blocks() (blocks, compact int64) { return s.blocks, s.compact }

// Streams returns the measurements of each field that occurred: the stage
// count, the side information, then each stage's index.
func (s *Stats) Streams() []Stream {
	var out []Stream
	for _, c := range s.streams {
		var n int64
		for _, v := range c.raw {
			n += v
		}
		if n == 0 {
			continue
		}
		cs := Stream{Name: c.name, Bits: c.bits, Delta: c.delta, Symbols: n,
			RawEntropy: entropy(c.raw), Entropy: entropy(c.coded), Methods: c.methods}
		if c.compactSymbols > 0 {
			cs.CodedBits = float64(8*c.bytes) / float64(c.compactSymbols)
		}
		out = append(out, cs)
	}
	return out
}

// entropy is the empirical entropy of a histogram in bits per symbol.
func entropy(h []int64) float64 {
	var n int64
	for _, v := range h {
		n += v
	}
	var e float64
	for _, v := range h {
		if v > 0 {
			p := float64(v) / float64(n)
			e -= p * math.Log2(p)
		}
	}
	return e
}

// Table is a static Huffman table trained by Stats.
type Table struct {
	Name  string // the stream it codes
	Bits  int    // symbol width
	Table []byte // Huffman tree description (RFC 8878 section 4.2.1)
}

// Tables builds one static table per stream kind of a table set
// from the symbols counted so far, with one extra count for every value a
// symbol of the stream can take, so that any value can be coded.
func (s *Stats) Tables() ([]Table, error) {
	if s.c.indexBits != 10 {
		return nil, fmt.Errorf("vqs: static tables are for 10-bit indices, not %d", s.c.indexBits)
	}
	out := make([]Table, numStreamKinds)
	for k := range numStreamKinds {
		name, bits := kindName(k)
		var h [256]uint32
		for v := range 1 << bits {
			h[v] = s.kinds[k][v] + 1
		}
		var sc huff0.Scratch
		if err := sc.BuildCTable(&h); err != nil {
			return nil, fmt.Errorf("vqs: table for %s: %w", name, err)
		}
		t, err := sc.AppendTable(nil)
		if err != nil {
			return nil, fmt.Errorf("vqs: table for %s: %w", name, err)
		}
		out[k] = Table{Name: name, Bits: bits, Table: t}
	}
	return out, nil
}

// kindName describes a static table kind of the newest set, for
// 10-bit indices.
func kindName(kind int) (string, int) {
	switch kind {
	case streamIndex1Lo:
		return "stage 1 index delta, low byte", 8
	case streamIndex1Hi:
		return "stage 1 index delta, high bits", 2
	}
	for _, f := range fields {
		if f.kind == kind && f.delta {
			return f.String() + " delta", f.Bits()
		} else if f.kind == kind {
			return f.String(), f.Bits()
		}
	}
	return "", 0
}
