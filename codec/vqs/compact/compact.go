// Package compact codes the packets of one .vqs block compactly: split
// into their fields, each field entropy-coded on its own with static
// Huffman tables shipped with vqspeak (or an adaptive table where that is
// smaller). Package vqs frames the result as a compact block; Stats
// measures what compact coding saves and trains new table sets
// (internal/gencompact).
//
// A compact block has the framing of a plain block (sync, kind 0x01, packet
// count, first packet index, payload length, CRC-32C), so resynchronisation,
// loss accounting and seeking by block work unchanged; only the payload
// differs. The packets are split into their fields and each field is stored
// as its own stream, because each field has its own statistics:
//
//	payload = indexBits (1 byte, | PadFlag) | table set (1 byte) | streams
//	streams = stages | F0Δ | voicingΔ | energyΔ | midF0 | midVoicingΔ | midEnergy |
//	          for each stage s present in the block: index s (hi, lo) |
//	          with PadFlag: pad (7-bit symbols, one per packet with spare bits)
//	stream  = method (1 byte) | data
//	  method 0 raw:     the symbols bit-packed at the field's width, MSB first
//	  method 1 repeat:  one byte, the value of every symbol
//	  method 2 static:  length (2 bytes) | huff0 1X stream, code from the table set
//	  method 3 huffman: length (2 bytes) | huff0 table | huff0 1X stream
//
// Δ streams hold the difference from the previous packet's value modulo the
// field's range, starting from 0 in each block, so every block decodes on
// its own. The index of stage s is stored for the packets that have more
// than s stages; the first stage's is a Δ stream. Indices wider than 8 bits
// are split into a high stream (indexBits-8 bits) and a low byte stream,
// since the coder works on byte symbols. The writer picks the smallest
// method per stream and falls back to a plain block when the packets do not
// parse or when coding does not pay; the decoder re-packs the fields with
// codec.AppendPacket, so a compact file decodes bit-exactly like a plain one.
package compact

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/klauspost/compress/huff0"
	"github.com/vqspeak/vqspeak/codec"
	bitio "github.com/vqspeak/vqspeak/internal/bits"
)

// Limits of a block, as the .vqs container frames it.
const (
	// MaxPackets is the most packets a block holds.
	MaxPackets   = 255
	maxPacketLen = 255             // a packet's length is one byte
	blockPackets = 50              // packets per block Stats counts, one second as in .vqs files
	maxBlockLen  = 10 + 0xFFFF + 4 // block header, payload, CRC
)

const (
	methodRaw     = 0
	methodRepeat  = 1
	methodStatic  = 2
	methodHuffman = 3

	tableSetNone = 0
	tableSetV1   = 1 // tablesV1, for 10-bit indices
	tableSetV2   = 2 // tablesV2, for 10-bit indices

	MaxIndexBits = 16
	// PadFlag in the index-width byte (the payload's first) says a stream of pad values
	// (codec.PadBook) follows the indices; readers before it refuse the
	// block (the width is out of range), as readers of .vqs files before
	// pad stages refuse the file.
	PadFlag        = 0x80
	padStreamBits  = 7 // pad values are below 2^7
	stageCountBits = 3 // stage counts 1..MaxStages
)

// Stream kinds that may have a static table in a table set.
const (
	streamF0 = iota
	streamVoicing
	streamEnergy
	streamMidF0
	streamMidVoice
	streamMidEnergy
	streamIndex1Lo
	streamIndex1Hi // from set 2
	numStreamKinds
	streamNone = -1
)

// Static Huffman table sets for compact blocks (10-bit indices only).
// Readers decode every set up to TableSets; a reader that does not
// know a block's set treats the block as damaged. Writers use
// DefaultTableSet unless told otherwise by SetCompactTableSet. Set 2,
// trained with the current codebook (codec/vqs/compact/internal/gencompact), makes the
// test set's compact files only 0.07 % (4 stages) to 0.13 % (1 stage)
// smaller than set 1 does (vqspeak bench -compact): too little to write
// files that readers without set 2 cannot decode.
const (
	TableSets       = 2
	DefaultTableSet = 1
)

// ErrBlock means a compact block passed its checksum but its payload
// does not decode: the file was written by a faulty or hostile writer.
var ErrBlock = errors.New("vqs: undecodable compact block")

// field is how compact blocks store one side-information field.
type field struct {
	codec.Field
	delta bool // stored as the difference from the previous packet's
	kind  int  // static table
}

var fields = [...]field{
	{codec.FieldF0, true, streamF0},
	{codec.FieldVoicing, true, streamVoicing},
	{codec.FieldEnergy, true, streamEnergy},
	{codec.FieldMidF0, false, streamMidF0},
	{codec.FieldMidVoicing, true, streamMidVoice},
	{codec.FieldMidEnergy, false, streamMidEnergy},
}

// Coder encodes and decodes compact block payloads. It owns all its
// buffers; it is not safe for concurrent use.
type Coder struct {
	indexBits int  // for the writer; the reader takes it from each block
	set       byte // the writer's table set
	// static codes of each table set (index set-1), nil where a set has
	// no table for a stream kind
	static    [TableSets][numStreamKinds]*huff0.Scratch
	staticDec [TableSets][numStreamKinds]*huff0.Decoder
	obs       *Stats        // told about every stream the writer codes
	adaptive  huff0.Scratch // method 3, encoder and decoder tables
	pk        [MaxPackets]codec.Packet
	sym       []byte // one stream's symbols
	sym2      []byte
	packet    []byte
}

func NewCoder(indexBits int) (*Coder, error) {
	c := &Coder{
		indexBits: indexBits,
		sym:       make([]byte, 0, MaxPackets),
		sym2:      make([]byte, 0, MaxPackets),
		packet:    make([]byte, 0, maxPacketLen),
	}
	for i, set := range [TableSets]*[numStreamKinds]string{&tablesV1, &tablesV2} {
		for k, t := range set {
			if t == "" {
				continue
			}
			s, rest, err := huff0.ReadTable([]byte(t), nil)
			if err != nil || len(rest) != 0 {
				return nil, fmt.Errorf("vqs: built-in table %d of set %d: %v", k, i+1, err) // a bug, caught by every test
			}
			s.Reuse = huff0.ReusePolicyMust
			c.static[i][k] = s
			c.staticDec[i][k] = s.Decoder()
		}
	}
	c.adaptive.Reuse = huff0.ReusePolicyNone
	if indexBits == 10 {
		c.set = DefaultTableSet
	}
	return c, nil
}

// setTableSet makes the writer code with table set n.
func (c *Coder) SetTableSet(n int) error {
	if n < 0 || n > TableSets || n != tableSetNone && c.indexBits != 10 {
		return fmt.Errorf("vqs: no compact table set %d for %d-bit indices (sets 1..%d are for 10-bit ones)", n, c.indexBits, TableSets)
	}
	c.set = byte(n)
	return nil
}

// staticTable is the static code of a stream kind in a table set, or nil.
func (c *Coder) staticTable(set byte, kind int) (*huff0.Scratch, *huff0.Decoder) {
	if set == tableSetNone || int(set) > TableSets || kind == streamNone {
		return nil, nil
	}
	return c.static[set-1][kind], c.staticDec[set-1][kind]
}

// encode appends the compact payload of the count plain records in recs to
// dst. ok is false when the packets cannot be coded losslessly (they do not
// parse with the writer's index width, or carry non-zero padding bits).
func (c *Coder) Encode(dst, recs []byte, count int) (out []byte, ok bool) {
	b := c.indexBits
	maxS := 0
	for i, pos := 0, 0; i < count; i++ {
		l := int(recs[pos])
		p := recs[pos+1 : pos+1+l]
		pos += 1 + l
		if codec.ParsePacket(&c.pk[i], p, b, codec.MaxStages) != nil {
			return dst, false
		}
		if c.packet = codec.AppendPacket(c.packet[:0], &c.pk[i], b); !bytes.Equal(c.packet, p) {
			return dst, false
		}
		maxS = max(maxS, c.pk[i].Stages)
	}
	set := c.set
	pk := c.pk[:count]
	start := len(dst)
	dst = append(dst, byte(b), set)

	c.sym = c.sym[:0]
	for i := range pk {
		c.sym = append(c.sym, byte(pk[i].Stages))
	}
	dst = c.putStream(dst, c.sym, idStages, stageCountBits, streamNone, set)
	for fi, f := range fields {
		c.sym = c.sym[:0]
		prev := uint8(0)
		for i := range pk {
			v := pk[i].Field(f.Field)
			if f.delta {
				c.sym = append(c.sym, (v-prev)&(1<<f.Bits()-1))
			} else {
				c.sym = append(c.sym, v)
			}
			prev = v
		}
		dst = c.putStream(dst, c.sym, idField+fi, f.Bits(), f.kind, set)
	}
	mask := 1<<b - 1
	for s := 0; s < maxS; s++ {
		c.sym, c.sym2 = c.sym[:0], c.sym2[:0]
		prev := 0
		for i := range pk {
			if pk[i].Stages <= s {
				continue
			}
			v := pk[i].Index[s]
			u := v
			if s == 0 {
				u = (v - prev) & mask
			}
			prev = v
			c.sym = append(c.sym, byte(u>>8))
			c.sym2 = append(c.sym2, byte(u))
		}
		hi, lo := indexKinds(s)
		if b > 8 {
			dst = c.putStream(dst, c.sym, idIndexHi(s), b-8, hi, set)
			dst = c.putStream(dst, c.sym2, idIndexLo(s), 8, lo, set)
		} else {
			dst = c.putStream(dst, c.sym2, idIndexLo(s), b, streamNone, set)
		}
	}
	// The pad stages (codec.PadBook), when any packet has one: a flag in
	// the index-width byte, then a stream of the pad values of the packets
	// that have pad bits.
	c.sym = c.sym[:0]
	anyPad := false
	for i := range pk {
		if codec.PadBits(pk[i].Stages, b) > 0 {
			c.sym = append(c.sym, pk[i].Pad)
			anyPad = anyPad || pk[i].Pad != 0
		}
	}
	if anyPad {
		dst[start] |= PadFlag
		dst = c.putStreamMethod(dst, c.sym, padStreamBits, streamNone, set)
	}
	return dst, true
}

// indexKinds are the static table kinds of stage s's index streams
// (high and low part), streamNone for none.
func indexKinds(s int) (hi, lo int) {
	if s == 0 {
		return streamIndex1Hi, streamIndex1Lo
	}
	return streamNone, streamNone
}

// Stream identities for a Stats observer: the stage count, the side
// fields in fields order, then the high and low streams of each
// stage's index.
const (
	idStages = 0
	idField  = 1
	idIndex  = idField + len(fields)
)

func idIndexHi(s int) int { return idIndex + 2*s }
func idIndexLo(s int) int { return idIndex + 2*s + 1 }

// putStream appends one stream in its smallest method.
func (c *Coder) putStream(dst, sym []byte, id, bits, kind int, set byte) []byte {
	n := len(dst)
	dst = c.putStreamMethod(dst, sym, bits, kind, set)
	if c.obs != nil {
		c.obs.observe(id, sym, bits, dst[n], len(dst)-n)
	}
	return dst
}

func (c *Coder) putStreamMethod(dst, sym []byte, bits, kind int, set byte) []byte {
	if len(sym) == 0 {
		return append(dst, methodRaw)
	}
	if bytes.Count(sym, sym[:1]) == len(sym) {
		return append(dst, methodRepeat, sym[0])
	}
	best := (len(sym)*bits + 7) / 8
	var coded []byte
	method := byte(methodRaw)
	if st, _ := c.staticTable(set, kind); st != nil {
		// The static code takes at most 11 bits a symbol, so its output
		// always fits the 2-byte length.
		if out, _, err := huff0.Compress1X(sym, st); err == nil && len(out)+2 < best {
			best, coded, method = len(out)+2, out, methodStatic
		}
	}
	if out, _, err := huff0.Compress1X(sym, &c.adaptive); err == nil && len(out)+2 < best {
		coded, method = out, methodHuffman
	}
	dst = append(dst, method)
	if method == methodRaw {
		w := bitio.Writer{Buf: dst}
		for _, v := range sym {
			w.Write(uint64(v), bits)
		}
		return w.Flush()
	}
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(coded)))
	return append(dst, coded...)
}

// reader walks a compact payload.
type reader struct {
	c   *Coder
	p   []byte
	set byte
}

func errorf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrBlock, fmt.Sprintf(format, args...))
}

// stream decodes the next stream of n symbols below 2^bits into dst's storage.
func (r *reader) stream(dst []byte, n, bits, kind int) ([]byte, error) {
	if len(r.p) < 1 {
		return dst, errorf("payload ends before a stream")
	}
	m := r.p[0]
	r.p = r.p[1:]
	dst = dst[:0]
	switch m {
	case methodRaw:
		need := (n*bits + 7) / 8
		if len(r.p) < need {
			return dst, errorf("raw stream needs %d bytes, %d left", need, len(r.p))
		}
		br := bitio.Reader{Buf: r.p[:need]}
		for range n {
			dst = append(dst, byte(br.Read(bits)))
		}
		r.p = r.p[need:]
		return dst, nil
	case methodRepeat:
		if len(r.p) < 1 {
			return dst, errorf("repeat stream without its value")
		}
		v := r.p[0]
		r.p = r.p[1:]
		for range n {
			dst = append(dst, v)
		}
	case methodStatic, methodHuffman:
		if len(r.p) < 2 {
			return dst, errorf("coded stream without its length")
		}
		l := int(binary.BigEndian.Uint16(r.p))
		if len(r.p) < 2+l {
			return dst, errorf("coded stream of %d bytes, %d left", l, len(r.p)-2)
		}
		data := r.p[2 : 2+l]
		r.p = r.p[2+l:]
		var dec *huff0.Decoder
		if m == methodStatic {
			if _, dec = r.c.staticTable(r.set, kind); dec == nil {
				return dst, errorf("static code where the block has no table")
			}
		} else {
			s, rest, err := huff0.ReadTable(data, &r.c.adaptive)
			if err != nil {
				return dst, errorf("huffman table: %v", err)
			}
			dec, data = s.Decoder(), rest
		}
		if cap(dst) < n {
			dst = make([]byte, 0, max(n, MaxPackets))
		}
		out, err := dec.Decompress1X(dst[:0:n], data)
		if err != nil {
			return dst, errorf("huffman stream: %v", err)
		}
		if len(out) != n {
			return dst, errorf("huffman stream holds %d symbols, want %d", len(out), n)
		}
		// out is dst's storage capped at n: keep dst's capacity for the
		// next, possibly longer, stream
		dst = append(dst[:0], out...)
	default:
		return dst, errorf("unknown stream method %d", m)
	}
	for _, v := range dst {
		if int(v) >= 1<<bits {
			return dst, errorf("symbol %d does not fit %d bits", v, bits)
		}
	}
	return dst, nil
}

// decode appends the count plain records of the compact payload p to dst.
// It allocates nothing once dst has room for the records (at most
// MaxPackets × 16 bytes).
func (c *Coder) Decode(dst, p []byte, count int) (out []byte, err error) {
	defer func() {
		// huff0 is fuzzed upstream; this keeps a hostile block from taking
		// the reader down should it ever find a hole.
		if e := recover(); e != nil {
			out, err = dst, errorf("decoder fault: %v", e)
		}
	}()
	if count < 1 || count > MaxPackets {
		return dst, errorf("%d packets", count)
	}
	if len(p) < 2 {
		return dst, errorf("payload of %d bytes", len(p))
	}
	b, set, hasPad := int(p[0]&^PadFlag), p[1], p[0]&PadFlag != 0
	if b < 1 || b > MaxIndexBits || set > TableSets || (set != tableSetNone && b != 10) {
		return dst, errorf("index bits %d with table set %d", b, set)
	}
	r := reader{c: c, p: p[2:], set: set}
	pk := c.pk[:count]
	c.sym, err = r.stream(c.sym, count, stageCountBits, streamNone)
	if err != nil {
		return dst, err
	}
	maxS := 0
	for i, v := range c.sym {
		if v < 1 || v > codec.MaxStages {
			return dst, errorf("packet %d has %d stages", i, v)
		}
		pk[i] = codec.Packet{Stages: int(v)}
		maxS = max(maxS, int(v))
	}
	for _, f := range fields {
		if c.sym, err = r.stream(c.sym, count, f.Bits(), f.kind); err != nil {
			return dst, err
		}
		prev := uint8(0)
		for i, u := range c.sym {
			v := u
			if f.delta {
				v = (prev + u) & (1<<f.Bits() - 1)
			}
			pk[i].SetField(f.Field, v)
			prev = v
		}
	}
	mask := 1<<b - 1
	for s := 0; s < maxS; s++ {
		n := 0
		for i := range pk {
			if pk[i].Stages > s {
				n++
			}
		}
		hi, lo := indexKinds(s)
		c.sym = c.sym[:0]
		if b > 8 {
			if c.sym, err = r.stream(c.sym, n, b-8, hi); err != nil {
				return dst, err
			}
			if c.sym2, err = r.stream(c.sym2, n, 8, lo); err != nil {
				return dst, err
			}
		} else if c.sym2, err = r.stream(c.sym2, n, b, streamNone); err != nil {
			return dst, err
		}
		prev, j := 0, 0
		for i := range pk {
			if pk[i].Stages <= s {
				continue
			}
			u := int(c.sym2[j])
			if b > 8 {
				u |= int(c.sym[j]) << 8
			}
			j++
			v := u
			if s == 0 {
				v = (prev + u) & mask
			}
			pk[i].Index[s] = v
			prev = v
		}
	}
	if hasPad {
		n := 0
		for i := range pk {
			if codec.PadBits(pk[i].Stages, b) > 0 {
				n++
			}
		}
		if c.sym, err = r.stream(c.sym, n, padStreamBits, streamNone); err != nil {
			return dst, err
		}
		j := 0
		for i := range pk {
			w := codec.PadBits(pk[i].Stages, b)
			if w == 0 {
				continue
			}
			if int(c.sym[j]) >= 1<<w {
				return dst, errorf("packet %d has pad %d, wider than its %d bits", i, c.sym[j], w)
			}
			pk[i].Pad = c.sym[j]
			j++
		}
	}
	if len(r.p) != 0 {
		return dst, errorf("%d bytes after the last stream", len(r.p))
	}
	for i := range pk {
		n := len(dst)
		dst = append(dst, 0)
		dst = codec.AppendPacket(dst, &pk[i], b)
		dst[n] = byte(len(dst) - n - 1)
	}
	return dst, nil
}
