package realfft

import (
	"fmt"
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

// TestCoefficientsPaddedExact checks CoefficientsPadded against
// Coefficients of the zero-padded input bit for bit (signs of zeros too),
// for every input length at a few sizes, odd and even log2(n/2).
func TestCoefficientsPaddedExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{8, 16, 32, 64, 512} {
		f := New(n)
		x := make([]float64, n)
		X, Y := make([]complex128, n/2+1), make([]complex128, n/2+1)
		for l := 0; l <= n; l++ {
			clear(x)
			for i := range l {
				x[i] = rng.NormFloat64()
				if i%7 == 3 {
					x[i] = math.Copysign(0, -1)
				}
			}
			f.Coefficients(X, x)
			f.CoefficientsPadded(Y, x[:l])
			for k := range X {
				a, b := X[k], Y[k]
				if math.Float64bits(real(a)) != math.Float64bits(real(b)) ||
					math.Float64bits(imag(a)) != math.Float64bits(imag(b)) {
					t.Fatalf("n=%d len=%d bin %d: %v, want %v", n, l, k, b, a)
				}
			}
		}
	}
}

// BenchmarkCoefficientsPadded times a 512-point forward transform of an
// unvoiced noise segment (80 samples, the rest zero) and of a voiced one
// (200 samples), padded against the whole zero-filled input.
func BenchmarkCoefficientsPadded(b *testing.B) {
	f := New(512)
	X := make([]complex128, 257)
	for _, l := range []int{80, 200} {
		x := make([]float64, 512)
		for i := range l {
			x[i] = math.Sin(float64(i * i))
		}
		b.Run(fmt.Sprintf("len%d/whole", l), func(b *testing.B) {
			for b.Loop() {
				f.Coefficients(X, x)
			}
		})
		b.Run(fmt.Sprintf("len%d/padded", l), func(b *testing.B) {
			for b.Loop() {
				f.CoefficientsPadded(X, x[:l])
			}
		})
	}
}

func TestRealFFTAllocs(t *testing.T) {
	f := New(512)
	x := make([]float64, 512)
	X := make([]complex128, 512/2+1)
	if a := testing.AllocsPerRun(10, func() { f.Coefficients(X, x); f.Sequence(x, X) }); a != 0 {
		t.Fatalf("%v allocations per forward+inverse", a)
	}
}

// BenchmarkRealFFT compares a forward plus an inverse transform of the
// synthesizer's size (512): FFT against gonum's.
func BenchmarkRealFFT(b *testing.B) {
	x := make([]float64, 512)
	for i := range x {
		x[i] = math.Sin(float64(i * i))
	}
	X := make([]complex128, 512/2+1)
	y := make([]float64, 512)
	b.Run("own", func(b *testing.B) {
		f := New(512)
		for b.Loop() {
			f.Coefficients(X, x)
			f.Sequence(y, X)
		}
	})
	b.Run("gonum", func(b *testing.B) {
		g := fourier.NewFFT(512)
		for b.Loop() {
			g.Coefficients(X, x)
			g.Sequence(y, X)
		}
	})
}
