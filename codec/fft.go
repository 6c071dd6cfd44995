package codec

import "github.com/vqspeak/vqspeak/internal/realfft"

// evenFFT computes the type-I cosine and sine transforms of n+1 points
// through a real FFT of n points (n a power of two of at least 16), the
// way Numerical Recipes' cosft1 and sinft do: the input is folded about
// its middle with a sine weight so that the real FFT's bins give the even
// outputs directly and the odd ones as running sums. minimumPhase needs
// one of each where a whole 2n-point real FFT pair took twice the work.
type evenFFT struct {
	n   int
	fft *realfft.FFT
	sin []float64 // sin(πj/n), j < n
	cos []float64 // cos(πj/n), j < n
	y   []float64
	Y   []complex128
}

func newEvenFFT(n int) *evenFFT {
	e := &evenFFT{n: n, fft: realfft.New(n), sin: make([]float64, n), cos: make([]float64, n),
		y: make([]float64, n), Y: make([]complex128, n/2+1)}
	for j := range e.sin {
		w := realfft.UnitRoot(j, 2*n) // e^(-πjj/n)
		e.cos[j], e.sin[j] = real(w), -imag(w)
	}
	return e
}

// cosI sets dst[k], k = 0..n, to x[0]/2 + (−1)^k·x[n]/2 + Σ_{j=1}^{n−1} x[j]·cos(πjk/n).
func (e *evenFFT) cosI(dst, x []float64) {
	n := e.n
	x, dst = x[:n+1], dst[:n+1]
	y, sin, cos := e.y[:n], e.sin[:n], e.cos[:n]
	y[0] = 0.5 * (x[0] + x[n])
	odd := 0.5 * (x[0] - x[n]) // F_1
	for j := 1; j <= n/2; j++ {
		s, d := 0.5*(x[j]+x[n-j]), x[j]-x[n-j]
		y[j] = s - sin[j]*d
		y[n-j] = s + sin[j]*d
		odd += cos[j] * d
	}
	e.fft.Coefficients(e.Y, y)
	Y := e.Y[:n/2+1]
	dst[0] = real(Y[0])
	dst[1] = odd
	for k := 1; k < n/2; k++ {
		dst[2*k] = real(Y[k])
		odd -= imag(Y[k])
		dst[2*k+1] = odd
	}
	dst[n] = real(Y[n/2])
}

// sinI sets dst[k], k = 1..n−1, to Σ_{j=1}^{n−1} x[j]·sin(πjk/n), and
// dst[0] and dst[n] to 0.
func (e *evenFFT) sinI(dst, x []float64) {
	n := e.n
	x, dst = x[:n+1], dst[:n+1]
	y, sin := e.y[:n], e.sin[:n]
	y[0] = 0
	for j := 1; j <= n/2; j++ {
		s, d := sin[j]*(x[j]+x[n-j]), 0.5*(x[j]-x[n-j])
		y[j] = s + d
		y[n-j] = s - d
	}
	e.fft.Coefficients(e.Y, y)
	Y := e.Y[:n/2+1]
	dst[0], dst[n] = 0, 0
	odd := 0.5 * real(Y[0]) // S_1
	dst[1] = odd
	for k := 1; k < n/2; k++ {
		dst[2*k] = -imag(Y[k])
		odd += real(Y[k])
		dst[2*k+1] = odd
	}
}
