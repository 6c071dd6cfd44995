package metrics

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/dsp/fourier"
)

// Spectral framing shared by MCD and LSD, fixed by the metric test vectors.
const (
	specFrameSeconds = 0.025 // periodic Hann frame
	specHopSeconds   = 0.005
	specNFFT         = 1024
	specFloorDB      = -100.0 // per-bin amplitude floor, dBFS
	specDynRange     = 40.0   // frames this far below the loudest ref frame are skipped, dB
	mcdOrder         = 24
	mcdAlpha         = 0.42 // all-pass warping constant, the usual mel approximation at 16 kHz
)

// MCD returns the mel-cepstral distortion of deg against ref in dB,
//
//	MCD = (10 / ln 10) · sqrt(2 · Σ_{d=1..24} (c_d − c'_d)²),
//
// averaged over the frames whose reference energy is within 40 dB of the
// loudest reference frame. c_d are the cosine-series coefficients of the
// natural-log amplitude spectrum on the first-order all-pass warped
// frequency axis (α = 0.42): the real cepstrum of the 1024-point log
// amplitude spectrum, doubled above c_0 (the minimum-phase convention), then
// warped by SPTK's freqt recursion to order 24. Frames are 25 ms periodic
// Hann windows every 5 ms starting at sample 0 (no padding), amplitudes
// are scaled so a full-scale sine peaks at 1.0 and floored at −100 dBFS per
// bin. ref and deg must be aligned and of equal length. c_0 (gain) is left
// out, so MCD measures spectral shape, not level.
func MCD(ref, deg []float32, fs int) (float64, error) {
	return spectralDistance(ref, deg, fs, true)
}

// spectralDistance runs the framing shared by MCD (mcd true) and LSD.
func spectralDistance(ref, deg []float32, fs int, mcd bool) (float64, error) {
	if err := checkPair(ref, deg, fs); err != nil {
		return 0, err
	}
	a := newSpectralAnalyzer(fs)
	if a.n < 16 || a.n > specNFFT {
		return 0, fmt.Errorf("%w: %d Hz (25 ms frame must fit a %d-point FFT)", ErrSampleRate, fs, specNFFT)
	}
	if len(ref) < a.n {
		return 0, fmt.Errorf("%w: %d samples, need %d", ErrTooShort, len(ref), a.n)
	}
	nFrames := (len(ref)-a.n)/a.hop + 1
	energy := make([]float64, nFrames)
	maxE := 0.0
	for t := range energy {
		energy[t] = a.energy(ref[t*a.hop:])
		maxE = math.Max(maxE, energy[t])
	}
	if maxE == 0 {
		return 0, ErrSilent
	}
	thresh := maxE * math.Pow(10, -specDynRange/10)
	la := make([]float64, specNFFT/2+1)
	lb := make([]float64, specNFFT/2+1)
	var ca, cb []float64
	if mcd {
		ca = make([]float64, mcdOrder+1)
		cb = make([]float64, mcdOrder+1)
	}
	var sum float64
	var used int
	for t, e := range energy {
		if e < thresh {
			continue
		}
		a.logAmplitude(la, ref[t*a.hop:])
		a.logAmplitude(lb, deg[t*a.hop:])
		var d float64
		if mcd {
			a.melCepstrum(ca, la)
			a.melCepstrum(cb, lb)
			var s float64
			for k := 1; k <= mcdOrder; k++ {
				v := ca[k] - cb[k]
				s += v * v
			}
			d = 10 / math.Ln10 * math.Sqrt(2*s)
		} else {
			var s float64
			for k := range la {
				v := 20 / math.Ln10 * (la[k] - lb[k])
				s += v * v
			}
			d = math.Sqrt(s / float64(len(la)))
		}
		sum += d
		used++
	}
	return sum / float64(used), nil
}

// spectralAnalyzer holds the window, FFT and scratch of the MCD/LSD framing.
type spectralAnalyzer struct {
	n, hop int
	w      []float64
	scale  float64 // amplitude scale: 2 / Σw, so a full-scale sine peaks at 1
	floor  float64 // natural log of the amplitude floor
	fft    *fourier.FFT
	buf    []float64
	spec   []complex128
	cep    []float64 // real cepstrum c_0..c_{nfft/2}
}

func newSpectralAnalyzer(fs int) *spectralAnalyzer {
	n := int(math.Round(specFrameSeconds * float64(fs)))
	hop := max(1, int(math.Round(specHopSeconds*float64(fs))))
	a := &spectralAnalyzer{
		n:     n,
		hop:   hop,
		w:     make([]float64, n),
		floor: specFloorDB / 20 * math.Ln10,
		fft:   fourier.NewFFT(specNFFT),
		buf:   make([]float64, specNFFT),
		spec:  make([]complex128, specNFFT/2+1),
		cep:   make([]float64, specNFFT/2+1),
	}
	var sw float64
	for i := range a.w {
		a.w[i] = 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/float64(n))
		sw += a.w[i]
	}
	a.scale = 2 / sw
	return a
}

// energy returns the windowed energy of the frame starting at x[0].
func (a *spectralAnalyzer) energy(x []float32) float64 {
	var e float64
	for i, w := range a.w {
		v := float64(x[i]) * w
		e += v * v
	}
	return e
}

// logAmplitude fills dst (nfft/2+1 bins) with the natural log of the scaled,
// floored amplitude spectrum of the frame starting at x[0].
func (a *spectralAnalyzer) logAmplitude(dst []float64, x []float32) {
	for i, w := range a.w {
		a.buf[i] = float64(x[i]) * w
	}
	clear(a.buf[a.n:])
	a.fft.Coefficients(a.spec, a.buf)
	for k, c := range a.spec {
		amp := math.Hypot(real(c), imag(c)) * a.scale
		if amp > 0 {
			dst[k] = math.Max(math.Log(amp), a.floor)
		} else {
			dst[k] = a.floor
		}
	}
}

// melCepstrum fills dst[0..mcdOrder] with the warped cepstrum of a log
// amplitude spectrum la (nfft/2+1 bins).
func (a *spectralAnalyzer) melCepstrum(dst, la []float64) {
	// Real cepstrum: inverse DFT of the even extension of la, done as a
	// forward real FFT (the sequence is real and even).
	half := specNFFT / 2
	copy(a.buf, la)
	for k := 1; k < half; k++ {
		a.buf[specNFFT-k] = la[k]
	}
	a.fft.Coefficients(a.spec, a.buf)
	for i := range a.cep {
		a.cep[i] = real(a.spec[i]) / specNFFT
		if i > 0 {
			a.cep[i] *= 2 // cosine-series (minimum-phase) convention
		}
	}
	freqt(dst, a.cep, mcdAlpha)
}

// freqt warps the cepstrum c onto the all-pass frequency axis of parameter
// alpha, writing len(dst) coefficients: SPTK's freqt recursion, run from the
// highest input coefficient down, updated in place.
func freqt(dst, c []float64, alpha float64) {
	order := len(dst) - 1
	b := 1 - alpha*alpha
	g := dst
	clear(g)
	for i := len(c) - 1; i >= 0; i-- {
		old := g[0]
		g[0] = c[i] + alpha*old
		if order < 1 {
			continue
		}
		prev := old
		old = g[1]
		g[1] = b*prev + alpha*old
		prev = old
		for j := 2; j <= order; j++ {
			old = g[j]
			g[j] = prev + alpha*(old-g[j-1])
			prev = old
		}
	}
}
