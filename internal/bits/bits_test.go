package bits

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

func TestWriterLayout(t *testing.T) {
	var w Writer
	w.Write(0b101, 3)
	w.Write(0xFF0, 8) // only the low 8 bits: 0xF0
	w.Write(1, 1)
	got := w.Flush()
	// 101 11110000 1 → 10111110 0001 0000
	if want := []byte{0b10111110, 0b00010000}; !bytes.Equal(got, want) {
		t.Errorf("got %08b, want %08b", got, want)
	}
}

func TestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 100 {
		var w Writer
		w.Buf = []byte{0xAA} // appended after
		var vals []uint64
		var widths []int
		for range rng.IntN(20) {
			n := 1 + rng.IntN(57)
			v := rng.Uint64() & (1<<n - 1)
			w.Write(v, n)
			vals, widths = append(vals, v), append(widths, n)
		}
		b := w.Flush()
		if b[0] != 0xAA {
			t.Fatal("prefix overwritten")
		}
		r := Reader{Buf: b[1:]}
		for i, n := range widths {
			if got := r.Read(n); got != vals[i] {
				t.Fatalf("field %d: %x, want %x", i, got, vals[i])
			}
		}
		if r.Read(64) != 0 {
			t.Error("padding or past-the-end bits not zero")
		}
	}
}
