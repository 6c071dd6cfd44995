package rvq

import (
	"math/rand/v2"
	"testing"
)

func benchEncode(b *testing.B, beam int) {
	cb := randomCodebook(1, 24, 1024, 4, true)
	s := NewSearcher(cb, beam)
	r := rand.New(rand.NewPCG(1, 1))
	xs := make([]float32, 256*24)
	for i := range xs {
		xs[i] = float32(r.NormFloat64())
	}
	idx := make([]int, 4)
	b.ReportAllocs()
	b.SetBytes(24 * 4)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k := i & 255
		s.Encode(idx, xs[k*24:k*24+24], 4)
	}
}

func BenchmarkEncodeGreedy(b *testing.B) { benchEncode(b, 1) }
func BenchmarkEncodeBeam4(b *testing.B)  { benchEncode(b, 4) }
func BenchmarkEncodeBeam8(b *testing.B)  { benchEncode(b, 8) }

func BenchmarkDecode(b *testing.B) {
	cb := randomCodebook(1, 24, 1024, 4, true)
	idx := []int{1, 500, 1000, 7}
	dst := make([]float32, 24)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		cb.Decode(dst, idx)
	}
}

// BenchmarkLloydIteration: one assignment + centroid update of 50k
// 24-dimensional vectors against 1024 entries, one worker.
func BenchmarkLloydIteration(b *testing.B) {
	const n, dim, k = 50000, 24, 1024
	data := mixture(1, n, dim, 300, 1)
	t := &trainer{dim: dim, n: n, workers: 1, w: ones(dim), rng: rand.New(rand.NewPCG(1, 1))}
	cents := append([]float32(nil), data[:k*dim]...)
	km := newKMeans(t, k)
	var dead []int
	b.ReportAllocs()
	b.SetBytes(n * dim * 4)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		km.assignAll(data, cents, false)
		dead = km.update(data, cents, dead)
	}
}

// BenchmarkLloyd10 runs ten Lloyd iterations with bound-based skipping, as
// training does, from a fixed start on 50k vectors.
func BenchmarkLloyd10(b *testing.B) {
	const n, dim, k = 50000, 24, 1024
	data := mixture(1, n, dim, 300, 1)
	t := &trainer{dim: dim, n: n, workers: 1, w: ones(dim), rng: rand.New(rand.NewPCG(1, 1))}
	km := newKMeans(t, k)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		cents := append([]float32(nil), data[:k*dim]...)
		km.lloyd(data, cents, 10, -1, true, nil)
	}
}

func ones(n int) []float32 {
	w := make([]float32, n)
	for i := range w {
		w[i] = 1
	}
	return w
}
