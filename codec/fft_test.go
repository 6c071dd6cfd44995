package codec

import (
	"math"
	"math/cmplx"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/dsp/fourier"
)

// TestRealFFTMatchesGonum checks realFFT against gonum's real FFT on random
// data, both directions, at the synthesizer's size and a few others.
func TestRealFFTMatchesGonum(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{8, 16, 32, 64, 128, 256, synthN, 1024} {
		f, g := newRealFFT(n), fourier.NewFFT(n)
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

func TestRealFFTAllocs(t *testing.T) {
	f := newRealFFT(synthN)
	x := make([]float64, synthN)
	X := make([]complex128, synthN/2+1)
	if a := testing.AllocsPerRun(10, func() { f.Coefficients(X, x); f.Sequence(x, X) }); a != 0 {
		t.Fatalf("%v allocations per forward+inverse", a)
	}
}

// BenchmarkRealFFT compares a forward plus an inverse transform of the
// synthesizer's size: realFFT against gonum's.
func BenchmarkRealFFT(b *testing.B) {
	x := make([]float64, synthN)
	for i := range x {
		x[i] = math.Sin(float64(i * i))
	}
	X := make([]complex128, synthN/2+1)
	y := make([]float64, synthN)
	b.Run("own", func(b *testing.B) {
		f := newRealFFT(synthN)
		for b.Loop() {
			f.Coefficients(X, x)
			f.Sequence(y, X)
		}
	})
	b.Run("gonum", func(b *testing.B) {
		g := fourier.NewFFT(synthN)
		for b.Loop() {
			g.Coefficients(X, x)
			g.Sequence(y, X)
		}
	})
}

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
