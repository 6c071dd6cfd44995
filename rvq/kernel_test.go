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
