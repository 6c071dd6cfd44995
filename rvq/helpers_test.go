package rvq

import (
	"math/rand/v2"
	"testing"
)

// mixture returns n vectors of dim drawn from a mixture of k Gaussians with
// well-separated means (spread 4) and unit-ish per-component noise sigma.
func mixture(seed uint64, n, dim, k int, sigma float64) []float32 {
	r := rand.New(rand.NewPCG(seed, 1))
	means := make([]float64, k*dim)
	for i := range means {
		means[i] = 4 * r.NormFloat64()
	}
	out := make([]float32, n*dim)
	for i := 0; i < n; i++ {
		c := r.IntN(k)
		for j := 0; j < dim; j++ {
			out[i*dim+j] = float32(means[c*dim+j] + sigma*r.NormFloat64())
		}
	}
	return out
}

// randomCodebook builds a valid codebook with normal entries.
func randomCodebook(seed uint64, dim, size, stages int, extras bool) *Codebook {
	r := rand.New(rand.NewPCG(seed, 2))
	cb := &Codebook{Dim: dim, Size: size, Meta: "test codebook"}
	for s := 0; s < stages; s++ {
		st := make([]float32, dim*size)
		for i := range st {
			st[i] = float32(r.NormFloat64() / float64(s+1))
		}
		cb.Stages = append(cb.Stages, st)
	}
	if extras {
		cb.Mean = make([]float32, dim)
		cb.Scale = make([]float32, dim)
		cb.Weights = make([]float32, dim)
		for j := 0; j < dim; j++ {
			cb.Mean[j] = float32(r.NormFloat64())
			cb.Scale[j] = float32(0.5 + r.Float64())
			cb.Weights[j] = float32(0.25 + r.Float64())
		}
	}
	return cb
}

func mustTrain(t testing.TB, data []float32, dim int, opt TrainOptions) (*Codebook, TrainReport) {
	t.Helper()
	cb, rep, err := Train(data, dim, opt)
	if err != nil {
		t.Fatalf("Train: %v", err)
	}
	return cb, rep
}
