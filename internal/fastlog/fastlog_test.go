package fastlog

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestLogAccuracy(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var worst float64
	check := func(x float64) {
		got, want := Log(x), math.Log(x)
		if math.IsNaN(want) || math.IsInf(want, 0) {
			if got != want && !(math.IsNaN(got) && math.IsNaN(want)) {
				t.Fatalf("Log(%g) = %g, want %g", x, got, want)
			}
			return
		}
		err := math.Abs(got-want) / max(1, math.Abs(want))
		worst = max(worst, err)
		if err > 1e-15 {
			t.Fatalf("Log(%g) = %.17g, want %.17g", x, got, want)
		}
	}
	for range 200000 {
		check(rng.Float64())                                   // shares
		check(1 - rng.Float64()*1e-3)                          // near 1
		check(math.Exp(rng.NormFloat64() * 50))                // wide range
		check(math.Float64frombits(rng.Uint64() &^ (1 << 63))) // any positive
	}
	for _, x := range []float64{0, -1, 1, 2, 0.5, 1e-4, 1 - 1e-4, math.SmallestNonzeroFloat64, math.MaxFloat64, math.Inf(1), math.NaN(), 5e-324 * 7} {
		check(x)
	}
	t.Logf("worst error %.3g (relative, or absolute below 1)", worst)
}

// BenchmarkLog compares Log with math.Log on 257 values in (0, 1).
func BenchmarkLog(b *testing.B) {
	x := make([]float64, 257)
	for i := range x {
		x[i] = 1e-4 + float64(i)/300
	}
	var s float64
	b.Run("fast", func(b *testing.B) {
		for b.Loop() {
			for _, v := range x {
				s += Log(v)
			}
		}
	})
	b.Run("math", func(b *testing.B) {
		for b.Loop() {
			for _, v := range x {
				s += math.Log(v)
			}
		}
	})
	_ = s
}
