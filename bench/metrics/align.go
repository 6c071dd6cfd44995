package metrics

import (
	"math"

	"gonum.org/v1/gonum/dsp/fourier"
)

// Align returns the delay of deg relative to ref in samples: the lag l in
// [−maxLag, maxLag] maximising the cross-correlation of the two signals'
// short-time energy envelopes, computed with one FFT of both. Envelopes and
// not waveforms, because a vocoder rebuilds the spectrum but not the phase:
// its waveform may correlate best with the input a pitch period away. A
// positive lag means deg lags behind ref (a codec's algorithmic delay); a
// negative one, that deg leads. maxLag is clipped to the signal lengths;
// empty or silent input gives 0. Ties go to the smallest |lag|.
func Align(ref, deg []float32, maxLag int) int {
	if len(ref) == 0 || len(deg) == 0 || maxLag < 0 {
		return 0
	}
	maxLag = min(maxLag, max(len(ref), len(deg))-1)
	n := nextPow2(len(ref) + len(deg))
	fft := fourier.NewFFT(n)
	buf := make([]float64, n)
	energyEnvelope(buf, ref)
	a := fft.Coefficients(nil, buf)
	clear(buf)
	energyEnvelope(buf, deg)
	b := fft.Coefficients(nil, buf)
	for k := range a {
		// conj(A)·B is the spectrum of r[l] = Σ ref[n]·deg[n+l].
		a[k] = complex(real(a[k]), -imag(a[k])) * b[k]
	}
	r := fft.Sequence(buf, a) // r[l mod n]
	best, bestV := 0, math.Inf(-1)
	for l := 0; l <= maxLag; l++ {
		for _, s := range [2]int{l, -l} {
			v := r[(s+n)%n]
			if v > bestV {
				best, bestV = s, v
			}
		}
	}
	if bestV <= 0 {
		return 0
	}
	return best
}

// Compensate removes a delay found by Align: it drops the first lag samples
// of deg (or the first −lag of ref when lag is negative) and trims both to
// their common length, so that r[i] and d[i] are the same instant. The
// results share memory with the inputs.
func Compensate(ref, deg []float32, lag int) (r, d []float32) {
	if lag >= 0 {
		deg = deg[min(lag, len(deg)):]
	} else {
		ref = ref[min(-lag, len(ref)):]
	}
	n := min(len(ref), len(deg))
	return ref[:n], deg[:n]
}

// alignSmooth is the length of the centred moving average that turns
// rectified samples into an amplitude envelope: 5 ms at 16 kHz, long enough
// to smooth over pitch pulses.
const alignSmooth = 80

// energyEnvelope writes the mean-removed, smoothed magnitude of x into dst.
func energyEnvelope(dst []float64, x []float32) {
	var acc, mean float64
	h := alignSmooth / 2
	for i := -h; i < len(x); i++ {
		if j := i + h; j < len(x) {
			acc += math.Abs(float64(x[j]))
		}
		if j := i - h; j >= 0 {
			acc -= math.Abs(float64(x[j]))
		}
		if i >= 0 {
			dst[i] = acc
			mean += acc
		}
	}
	mean /= float64(len(x))
	for i := range x {
		dst[i] -= mean
	}
}
