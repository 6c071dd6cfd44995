package realfft

import (
	"math"
	"math/cmplx"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/dsp/fourier"
)

// TestRealFFTMatchesGonum checks FFT against gonum's real FFT on random
// data, both directions, at the synthesizer's size and a few others.
func TestRealFFTMatchesGonum(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{8, 16, 32, 64, 128, 256, 512, 1024} {
		f, g := New(n), fourier.NewFFT(n)
		x := make([]float64, n)
		X, Y := make([]complex128, n/2+1), make([]complex128, n/2+1)
		y, yg := make([]float64, n), make([]float64, n)
		for trial := range 20 {
			for i := range x {
				x[i] = rng.NormFloat64() * math.Pow(10, float64(trial%5-2))
			}
			f.Coefficients(X, x)
			g.Coefficients(Y, x)
			var errMax, scale float64
			for k := range X {
				errMax = max(errMax, cmplx.Abs(X[k]-Y[k]))
				scale = max(scale, cmplx.Abs(Y[k]))
			}
			if errMax > 1e-13*scale {
				t.Fatalf("n=%d forward: max error %g of %g", n, errMax, scale)
			}
			// inverse of a random half spectrum, with junk imaginary
			// parts at DC and Nyquist that both must ignore
			for k := range Y {
				Y[k] = complex(rng.NormFloat64(), rng.NormFloat64())
			}
			f.Sequence(y, Y)
			g.Sequence(yg, Y)
			errMax, scale = 0, 0
			for i := range y {
				errMax = max(errMax, math.Abs(y[i]-yg[i]))
				scale = max(scale, math.Abs(yg[i]))
			}
			if errMax > 1e-13*scale {
				t.Fatalf("n=%d inverse: max error %g of %g", n, errMax, scale)
			}
		}
	}
}
