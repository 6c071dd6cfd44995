package rvq

import (
	"bytes"
	"testing"
)

func FuzzReadCodebook(f *testing.F) {
	for _, cb := range []*Codebook{
		randomCodebook(1, 1, 1, 1, false),
		randomCodebook(2, 3, 4, 2, true),
		{Dim: 2, Size: 2, Weights: []float32{1, 2}, Stages: [][]float32{{1, 2, 3, 4}}},
	} {
		b, err := cb.MarshalBinary()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/2])
	}
	f.Add([]byte("VQCB"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		cb, err := ReadCodebook(bytes.NewReader(data))
		var cb2 Codebook
		err2 := cb2.UnmarshalBinary(data)
		if err2 == nil {
			if err != nil {
				t.Fatalf("UnmarshalBinary accepted what ReadCodebook refused: %v", err)
			}
			b, err := cb2.MarshalBinary()
			if err != nil {
				t.Fatalf("decoded codebook does not re-encode: %v", err)
			}
			if !bytes.Equal(b, data) {
				t.Fatal("encoding not canonical")
			}
			// the decoded codebook must be usable
			s := NewSearcher(&cb2, 2)
			idx := make([]int, cb2.NumStages())
			x := make([]float32, cb2.Dim)
			s.Encode(idx, x, len(idx))
			if _, err := cb2.Decode(nil, idx); err != nil {
				t.Fatal(err)
			}
		}
		if err == nil && cb.Validate() != nil {
			t.Fatal("ReadCodebook returned an invalid codebook")
		}
	})
}
