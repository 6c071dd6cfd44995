package rvq_test

import (
	"path/filepath"
	"testing"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/internal/audiofile"
	"github.com/vqspeak/vqspeak/rvq"
)

// realEnvelopes returns the codec's envelope vectors of a speech fixture:
// what the searcher sees in the encoder, unlike the random data of
// bench_test.go.
func realEnvelopes(b *testing.B) []float32 {
	b.Helper()
	a, err := audiofile.ReadFile(filepath.Join("..", "testdata", "audio", "fleurs-es-006.wav"))
	if err != nil {
		b.Fatal(err)
	}
	v := codec.EnvelopeVectors(nil, a.Samples)
	if len(v) < 100*codec.EnvelopeDim {
		b.Fatalf("only %d vectors", len(v)/codec.EnvelopeDim)
	}
	return v
}

func benchSearchReal(b *testing.B, beam int) {
	cb := codec.DefaultCodebook()
	xs := realEnvelopes(b)
	n := len(xs) / codec.EnvelopeDim
	s := rvq.NewSearcher(cb, beam)
	stages := min(codec.DefaultStages, cb.NumStages())
	idx := make([]int, stages)
	b.SetBytes(codec.EnvelopeDim * 4)
	b.ReportAllocs()
	k := 0
	for b.Loop() {
		s.Encode(idx, xs[k*codec.EnvelopeDim:(k+1)*codec.EnvelopeDim], stages)
		if k++; k == n {
			k = 0
		}
	}
}

// One envelope vector (one 10 ms frame) through the default codebook's
// stages, greedy, with the codec's beam of 3 (codec.DefaultBeam) and with
// the beam of 4 it had before.
func BenchmarkSearchRealGreedy(b *testing.B) { benchSearchReal(b, 1) }
func BenchmarkSearchRealBeam3(b *testing.B)  { benchSearchReal(b, 3) }
func BenchmarkSearchRealBeam4(b *testing.B)  { benchSearchReal(b, 4) }
