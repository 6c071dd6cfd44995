package features

import (
	"math"
	"testing"
)

// bvMixed is a 150 Hz harmonic complex limited to 2 kHz plus white noise
// high-passed at 4 kHz of the same level.
func bvMixed(n int) []float32 {
	v := ptHarmonic(n, func(float64) float64 { return 150 }, 1, 2000)
	noise := ptNoise(n+200, ptRMS(v)*2, 9)
	hp := bvBandpass(129, 4000.0/ptTestRate, 0.5)
	out := make([]float32, n)
	for i := range out {
		s := float32(0)
		for k, h := range hp {
			s += h * noise[i+k]
		}
		out[i] = v[i] + s
	}
	return out
}

func TestBandVoicingMixed(t *testing.T) {
	x := bvMixed(ptTestRate / 2)
	bv := NewBandVoicing(ptTestRate)
	var dst [NumVoicingBands]float32
	for c := bv.History(); c+bv.Lookahead() <= len(x); c += 4 * HopSize {
		bv.Analyze(&dst, x, c, 150)
		for band, v := range dst {
			if math.IsNaN(float64(v)) || v < 0 || v > 1 {
				t.Fatalf("center %d band %d: %v outside [0,1]", c, band, v)
			}
		}
		if dst[0] < 0.9 || dst[1] < 0.9 {
			t.Errorf("center %d: low bands %.2f %.2f, want > 0.9", c, dst[0], dst[1])
		}
		if dst[3] > 0.4 || dst[4] > 0.4 {
			t.Errorf("center %d: 4–8 kHz bands %.2f %.2f, want < 0.4", c, dst[3], dst[4])
		}
	}
}

func TestBandVoicingCases(t *testing.T) {
	harm := ptHarmonic(ptTestRate/2, func(float64) float64 { return 200 }, 1, 8000)
	tests := []struct {
		name     string
		x        []float32
		f0       float64
		min, max float32 // bounds for every band
	}{
		{"full-band harmonic", harm, 200, 0.8, 1},
		{"unvoiced f0 0", harm, 0, 0, 0},
		{"silence", make([]float32, ptTestRate/2), 150, 0, 0},
		{"white noise", ptNoise(ptTestRate/2, 0.1, 11), 150, 0, 0.45},
	}
	bv := NewBandVoicing(ptTestRate)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var dst [NumVoicingBands]float32
			c := bv.History() + 3*HopSize
			bv.Analyze(&dst, tc.x, c, tc.f0)
			for band, v := range dst {
				if !(v >= tc.min && v <= tc.max) {
					t.Errorf("band %d: %.3f, want in [%.2f, %.2f]", band, v, tc.min, tc.max)
				}
			}
		})
	}
}

func TestBandVoicingNoAllocs(t *testing.T) {
	x := bvMixed(ptTestRate / 4)
	bv := NewBandVoicing(ptTestRate)
	var dst [NumVoicingBands]float32
	allocs := testing.AllocsPerRun(50, func() {
		bv.Analyze(&dst, x, bv.History(), 123)
	})
	if allocs != 0 {
		t.Errorf("Analyze allocates %.1f times per call", allocs)
	}
}

func BenchmarkBandVoicingAnalyze(b *testing.B) {
	x := bvMixed(ptTestRate / 2)
	bv := NewBandVoicing(ptTestRate)
	var dst [NumVoicingBands]float32
	c := bv.History()
	b.SetBytes(HopSize * 4)
	b.ReportAllocs()
	for b.Loop() {
		bv.Analyze(&dst, x, c, 150)
		c += HopSize
		if c+bv.Lookahead() > len(x) {
			c = bv.History()
		}
	}
}

// TestBvCorr3MatchesOneLag checks bvCorr3 against correlating one lag at
// a time, each window's means and energies summed separately, with and
// without removing the means: within 1e-12.
func TestBvCorr3MatchesOneLag(t *testing.T) {
	x := ptNoise(900, 0.3, 9)
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = float64(v) + 0.1 // a mean to remove
	}
	const w = 320
	one := func(lag int, demean bool) float64 {
		n := len(y)
		a, c := y[n-w:], y[n-w-lag:n-lag]
		var ma, mc float64
		if demean {
			for i, v := range a {
				ma += v
				mc += c[i]
			}
			ma /= w
			mc /= w
		}
		var ea, xy, ec float64
		for i, v := range a {
			v -= ma
			u := c[i] - mc
			ea += v * v
			xy += v * u
			ec += u * u
		}
		return bvNorm(xy, ea, ec)
	}
	for _, lag := range []int{1, 31, 100, 322} {
		for _, demean := range []bool{false, true} {
			r := bvCorr3(y, w, lag, demean)
			for k, v := range r {
				if want := one(lag+k, demean); math.Abs(v-want) > 1e-12 {
					t.Fatalf("lag %d+%d demean %v: %v, one lag at a time %v", lag, k, demean, v, want)
				}
			}
		}
	}
}

// bvBandpass designs a Hamming-windowed band-pass FIR of n (odd) taps
// passing lo..hi (cycles per sample); lo = 0 gives a low-pass, hi = 0.5 a
// high-pass.
func bvBandpass(n int, lo, hi float64) []float32 {
	m := n / 2
	out := make([]float32, n)
	lp := func(fc float64, k float64) float64 {
		if fc <= 0 {
			return 0
		}
		if fc >= 0.5 {
			if k == 0 {
				return 1
			}
			return 0
		}
		if k == 0 {
			return 2 * fc
		}
		return math.Sin(2*math.Pi*fc*k) / (math.Pi * k)
	}
	for i := range out {
		k := float64(i - m)
		v := lp(hi, k) - lp(lo, k)
		v *= 0.54 - 0.46*math.Cos(2*math.Pi*float64(i)/float64(n-1))
		out[i] = float32(v)
	}
	return out
}
