package rvq

import (
	"math"
	"testing"
)

// TestStatsMeanError checks MeanError against a direct computation and the
// bound it must keep with RMSE (mean of norms ≤ root mean square norm).
func TestStatsMeanError(t *testing.T) {
	const dim = 5
	data := mixture(7, 3000, dim, 6, 0.5)
	for _, tc := range []struct {
		name   string
		extras bool
		beam   int
	}{
		{"plain greedy", false, 1},
		{"plain beam", false, 4},
		{"normalised weighted beam", true, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cb := randomCodebook(3, dim, 16, 3, tc.extras)
			st := Stats(cb, data, 3, tc.beam)
			s := NewSearcher(cb, tc.beam)
			idx := make([]int, 3)
			rec := make([]float32, dim)
			for k := 1; k <= 3; k++ {
				var sum float64
				n := len(data) / dim
				for i := 0; i < n; i++ {
					x := data[i*dim : i*dim+dim]
					s.Encode(idx, x, 3)
					rec, _ = cb.Decode(rec, idx[:k])
					var e2 float64
					for j := range x {
						e := float64(x[j]) - float64(rec[j])
						e2 += e * e
					}
					sum += math.Sqrt(e2)
				}
				want := sum / float64(n)
				got := st[k-1].MeanError
				if math.Abs(got-want) > 1e-4*want {
					t.Errorf("stage %d: MeanError %v, direct %v", k, got, want)
				}
				if rms := st[k-1].RMSE * math.Sqrt(dim); got > rms*(1+1e-9) {
					t.Errorf("stage %d: MeanError %v above RMS norm %v", k, got, rms)
				}
			}
		})
	}
}

// TestTrainLeavesDataAlone checks that Train only reads its input.
func TestTrainLeavesDataAlone(t *testing.T) {
	for _, norm := range []bool{false, true} {
		data := mixture(9, 600, 4, 5, 0.3)
		orig := append([]float32(nil), data...)
		mustTrain(t, data, 4, TrainOptions{Stages: 2, Size: 8, Seed: 1, Normalize: norm})
		for i := range data {
			if data[i] != orig[i] {
				t.Fatalf("normalize %v: data[%d] changed from %v to %v", norm, i, orig[i], data[i])
			}
		}
	}
}
