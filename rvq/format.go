package rvq

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
)

// Codebook file layout, version 1. All integers and floats little-endian.
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|      'V'      |      'Q'      |      'C'      |      'B'      |  0
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|        version (u16) = 1      |  flags (u16): 1 mean 2 scale  |  4
//	|                               |  4 weights, other bits zero   |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                    dim (u32, 1..1024)                         |  8
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                    size (u32, 1..65536)                       | 12
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                    stages (u32, 1..16)                        | 16
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                    meta length (u32, 0..65536)                | 20
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|   meta bytes (UTF-8 text, no padding) ...                     | 24
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|   mean    dim × f32   (if flags&1)                            |
//	|   scale   dim × f32   (if flags&2)                            |
//	|   weights dim × f32   (if flags&4)                            |
//	|   stage 0 size×dim f32, row-major (entry 0 first) ...         |
//	|   stage stages-1                                              |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|   CRC-32C (Castagnoli) of every preceding byte (u32)          |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// The encoding of a Codebook is canonical (one byte string per value), so
// Fingerprint, a hash of it, identifies the codebook.
const (
	Version    = 1
	headerSize = 24
	crcSize    = 4

	flagMean    = 1
	flagScale   = 2
	flagWeights = 4
	flagsKnown  = flagMean | flagScale | flagWeights
)

var (
	magic     = [4]byte{'V', 'Q', 'C', 'B'}
	castagnol = crc32.MakeTable(crc32.Castagnoli)
)

// header is the fixed part of the file, already range-checked.
type header struct {
	flags                 uint16
	dim, size, stages, ml int
}

func (h header) vectors() int {
	n := 0
	for f := uint16(1); f <= flagWeights; f <<= 1 {
		if h.flags&f != 0 {
			n++
		}
	}
	return n
}

// bodySize is the number of bytes after the header, CRC included. It fits
// easily in int64: at most 64 KiB meta + (3+16·65536)·1024·4 bytes.
func (h header) bodySize() int64 {
	floats := int64(h.vectors())*int64(h.dim) + int64(h.stages)*int64(h.size)*int64(h.dim)
	return int64(h.ml) + 4*floats + crcSize
}

// EncodedSize returns the length of MarshalBinary's output.
func (cb *Codebook) EncodedSize() int {
	h := cb.header()
	return headerSize + int(h.bodySize())
}

func (cb *Codebook) header() header {
	h := header{dim: cb.Dim, size: cb.Size, stages: len(cb.Stages), ml: len(cb.Meta)}
	if cb.Mean != nil {
		h.flags |= flagMean
	}
	if cb.Scale != nil {
		h.flags |= flagScale
	}
	if cb.Weights != nil {
		h.flags |= flagWeights
	}
	return h
}

// MarshalBinary encodes the codebook in the file format above. It fails
// with ErrInvalid if the codebook does not pass Validate.
func (cb *Codebook) MarshalBinary() ([]byte, error) {
	if err := cb.Validate(); err != nil {
		return nil, err
	}
	h := cb.header()
	b := make([]byte, 0, headerSize+int(h.bodySize()))
	b = append(b, magic[:]...)
	b = binary.LittleEndian.AppendUint16(b, Version)
	b = binary.LittleEndian.AppendUint16(b, h.flags)
	b = binary.LittleEndian.AppendUint32(b, uint32(h.dim))
	b = binary.LittleEndian.AppendUint32(b, uint32(h.size))
	b = binary.LittleEndian.AppendUint32(b, uint32(h.stages))
	b = binary.LittleEndian.AppendUint32(b, uint32(h.ml))
	b = append(b, cb.Meta...)
	for _, v := range [][]float32{cb.Mean, cb.Scale, cb.Weights} {
		b = appendFloats(b, v)
	}
	for _, st := range cb.Stages {
		b = appendFloats(b, st)
	}
	b = binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnol))
	return b, nil
}

func appendFloats(b []byte, x []float32) []byte {
	for _, v := range x {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	return b
}

// Fingerprint returns the first 8 bytes of the SHA-256 of the canonical
// encoding. Streams embed it so they are never decoded with the wrong
// codebook. An invalid codebook has the zero fingerprint.
func (cb *Codebook) Fingerprint() [8]byte {
	var f [8]byte
	b, err := cb.MarshalBinary()
	if err != nil {
		return f
	}
	sum := sha256.Sum256(b)
	copy(f[:], sum[:8])
	return f
}

// WriteTo writes the encoded codebook to w (io.WriterTo).
func (cb *Codebook) WriteTo(w io.Writer) (int64, error) {
	b, err := cb.MarshalBinary()
	if err != nil {
		return 0, err
	}
	n, err := w.Write(b)
	return int64(n), err
}

// parseHeader checks the fixed 24 bytes. b must hold at least headerSize.
func parseHeader(b []byte) (header, error) {
	var h header
	if !bytes.Equal(b[:4], magic[:]) {
		return h, fmt.Errorf("%w: got %q", ErrBadMagic, b[:4])
	}
	v := binary.LittleEndian.Uint16(b[4:])
	if v != Version {
		return h, fmt.Errorf("%w: file is version %d, this reader knows version %d", ErrVersion, v, Version)
	}
	h.flags = binary.LittleEndian.Uint16(b[6:])
	if h.flags&^flagsKnown != 0 {
		return h, fmt.Errorf("%w: unknown flag bits %#04x at offset 6", ErrCorrupt, h.flags&^flagsKnown)
	}
	field := func(off int, name string, lo, hi uint32) (int, error) {
		x := binary.LittleEndian.Uint32(b[off:])
		if x < lo || x > hi {
			return 0, fmt.Errorf("%w: %s %d at offset %d outside [%d,%d]", ErrCorrupt, name, x, off, lo, hi)
		}
		return int(x), nil
	}
	var err error
	if h.dim, err = field(8, "dim", 1, MaxDim); err != nil {
		return h, err
	}
	if h.size, err = field(12, "size", 1, MaxSize); err != nil {
		return h, err
	}
	if h.stages, err = field(16, "stages", 1, MaxStages); err != nil {
		return h, err
	}
	if h.ml, err = field(20, "meta length", 0, MaxMeta); err != nil {
		return h, err
	}
	return h, nil
}

// UnmarshalBinary decodes a codebook written by MarshalBinary. data must be
// exactly one codebook. Any input yields either a valid codebook or an error
// matching ErrBadMagic, ErrVersion, ErrTruncated, ErrChecksum or ErrCorrupt;
// nothing is allocated beyond what data itself holds.
func (cb *Codebook) UnmarshalBinary(data []byte) error {
	if len(data) < headerSize {
		if len(data) >= 4 && !bytes.Equal(data[:4], magic[:]) {
			return fmt.Errorf("%w: got %q", ErrBadMagic, data[:4])
		}
		return fmt.Errorf("%w: %d bytes, header needs %d", ErrTruncated, len(data), headerSize)
	}
	h, err := parseHeader(data)
	if err != nil {
		return err
	}
	want := int64(headerSize) + h.bodySize()
	if int64(len(data)) < want {
		return fmt.Errorf("%w: %d bytes, header declares %d", ErrTruncated, len(data), want)
	}
	if int64(len(data)) > want {
		return fmt.Errorf("%w: %d trailing bytes after the codebook", ErrCorrupt, int64(len(data))-want)
	}
	return cb.decodeBody(h, data)
}

// decodeBody decodes a whole file whose header h has been parsed and whose
// length has been checked.
func (cb *Codebook) decodeBody(h header, data []byte) error {
	n := len(data) - crcSize
	got := crc32.Checksum(data[:n], castagnol)
	if stored := binary.LittleEndian.Uint32(data[n:]); got != stored {
		return fmt.Errorf("%w: stored %#08x, computed %#08x", ErrChecksum, stored, got)
	}
	p := headerSize
	c := Codebook{Dim: h.dim, Size: h.size, Meta: string(data[p : p+h.ml])}
	p += h.ml
	floats := func(n int) []float32 {
		x := make([]float32, n)
		for i := range x {
			x[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[p+4*i:]))
		}
		p += 4 * n
		return x
	}
	if h.flags&flagMean != 0 {
		c.Mean = floats(h.dim)
	}
	if h.flags&flagScale != 0 {
		c.Scale = floats(h.dim)
	}
	if h.flags&flagWeights != 0 {
		c.Weights = floats(h.dim)
	}
	c.Stages = make([][]float32, h.stages)
	for s := range c.Stages {
		c.Stages[s] = floats(h.size * h.dim)
	}
	if err := c.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	*cb = c
	return nil
}

// ReadCodebook reads exactly one codebook from r, leaving r positioned just
// after it (so a codebook can be embedded in a larger stream). Memory grows
// with the bytes actually read, never with a size the header merely
// declares.
func ReadCodebook(r io.Reader) (*Codebook, error) {
	var hb [headerSize]byte
	if n, err := io.ReadFull(r, hb[:]); err != nil {
		if n >= 4 && !bytes.Equal(hb[:4], magic[:]) {
			return nil, fmt.Errorf("%w: got %q", ErrBadMagic, hb[:4])
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("%w: %d bytes, header needs %d", ErrTruncated, n, headerSize)
		}
		return nil, fmt.Errorf("rvq: reading codebook header: %w", err)
	}
	h, err := parseHeader(hb[:])
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Write(hb[:])
	body := h.bodySize()
	n, err := io.CopyN(&buf, r, body)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%w: got %d of %d bytes after the header", ErrTruncated, n, body)
		}
		return nil, fmt.Errorf("rvq: reading codebook: %w", err)
	}
	cb := new(Codebook)
	if err := cb.decodeBody(h, buf.Bytes()); err != nil {
		return nil, err
	}
	return cb, nil
}
