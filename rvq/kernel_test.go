package rvq

import (
	"math/rand/v2"
	"testing"
)

// scoreAllRef is scoreAll one entry at a time, the definition the kernels
// must match bit for bit.
func scoreAllRef(dst, q, stage, cn []float32) {
	dim := len(q)
	for i := range cn {
		c := stage[i*dim : i*dim+dim]
		var s float32
		for j, qj := range q {
			s += qj * c[j]
		}
		dst[i] = cn[i] - s
	}
}

// TestScoreAllMatchesReference checks that the unrolled and the
// dimension-specialised kernels give every score bit for bit as one entry
// at a time, for the specialised dimension and others, and entry counts
// that leave remainders.
func TestScoreAllMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, dim := range []int{kernelDim, 7, 25} {
		for _, k := range []int{1, 5, 6, 13, 64, 1024, 1027} {
			q := make([]float32, dim)
			stage := make([]float32, k*dim)
			cn := make([]float32, k)
			for j := range q {
				q[j] = float32(rng.NormFloat64())
			}
			for j := range stage {
				stage[j] = float32(rng.NormFloat64())
			}
			for j := range cn {
				cn[j] = float32(rng.Float64() * 10)
			}
			got, want := make([]float32, k), make([]float32, k)
			scoreAll(got, q, stage, cn)
			scoreAllRef(want, q, stage, cn)
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("dim %d k %d entry %d: %v, want %v", dim, k, i, got[i], want[i])
				}
			}
		}
	}
}

// TestBeamBoundMatchesFullScan checks that the beam search with
// scoreBound24's skipping finds the same indices and distance, bit for bit,
// as scoring every entry: with and without weights, a zero weight, duplicate
// entries (ties), and sizes that leave remainders of the six-entry passes
// and of the chunks.
func TestBeamBoundMatchesFullScan(t *testing.T) {
	const dim, stages = kernelDim, 4
	for ci, cfg := range []struct {
		size       int
		extras     bool
		zeroWeight bool
		dups       bool
	}{
		{1024, false, false, false},
		{1027, true, false, false},
		{200, true, true, false},
		{512, false, false, true},
	} {
		cb := randomCodebook(uint64(ci+10), dim, cfg.size, stages, cfg.extras)
		if cfg.zeroWeight {
			cb.Weights[3], cb.Weights[20] = 0, 0
		}
		if cfg.dups {
			for _, st := range cb.Stages {
				copy(st[7*dim:8*dim], st[300*dim:301*dim])
				copy(st[100*dim:101*dim], st[101*dim:102*dim])
			}
		}
		xs := mixture(uint64(ci+20), 300, dim, 8, 0.5)
		for _, beam := range []int{2, 4, 8} {
			a := NewSearcher(cb, beam)
			b := NewSearcher(cb, beam)
			if a.ct == nil {
				t.Fatal("no bound for the kernel dimension")
			}
			if simdHeads != (a.th != nil) {
				t.Fatalf("simdHeads %v but transposed heads %v", simdHeads, a.th != nil)
			}
			b.ct = nil
			ia, ib := make([]int, stages), make([]int, stages)
			for v := 0; v < len(xs)/dim; v++ {
				x := xs[v*dim : v*dim+dim]
				da := a.Encode(ia, x, stages)
				db := b.Encode(ib, x, stages)
				if da != db {
					t.Fatalf("config %d beam %d vector %d: distance %v, full scan %v", ci, beam, v, da, db)
				}
				for s := range ia {
					if ia[s] != ib[s] {
						t.Fatalf("config %d beam %d vector %d: indices %v, full scan %v", ci, beam, v, ia, ib)
					}
				}
			}
		}
	}
}
