package rvq

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"testing"
)

func TestFileRoundTrip(t *testing.T) {
	for _, extras := range []bool{false, true} {
		cb := randomCodebook(1, 7, 33, 3, extras)
		b, err := cb.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		if len(b) != cb.EncodedSize() {
			t.Fatalf("EncodedSize %d, len %d", cb.EncodedSize(), len(b))
		}
		var got Codebook
		if err := got.UnmarshalBinary(b); err != nil {
			t.Fatalf("UnmarshalBinary: %v", err)
		}
		b2, _ := got.MarshalBinary()
		if !bytes.Equal(b, b2) {
			t.Fatal("re-encoding differs")
		}
		if got.Meta != cb.Meta || (got.Mean == nil) == extras {
			t.Fatalf("fields lost: meta %q mean %v", got.Meta, got.Mean)
		}
		if got.Fingerprint() != cb.Fingerprint() {
			t.Fatal("fingerprint changed across round trip")
		}
		var buf bytes.Buffer
		n, err := cb.WriteTo(&buf)
		if err != nil || n != int64(len(b)) {
			t.Fatalf("WriteTo: %d, %v", n, err)
		}
		buf.WriteString("trailing stream data")
		r, err := ReadCodebook(&buf)
		if err != nil {
			t.Fatalf("ReadCodebook: %v", err)
		}
		if r.Fingerprint() != cb.Fingerprint() {
			t.Fatal("ReadCodebook fingerprint differs")
		}
		if rest, _ := io.ReadAll(&buf); string(rest) != "trailing stream data" {
			t.Fatalf("ReadCodebook consumed past the codebook: rest %q", rest)
		}
	}
}

func TestFingerprintChanges(t *testing.T) {
	base := randomCodebook(1, 4, 8, 2, true)
	f0 := base.Fingerprint()
	if f0 == ([8]byte{}) {
		t.Fatal("zero fingerprint for a valid codebook")
	}
	if base.Clone().Fingerprint() != f0 {
		t.Fatal("fingerprint not stable")
	}
	mods := map[string]func(c *Codebook){
		"entry":   func(c *Codebook) { c.Stages[1][5] += 1e-6 },
		"mean":    func(c *Codebook) { c.Mean[0] = 3 },
		"weights": func(c *Codebook) { c.Weights = nil },
		"meta":    func(c *Codebook) { c.Meta = "other" },
		"stages":  func(c *Codebook) { c.Stages = c.Stages[:1] },
	}
	for name, mod := range mods {
		c := base.Clone()
		mod(c)
		if c.Fingerprint() == f0 {
			t.Errorf("%s: fingerprint unchanged", name)
		}
	}
}

// reCRC rewrites the trailing checksum so that a deliberate field change is
// seen by the field checks rather than the checksum.
func reCRC(b []byte) []byte {
	n := len(b) - 4
	binary.LittleEndian.PutUint32(b[n:], crc32.Checksum(b[:n], castagnol))
	return b
}

func TestBadFiles(t *testing.T) {
	good, err := randomCodebook(3, 5, 16, 2, true).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	mut := func(f func(b []byte) []byte) []byte {
		return f(append([]byte(nil), good...))
	}
	put32 := func(off int, v uint32) func(b []byte) []byte {
		return func(b []byte) []byte { binary.LittleEndian.PutUint32(b[off:], v); return reCRC(b) }
	}
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, ErrTruncated},
		{"magic only", good[:4], ErrTruncated},
		{"short wrong magic", []byte("RIFF\x00"), ErrBadMagic},
		{"wrong magic", mut(func(b []byte) []byte { b[0] = 'X'; return b }), ErrBadMagic},
		{"future version", mut(func(b []byte) []byte { b[4] = 2; return reCRC(b) }), ErrVersion},
		{"version 0", mut(func(b []byte) []byte { b[4] = 0; return reCRC(b) }), ErrVersion},
		{"unknown flag", mut(func(b []byte) []byte { b[6] |= 0x80; return reCRC(b) }), ErrCorrupt},
		{"dim 0", mut(put32(8, 0)), ErrCorrupt},
		{"dim huge", mut(put32(8, 1<<30)), ErrCorrupt},
		{"size huge", mut(put32(12, 1<<20)), ErrCorrupt},
		{"stages 17", mut(put32(16, 17)), ErrCorrupt},
		{"meta huge", mut(put32(20, 1<<31)), ErrCorrupt},
		{"declares more than present", mut(put32(12, 65536)), ErrTruncated},
		{"truncated header", good[:headerSize-1], ErrTruncated},
		{"truncated body", good[:len(good)-5], ErrTruncated},
		{"truncated crc", good[:len(good)-1], ErrTruncated},
		{"trailing byte", append(append([]byte(nil), good...), 0), ErrCorrupt},
		{"flipped data bit", mut(func(b []byte) []byte { b[100] ^= 1; return b }), ErrChecksum},
		{"flipped crc", mut(func(b []byte) []byte { b[len(b)-1] ^= 1; return b }), ErrChecksum},
		{"zero scale", mut(func(b []byte) []byte {
			off := headerSize + len("test codebook") + 4*5 // first scale value
			binary.LittleEndian.PutUint32(b[off:], 0)
			return reCRC(b)
		}), ErrCorrupt},
		{"NaN entry", mut(func(b []byte) []byte {
			binary.LittleEndian.PutUint32(b[len(b)-8:], 0x7fc00000)
			return reCRC(b)
		}), ErrCorrupt},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var cb Codebook
			err := cb.UnmarshalBinary(tc.data)
			if !errors.Is(err, tc.want) {
				t.Errorf("UnmarshalBinary: got %v, want %v", err, tc.want)
			}
			_, err2 := ReadCodebook(bytes.NewReader(tc.data))
			want2 := tc.want
			if tc.name == "trailing byte" {
				want2 = nil // a reader stops at the end of the codebook
			}
			if !errors.Is(err2, want2) && !(want2 == nil && err2 == nil) {
				t.Errorf("ReadCodebook: got %v, want %v", err2, want2)
			}
		})
	}
}

func TestVersionErrorNamesVersion(t *testing.T) {
	b, _ := randomCodebook(3, 2, 2, 1, false).MarshalBinary()
	b[4] = 7
	err := new(Codebook).UnmarshalBinary(b)
	if !errors.Is(err, ErrVersion) || !bytes.Contains([]byte(err.Error()), []byte("version 7")) {
		t.Fatalf("got %v", err)
	}
}

// A header declaring the largest codebook over a short stream must fail
// without allocating anything near the declared size (4 GiB).
func TestReadCodebookNoHugeAlloc(t *testing.T) {
	var h [headerSize]byte
	copy(h[:], "VQCB")
	binary.LittleEndian.PutUint16(h[4:], Version)
	binary.LittleEndian.PutUint32(h[8:], MaxDim)
	binary.LittleEndian.PutUint32(h[12:], MaxSize)
	binary.LittleEndian.PutUint32(h[16:], MaxStages)
	data := append(h[:], make([]byte, 1000)...)
	allocs := testing.AllocsPerRun(5, func() {
		if _, err := ReadCodebook(bytes.NewReader(data)); !errors.Is(err, ErrTruncated) {
			t.Fatalf("got %v", err)
		}
		if err := new(Codebook).UnmarshalBinary(data); !errors.Is(err, ErrTruncated) {
			t.Fatalf("got %v", err)
		}
	})
	if allocs > 30 {
		t.Errorf("%v allocations for a short stream", allocs)
	}
}

func TestValidate(t *testing.T) {
	good := randomCodebook(1, 3, 4, 2, true)
	tests := map[string]func(c *Codebook){
		"dim 0":          func(c *Codebook) { c.Dim = 0 },
		"no stages":      func(c *Codebook) { c.Stages = nil },
		"short stage":    func(c *Codebook) { c.Stages[1] = c.Stages[1][:5] },
		"short mean":     func(c *Codebook) { c.Mean = c.Mean[:2] },
		"negative w":     func(c *Codebook) { c.Weights[0] = -1 },
		"too many stage": func(c *Codebook) { c.Stages = make([][]float32, 17) },
	}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, mod := range tests {
		c := good.Clone()
		mod(c)
		if err := c.Validate(); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: got %v", name, err)
		}
		if _, err := c.MarshalBinary(); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: MarshalBinary got %v", name, err)
		}
	}
}
