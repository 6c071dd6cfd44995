package codec

import (
	"math"
	"math/cmplx"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/dsp/fourier"
)

// TestEvenFFT checks the type-I cosine and sine transforms against their
// defining sums.
func TestEvenFFT(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{16, 32, 64, 256} {
		e := newEvenFFT(n)
		x, c, s := make([]float64, n+1), make([]float64, n+1), make([]float64, n+1)
		for range 10 {
			for i := range x {
				x[i] = rng.NormFloat64()
			}
			e.cosI(c, x)
			e.sinI(s, x)
			for k := 0; k <= n; k++ {
				wc := 0.5*x[0] + 0.5*math.Pow(-1, float64(k))*x[n]
				var ws float64
				for j := 1; j < n; j++ {
					wc += x[j] * math.Cos(math.Pi*float64(j*k)/float64(n))
					ws += x[j] * math.Sin(math.Pi*float64(j*k)/float64(n))
				}
				if math.Abs(c[k]-wc) > 1e-12*float64(n) || math.Abs(s[k]-ws) > 1e-12*float64(n) {
					t.Fatalf("n=%d k=%d: cos %g want %g, sin %g want %g", n, k, c[k], wc, s[k], ws)
				}
			}
		}
	}
}

// TestMinimumPhaseMatchesFFT checks minimumPhase's cosine and sine
// transforms against the folded cepstrum taken with two whole FFTs.
func TestMinimumPhaseMatchesFFT(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	s := NewSynthesizer(0)
	g := fourier.NewFFT(synthN)
	bins := synthN/2 + 1
	logAmp, got, want := make([]float64, bins), make([]complex128, bins), make([]complex128, bins)
	spec, seq := make([]complex128, bins), make([]float64, synthN)
	for range 20 {
		// a smooth envelope plus ripple, as the synthesizer sees
		for k := range logAmp {
			logAmp[k] = -3 + 2*math.Cos(float64(k)/40) + 0.3*rng.NormFloat64()
		}
		s.minimumPhase(got, logAmp)
		for k, v := range logAmp {
			spec[k] = complex(v, 0)
		}
		g.Sequence(seq, spec)
		seq[0] /= synthN
		for i := 1; i < synthN/2; i++ {
			seq[i] *= 2.0 / synthN
		}
		seq[synthN/2] /= synthN
		clear(seq[synthN/2+1:])
		g.Coefficients(want, seq)
		for k := range got {
			if cmplx.Abs(got[k]-want[k]) > 1e-12 {
				t.Fatalf("bin %d: %v, want %v", k, got[k], want[k])
			}
		}
	}
}
