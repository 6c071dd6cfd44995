package vqs

// Compact (entropy-coded) packet blocks of the .vqs container.
//
// A compact block has the framing of a plain block (sync, kind 0x01, packet
// count, first packet index, payload length, CRC-32C), so resynchronisation,
// loss accounting and seeking by block work unchanged; only the payload
// differs. The packets are split into their fields and each field is stored
// as its own stream, because each field has its own statistics:
//
//	payload = indexBits (1 byte) | table set (1 byte) | streams
//	streams = stages | F0Δ | voicingΔ | energyΔ | midF0 | midVoicingΔ | midEnergy |
//	          for each stage s present in the block: index s (hi, lo)
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
// AppendPacket, so a compact file decodes bit-exactly like a plain one.

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/huff0"
	"github.com/vqspeak/vqspeak/codec"
	bitio "github.com/vqspeak/vqspeak/internal/bits"
	"github.com/vqspeak/vqspeak/rvq"
)

const (
	kindCompact = 0x01

	compactMethodRaw     = 0
	compactMethodRepeat  = 1
	compactMethodStatic  = 2
	compactMethodHuffman = 3

	compactTableSetNone = 0
	compactTableSetV1   = 1 // compactTablesV1, for 10-bit indices
	compactTableSetV2   = 2 // compactTablesV2, for 10-bit indices

	compactMaxIndexBits = 16
	stageCountBits      = 3 // stage counts 1..MaxStages
)

// Stream kinds that may have a static table in a table set.
const (
	compactStreamF0 = iota
	compactStreamVoicing
	compactStreamEnergy
	compactStreamMidF0
	compactStreamMidVoice
	compactStreamMidEnergy
	compactStreamIndex1Lo
	compactStreamIndex1Hi // from set 2
	compactNumStreamKinds
	compactStreamNone = -1
)

// Static Huffman table sets for compact blocks (10-bit indices only).
// Readers decode every set up to CompactTableSets; a reader that does not
// know a block's set treats the block as damaged. Writers use
// DefaultCompactTableSet unless told otherwise by SetCompactTableSet. Set 2,
// trained with the current codebook (codec/vqs/internal/gencompact), makes the
// test set's compact files only 0.07 % (4 stages) to 0.13 % (1 stage)
// smaller than set 1 does (vqspeak bench -compact): too little to write
// files that readers without set 2 cannot decode.
const (
	CompactTableSets       = 2
	DefaultCompactTableSet = 1
)

// ErrCompactBlock means a compact block passed its checksum but its payload
// does not decode: the file was written by a faulty or hostile writer.
var ErrCompactBlock = errors.New("vqs: undecodable compact block")

// compactField is how compact blocks store one side-information field.
type compactField struct {
	codec.Field
	delta bool // stored as the difference from the previous packet's
	kind  int  // static table
}

var compactFields = [...]compactField{
	{codec.FieldF0, true, compactStreamF0},
	{codec.FieldVoicing, true, compactStreamVoicing},
	{codec.FieldEnergy, true, compactStreamEnergy},
	{codec.FieldMidF0, false, compactStreamMidF0},
	{codec.FieldMidVoicing, true, compactStreamMidVoice},
	{codec.FieldMidEnergy, false, compactStreamMidEnergy},
}

// compactCoder encodes and decodes compact block payloads. It owns all its
// buffers; it is not safe for concurrent use.
type compactCoder struct {
	indexBits int  // for the writer; the reader takes it from each block
	set       byte // the writer's table set
	// static codes of each table set (index set-1), nil where a set has
	// no table for a stream kind
	static    [CompactTableSets][compactNumStreamKinds]*huff0.Scratch
	staticDec [CompactTableSets][compactNumStreamKinds]*huff0.Decoder
	obs       *CompactStats // told about every stream the writer codes
	adaptive  huff0.Scratch // method 3, encoder and decoder tables
	pk        [MaxBlockPackets]codec.Packet
	sym       []byte // one stream's symbols
	sym2      []byte
	packet    []byte
}

func newCompactCoder(indexBits int) (*compactCoder, error) {
	c := &compactCoder{
		indexBits: indexBits,
		sym:       make([]byte, 0, MaxBlockPackets),
		sym2:      make([]byte, 0, MaxBlockPackets),
		packet:    make([]byte, 0, MaxPacketLen),
	}
	for i, set := range [CompactTableSets]*[compactNumStreamKinds]string{&compactTablesV1, &compactTablesV2} {
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
		c.set = DefaultCompactTableSet
	}
	return c, nil
}

// setTableSet makes the writer code with table set n.
func (c *compactCoder) setTableSet(n int) error {
	if n < 0 || n > CompactTableSets || n != compactTableSetNone && c.indexBits != 10 {
		return fmt.Errorf("vqs: no compact table set %d for %d-bit indices (sets 1..%d are for 10-bit ones)", n, c.indexBits, CompactTableSets)
	}
	c.set = byte(n)
	return nil
}

// staticTable is the static code of a stream kind in a table set, or nil.
func (c *compactCoder) staticTable(set byte, kind int) (*huff0.Scratch, *huff0.Decoder) {
	if set == compactTableSetNone || int(set) > CompactTableSets || kind == compactStreamNone {
		return nil, nil
	}
	return c.static[set-1][kind], c.staticDec[set-1][kind]
}

// encode appends the compact payload of the count plain records in recs to
// dst. ok is false when the packets cannot be coded losslessly (they do not
// parse with the writer's index width, or carry non-zero padding bits).
func (c *compactCoder) encode(dst, recs []byte, count int) (out []byte, ok bool) {
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
	dst = append(dst, byte(b), set)

	c.sym = c.sym[:0]
	for i := range pk {
		c.sym = append(c.sym, byte(pk[i].Stages))
	}
	dst = c.putStream(dst, c.sym, compactIDStages, stageCountBits, compactStreamNone, set)
	for fi, f := range compactFields {
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
		dst = c.putStream(dst, c.sym, compactIDField+fi, f.Bits(), f.kind, set)
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
		hi, lo := compactIndexKinds(s)
		if b > 8 {
			dst = c.putStream(dst, c.sym, compactIDIndexHi(s), b-8, hi, set)
			dst = c.putStream(dst, c.sym2, compactIDIndexLo(s), 8, lo, set)
		} else {
			dst = c.putStream(dst, c.sym2, compactIDIndexLo(s), b, compactStreamNone, set)
		}
	}
	return dst, true
}

// compactIndexKinds are the static table kinds of stage s's index streams
// (high and low part), compactStreamNone for none.
func compactIndexKinds(s int) (hi, lo int) {
	if s == 0 {
		return compactStreamIndex1Hi, compactStreamIndex1Lo
	}
	return compactStreamNone, compactStreamNone
}

// Stream identities for a CompactStats observer: the stage count, the side
// fields in compactFields order, then the high and low streams of each
// stage's index.
const (
	compactIDStages = 0
	compactIDField  = 1
	compactIDIndex  = compactIDField + len(compactFields)
)

func compactIDIndexHi(s int) int { return compactIDIndex + 2*s }
func compactIDIndexLo(s int) int { return compactIDIndex + 2*s + 1 }

// putStream appends one stream in its smallest method.
func (c *compactCoder) putStream(dst, sym []byte, id, bits, kind int, set byte) []byte {
	n := len(dst)
	dst = c.putStreamMethod(dst, sym, bits, kind, set)
	if c.obs != nil {
		c.obs.observe(id, sym, bits, dst[n], len(dst)-n)
	}
	return dst
}

func (c *compactCoder) putStreamMethod(dst, sym []byte, bits, kind int, set byte) []byte {
	if len(sym) == 0 {
		return append(dst, compactMethodRaw)
	}
	if bytes.Count(sym, sym[:1]) == len(sym) {
		return append(dst, compactMethodRepeat, sym[0])
	}
	best := (len(sym)*bits + 7) / 8
	var coded []byte
	method := byte(compactMethodRaw)
	if st, _ := c.staticTable(set, kind); st != nil {
		// The static code takes at most 11 bits a symbol, so its output
		// always fits the 2-byte length.
		if out, _, err := huff0.Compress1X(sym, st); err == nil && len(out)+2 < best {
			best, coded, method = len(out)+2, out, compactMethodStatic
		}
	}
	if out, _, err := huff0.Compress1X(sym, &c.adaptive); err == nil && len(out)+2 < best {
		coded, method = out, compactMethodHuffman
	}
	dst = append(dst, method)
	if method == compactMethodRaw {
		w := bitio.Writer{Buf: dst}
		for _, v := range sym {
			w.Write(uint64(v), bits)
		}
		return w.Flush()
	}
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(coded)))
	return append(dst, coded...)
}

// compactReader walks a compact payload.
type compactReader struct {
	c   *compactCoder
	p   []byte
	set byte
}

func compactErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrCompactBlock, fmt.Sprintf(format, args...))
}

// stream decodes the next stream of n symbols below 2^bits into dst's storage.
func (r *compactReader) stream(dst []byte, n, bits, kind int) ([]byte, error) {
	if len(r.p) < 1 {
		return dst, compactErr("payload ends before a stream")
	}
	m := r.p[0]
	r.p = r.p[1:]
	dst = dst[:0]
	switch m {
	case compactMethodRaw:
		need := (n*bits + 7) / 8
		if len(r.p) < need {
			return dst, compactErr("raw stream needs %d bytes, %d left", need, len(r.p))
		}
		br := bitio.Reader{Buf: r.p[:need]}
		for range n {
			dst = append(dst, byte(br.Read(bits)))
		}
		r.p = r.p[need:]
		return dst, nil
	case compactMethodRepeat:
		if len(r.p) < 1 {
			return dst, compactErr("repeat stream without its value")
		}
		v := r.p[0]
		r.p = r.p[1:]
		for range n {
			dst = append(dst, v)
		}
	case compactMethodStatic, compactMethodHuffman:
		if len(r.p) < 2 {
			return dst, compactErr("coded stream without its length")
		}
		l := int(binary.BigEndian.Uint16(r.p))
		if len(r.p) < 2+l {
			return dst, compactErr("coded stream of %d bytes, %d left", l, len(r.p)-2)
		}
		data := r.p[2 : 2+l]
		r.p = r.p[2+l:]
		var dec *huff0.Decoder
		if m == compactMethodStatic {
			if _, dec = r.c.staticTable(r.set, kind); dec == nil {
				return dst, compactErr("static code where the block has no table")
			}
		} else {
			s, rest, err := huff0.ReadTable(data, &r.c.adaptive)
			if err != nil {
				return dst, compactErr("huffman table: %v", err)
			}
			dec, data = s.Decoder(), rest
		}
		out, err := dec.Decompress1X(dst[:0:n], data)
		if err != nil {
			return dst, compactErr("huffman stream: %v", err)
		}
		if len(out) != n {
			return dst, compactErr("huffman stream holds %d symbols, want %d", len(out), n)
		}
		dst = out
	default:
		return dst, compactErr("unknown stream method %d", m)
	}
	for _, v := range dst {
		if int(v) >= 1<<bits {
			return dst, compactErr("symbol %d does not fit %d bits", v, bits)
		}
	}
	return dst, nil
}

// decode appends the count plain records of the compact payload p to dst.
// It allocates nothing once dst has room for the records (at most
// MaxBlockPackets × 16 bytes).
func (c *compactCoder) decode(dst, p []byte, count int) (out []byte, err error) {
	defer func() {
		// huff0 is fuzzed upstream; this keeps a hostile block from taking
		// the reader down should it ever find a hole.
		if e := recover(); e != nil {
			out, err = dst, compactErr("decoder fault: %v", e)
		}
	}()
	if count < 1 || count > MaxBlockPackets {
		return dst, compactErr("%d packets", count)
	}
	if len(p) < 2 {
		return dst, compactErr("payload of %d bytes", len(p))
	}
	b, set := int(p[0]), p[1]
	if b < 1 || b > compactMaxIndexBits || set > CompactTableSets || (set != compactTableSetNone && b != 10) {
		return dst, compactErr("index bits %d with table set %d", b, set)
	}
	r := compactReader{c: c, p: p[2:], set: set}
	pk := c.pk[:count]
	c.sym, err = r.stream(c.sym, count, stageCountBits, compactStreamNone)
	if err != nil {
		return dst, err
	}
	maxS := 0
	for i, v := range c.sym {
		if v < 1 || v > codec.MaxStages {
			return dst, compactErr("packet %d has %d stages", i, v)
		}
		pk[i] = codec.Packet{Stages: int(v)}
		maxS = max(maxS, int(v))
	}
	for _, f := range compactFields {
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
		hi, lo := compactIndexKinds(s)
		c.sym = c.sym[:0]
		if b > 8 {
			if c.sym, err = r.stream(c.sym, n, b-8, hi); err != nil {
				return dst, err
			}
			if c.sym2, err = r.stream(c.sym2, n, 8, lo); err != nil {
				return dst, err
			}
		} else if c.sym2, err = r.stream(c.sym2, n, b, compactStreamNone); err != nil {
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
	if len(r.p) != 0 {
		return dst, compactErr("%d bytes after the last stream", len(r.p))
	}
	for i := range pk {
		n := len(dst)
		dst = append(dst, 0)
		dst = codec.AppendPacket(dst, &pk[i], b)
		dst[n] = byte(len(dst) - n - 1)
	}
	return dst, nil
}

// NewCompactPacketWriter is NewPacketWriter for a file of compact,
// entropy-coded blocks (header flag FlagCompactBlocks), for packets
// made with a codebook of 2^indexBits entries (IndexBits(cb)). Blocks whose
// packets do not parse with that width, or that coding would not shrink,
// are stored plain. Compact files are 17 % (4 stages) to 39 % (1 stage)
// smaller (see the README); they cost a block of delay, so keep plain files
// for live use.
func NewCompactPacketWriter(w io.Writer, h Header, indexBits int) (*PacketWriter, error) {
	if indexBits < 1 || indexBits > compactMaxIndexBits {
		return nil, fmt.Errorf("vqs: index bits %d out of range 1..%d", indexBits, compactMaxIndexBits)
	}
	c, err := newCompactCoder(indexBits)
	if err != nil {
		return nil, err
	}
	h.Flags |= FlagCompactBlocks
	fw := &PacketWriter{
		perBlock: DefaultBlockPackets,
		blk:      make([]byte, blockHeaderLen+DefaultBlockPackets*(1+MaxPacketLen)+blockCRCLen),
		compact:  c,
		cblk:     make([]byte, 0, maxBlockLen),
	}
	if err := fw.Reset(w, h); err != nil {
		return nil, err
	}
	return fw, nil
}

// SetCompactTableSet makes a compact writer code the following blocks with
// static table set n (1..CompactTableSets; 0: no static tables) instead of
// DefaultCompactTableSet, for measurements. Releases of vqspeak before set
// 2 existed read sets 0 and 1 only. It fails on a plain writer and for a
// set that does not exist.
func (fw *PacketWriter) SetCompactTableSet(n int) error {
	if fw.compact == nil {
		return errors.New("vqs: SetCompactTableSet on a plain file writer")
	}
	return fw.compact.setTableSet(n)
}

// NewCompactEncoder is NewEncoder writing compact blocks.
func NewCompactEncoder(w io.Writer, cb *rvq.Codebook, stages int) (*Encoder, error) {
	return newEncoder(cb, stages, func(h Header) (*PacketWriter, error) {
		return NewCompactPacketWriter(w, h, codec.IndexBits(cb))
	})
}
