package metrics

import (
	"fmt"
	"math"

	"github.com/vqspeak/vqspeak/internal/kaiser"
)

// matlabResample converts x from rate fsIn to fsOut with a zero-phase, band-limited
// polyphase filter: the rational ratio p/q = fsOut/fsIn (reduced) is applied
// as "upsample by p, low-pass, keep every q-th sample", computing only the
// outputs that are kept.
//
// The anti-aliasing filter is the default of MATLAB's resample, which the
// published STOI code calls and with which the reference values were made
// (pystoi's Octave-style filter differs by up to 0.002 in ESTOI); see
// resampleFilter.
// Output sample m sits at input time m·fsIn/fsOut exactly, and the output has
// ceil(len(x)·p/q) samples.
func matlabResample(x []float64, fsOut, fsIn int) ([]float64, error) {
	if fsIn <= 0 || fsOut <= 0 {
		return nil, fmt.Errorf("%w: resample %d Hz to %d Hz", ErrSampleRate, fsIn, fsOut)
	}
	g := gcd(fsOut, fsIn)
	p, q := fsOut/g, fsIn/g
	if p == 1 && q == 1 {
		return append([]float64(nil), x...), nil
	}
	h := resampleFilter(p, q)
	half := (len(h) - 1) / 2
	nOut := (len(x)*p + q - 1) / q
	y := make([]float64, nOut)
	for m := range y {
		// y[m] = p · Σ_n x[n] h[m·q − n·p + half], h has unit DC gain.
		t := m*q + half
		// 0 <= t − n·p <= 2·half
		nLo := 0
		if t > 2*half {
			nLo = (t - 2*half + p - 1) / p
		}
		nHi := t / p
		if nHi > len(x)-1 {
			nHi = len(x) - 1
		}
		var acc float64
		k := t - nLo*p
		for n := nLo; n <= nHi; n++ {
			acc += x[n] * h[k]
			k -= p
		}
		y[m] = acc * float64(p)
	}
	return y, nil
}

// resampleFilter designs MATLAB's default resample filter for the reduced
// ratio p/q, normalised to unit DC gain: the ideal low-pass with cutoff
// 1/(2·max(p,q)) of the upsampled rate (firls with a zero-width transition
// band is exactly the truncated sinc) over ±10 input periods, apodised by a
// Kaiser window with β = 5 (about 50 dB stop-band rejection).
func resampleFilter(p, q int) []float64 {
	const (
		halfPeriods = 10
		beta        = 5.0
	)
	m := max(p, q)
	half := halfPeriods * m
	h := make([]float64, 2*half+1)
	i0b := kaiser.I0(beta)
	var sum float64
	for i := range h {
		t := float64(i - half)
		r := t / float64(half)
		w := kaiser.I0(beta*math.Sqrt(math.Max(0, 1-r*r))) / i0b
		h[i] = w * sinc(t/float64(m))
		sum += h[i]
	}
	for i := range h {
		h[i] /= sum
	}
	return h
}

// sinc is the normalised sinc, sin(πx)/(πx).
func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	return math.Sin(math.Pi*x) / (math.Pi * x)
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
