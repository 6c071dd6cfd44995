package vqs

import (
	"fmt"
	"math"

	"github.com/klauspost/compress/huff0"
	"github.com/vqspeak/vqspeak/codec"
)

// CompactStats runs the compact block coder over packets without writing a
// file and counts what it sees: the symbols of every field, before and
// after the coder's differencing, and the bytes each field's streams cost.
// It is how the compact format is measured (vqspeak bench -compact) and how
// its static tables are trained (codec/vqs/internal/gencompact). It is not safe
// for concurrent use.
type CompactStats struct {
	c       *compactCoder
	recs    []byte // plain records of the block under construction
	count   int
	out     []byte
	blocks  int64
	compact int64
	pk      codec.Packet
	streams []compactCount // by logical stream: stages, fields, stage indices
	hi      [codec.MaxStages][]byte
	kinds   [compactNumStreamKinds][256]uint32 // symbols of the streams that have static tables
}

type compactCount struct {
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

// CompactStream is what CompactStats measured for one field of the packets.
type CompactStream struct {
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

// NewCompactStats returns an empty CompactStats for packets with
// indexBits-bit codebook indices (IndexBits(cb)).
func NewCompactStats(indexBits int) (*CompactStats, error) {
	if indexBits < 1 || indexBits > compactMaxIndexBits {
		return nil, fmt.Errorf("vqs: index bits %d out of range 1..%d", indexBits, compactMaxIndexBits)
	}
	c, err := newCompactCoder(indexBits)
	if err != nil {
		return nil, err
	}
	s := &CompactStats{
		c:    c,
		recs: make([]byte, 0, MaxBlockPackets*(1+MaxPacketLen)),
		out:  make([]byte, 0, maxBlockLen),
	}
	c.obs = s
	add := func(name string, bits int, delta bool) {
		s.streams = append(s.streams, compactCount{name: name, bits: bits, delta: delta,
			coded: make([]int64, 1<<bits), raw: make([]int64, 1<<bits)})
	}
	add("stage count", stageCountBits, false)
	for _, f := range compactFields {
		add(f.String(), f.Bits(), f.delta)
	}
	for st := range codec.MaxStages {
		add(fmt.Sprintf("stage %d index", st+1), indexBits, st == 0)
	}
	return s, nil
}

// SetTableSet codes with static table set n instead of
// DefaultCompactTableSet,
// as PacketWriter.SetCompactTableSet does.
func (s *CompactStats) SetTableSet(n int) error { return s.c.setTableSet(n) }

// WritePacket counts one packet. Every DefaultBlockPackets packets make
// a block, as in a compact file; Flush ends a block early (at the end of a
// file).
func (s *CompactStats) WritePacket(p []byte) error {
	if len(p) == 0 || len(p) > MaxPacketLen {
		return fmt.Errorf("%w: got %d bytes", ErrPacketSize, len(p))
	}
	if err := codec.ParsePacket(&s.pk, p, s.c.indexBits, codec.MaxStages); err != nil {
		return err
	}
	st := s.streams
	st[compactIDStages].raw[s.pk.Stages]++
	for i, f := range compactFields {
		st[compactIDField+i].raw[s.pk.Field(f.Field)]++
	}
	for i := range s.pk.Stages {
		st[compactIDIndex+i].raw[s.pk.Index[i]]++
	}
	s.recs = append(append(s.recs, byte(len(p))), p...)
	if s.count++; s.count == DefaultBlockPackets {
		s.Flush()
	}
	return nil
}

// Flush codes the packets counted since the last block as one block.
func (s *CompactStats) Flush() {
	if s.count == 0 {
		return
	}
	s.blocks++
	out, ok := s.c.encode(s.out[:0], s.recs, s.count)
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
func (s *CompactStats) observe(id int, sym []byte, bits int, method byte, size int) {
	i := id
	hi := false
	if id >= compactIDIndex {
		st := (id - compactIDIndex) / 2
		i = compactIDIndex + st
		if hi = (id-compactIDIndex)%2 == 0; hi {
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
		if h, l := compactIndexKinds(st); hi && h != compactStreamNone {
			s.count8(h, sym)
		} else if !hi && l != compactStreamNone {
			s.count8(l, sym)
		}
	} else {
		for _, v := range sym {
			s.streams[i].coded[v]++
		}
		if id >= compactIDField {
			s.count8(compactFields[id-compactIDField].kind, sym)
		}
	}
	if !hi {
		s.streams[i].blockSymbols += int64(len(sym))
	}
	s.streams[i].blockBytes += int64(size)
	s.streams[i].blockMethods[method]++
}

func (s *CompactStats) count8(kind int, sym []byte) {
	for _, v := range sym {
		s.kinds[kind][v]++
	}
}

// Blocks returns the blocks coded so far and how many of them a compact
// writer would store compact (the others it stores plain: their packets do
// not parse, or coding does not make them smaller).
func (s *CompactStats) Blocks() (blocks, compact int64) { return s.blocks, s.compact }

// Streams returns the measurements of each field that occurred: the stage
// count, the side information, then each stage's index.
func (s *CompactStats) Streams() []CompactStream {
	var out []CompactStream
	for _, c := range s.streams {
		var n int64
		for _, v := range c.raw {
			n += v
		}
		if n == 0 {
			continue
		}
		cs := CompactStream{Name: c.name, Bits: c.bits, Delta: c.delta, Symbols: n,
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

// CompactTable is a static Huffman table trained by CompactStats.
type CompactTable struct {
	Name  string // the stream it codes
	Bits  int    // symbol width
	Table []byte // Huffman tree description (RFC 8878 section 4.2.1)
}

// Tables builds one static table per stream kind of a table set
// from the symbols counted so far, with one extra count for every value a
// symbol of the stream can take, so that any value can be coded.
func (s *CompactStats) Tables() ([]CompactTable, error) {
	if s.c.indexBits != 10 {
		return nil, fmt.Errorf("vqs: static tables are for 10-bit indices, not %d", s.c.indexBits)
	}
	out := make([]CompactTable, compactNumStreamKinds)
	for k := range compactNumStreamKinds {
		name, bits := compactKindName(k)
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
		out[k] = CompactTable{Name: name, Bits: bits, Table: t}
	}
	return out, nil
}

// compactKindName describes a static table kind of the newest set, for
// 10-bit indices.
func compactKindName(kind int) (string, int) {
	switch kind {
	case compactStreamIndex1Lo:
		return "stage 1 index delta, low byte", 8
	case compactStreamIndex1Hi:
		return "stage 1 index delta, high bits", 2
	}
	for _, f := range compactFields {
		if f.kind == kind && f.delta {
			return f.String() + " delta", f.Bits()
		} else if f.kind == kind {
			return f.String(), f.Bits()
		}
	}
	return "", 0
}
