package rvq

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata golden files")

// TestGoldenFile pins the version-1 byte layout: a format change must be
// deliberate (bump Version) and show up as a changed golden file.
func TestGoldenFile(t *testing.T) {
	cb := &Codebook{
		Dim: 3, Size: 2,
		Mean:    []float32{1, 2, 3},
		Weights: []float32{1, 0.5, 0.25},
		Stages:  [][]float32{{1, 0, -1, 0.5, 0.25, 0}, {0.125, -0.125, 0, 0, 0, 1}},
		Meta:    "golden",
	}
	b, err := cb.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "golden-v1.vqcb")
	if *update {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run Golden -update)", err)
	}
	if !bytes.Equal(b, want) {
		t.Fatalf("encoding changed:\n got %x\nwant %x", b, want)
	}
	var got Codebook
	if err := got.UnmarshalBinary(want); err != nil {
		t.Fatal(err)
	}
	if got.Fingerprint() != cb.Fingerprint() || got.Scale != nil || got.Meta != "golden" {
		t.Fatalf("decoded %+v", got)
	}
	if !bytes.Equal(want[:4], []byte("VQCB")) || want[4] != 1 || want[6] != flagMean|flagWeights {
		t.Fatalf("header % x", want[:8])
	}
}
