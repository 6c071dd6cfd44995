package features

import (
	"math"
	"math/rand/v2"
	"testing"
)

// fromLogSpectrumGrid is FromLogSpectrum as it was before its two linear
// steps were planned as one matrix: the log spectrum interpolated at every
// point of the warped grid, then each coefficient summed over the grid.
// The reference for the test.
func fromLogSpectrumGrid(c []float32, logAmp []float64, fftSize, order int, alpha float64) {
	bins, grid := fftSize/2+1, 2*fftSize
	lo, frac := warpedGrid(bins, grid, alpha)
	t := make([]float64, grid)
	for j := range t {
		i, f := lo[j], frac[j]
		t[j] = logAmp[i]*(1-f) + logAmp[i+1]*f
	}
	for m := 0; m <= order; m++ {
		var s float64
		for j, v := range t {
			s += warpedCos(m, j, grid) * v
		}
		c[m] = float32(s)
	}
}

// TestFromLogSpectrumMatchesGrid checks the planned matrix against the grid
// sums: equal to within one float32 rounding (the float64 sums differ in
// their last bits only), and mostly bit for bit.
func TestFromLogSpectrumMatchesGrid(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	mc := NewMelCepstrum(EnvelopeFFTSize, MCepOrder, MCepAlpha)
	logAmp := make([]float64, mc.Bins())
	got, want := make([]float32, MCepOrder+1), make([]float32, MCepOrder+1)
	same := 0
	for range 200 {
		for k := range logAmp {
			logAmp[k] = rng.NormFloat64()*3 - 4
		}
		mc.FromLogSpectrum(got, logAmp)
		fromLogSpectrumGrid(want, logAmp, EnvelopeFFTSize, MCepOrder, MCepAlpha)
		for m := range got {
			if got[m] == want[m] {
				same++
				continue
			}
			if d := math.Abs(float64(got[m] - want[m])); d > 1e-6*max(math.Abs(float64(want[m])), 1e-3) {
				t.Fatalf("c%d = %v, want %v", m, got[m], want[m])
			}
		}
	}
	if n := 200 * (MCepOrder + 1); same < n*99/100 {
		t.Errorf("only %d of %d coefficients bit for bit", same, n)
	}
}

func BenchmarkFromLogSpectrum(b *testing.B) {
	mc := NewMelCepstrum(EnvelopeFFTSize, MCepOrder, MCepAlpha)
	logAmp := make([]float64, mc.Bins())
	for k := range logAmp {
		logAmp[k] = math.Cos(float64(k) / 7)
	}
	c := make([]float32, MCepOrder+1)
	for b.Loop() {
		mc.FromLogSpectrum(c, logAmp)
	}
}
