package metrics

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/dsp/fourier"
)

// STOI constants, as published (Taal et al. 2011) and in the reference
// MATLAB code.
const (
	stoiFS       = 10000 // analysis sample rate, Hz
	stoiFrame    = 256   // frame length at 10 kHz
	stoiHop      = stoiFrame / 2
	stoiNFFT     = 512
	stoiBands    = 15    // one-third octave bands
	stoiMinFreq  = 150.0 // centre of the lowest band, Hz
	stoiSegment  = 30    // frames per intermediate segment (384 ms)
	stoiBeta     = -15.0 // lower signal-to-distortion bound, dB
	stoiDynRange = 40.0  // frames this far below the loudest are silent, dB
)

// STOI returns the short-time objective intelligibility of deg against the
// clean ref (Taal, Hendriks, Heusdens, Jensen, IEEE TASLP 19(7), 2011),
// computed exactly as the reference implementation: resample to 10 kHz,
// drop frames more than 40 dB below the loudest clean frame, 1/3-octave
// envelopes over 30-frame segments, clipped at β = −15 dB. It only sees
// frequencies up to about 4.5 kHz. ref and deg must be aligned and of equal
// length; after silence removal at least 30 frames (about 0.4 s of speech)
// must remain, else ErrTooShort.
func STOI(ref, deg []float32, fs int) (float64, error) {
	return stoi(ref, deg, fs, false)
}

// ESTOI returns the extended STOI of deg against ref (Jensen & Taal,
// IEEE/ACM TASLP 24(11), 2016): the same front end as STOI, but each
// 15×30 segment is mean- and variance-normalised along rows (time) and then
// columns (frequency), with no clipping, so it also captures the spectral
// correlation that modulated maskers destroy. Same input rules as STOI.
func ESTOI(ref, deg []float32, fs int) (float64, error) {
	return stoi(ref, deg, fs, true)
}

func stoi(ref, deg []float32, fs int, extended bool) (float64, error) {
	if err := checkPair(ref, deg, fs); err != nil {
		return 0, err
	}
	x, y := toFloat64(ref), toFloat64(deg)
	if fs != stoiFS {
		var err error
		if x, err = matlabResample(x, stoiFS, fs); err != nil {
			return 0, err
		}
		if y, err = matlabResample(y, stoiFS, fs); err != nil {
			return 0, err
		}
	}
	w := matlabHanning(stoiFrame)
	x, y = removeSilentFrames(x, y, w, stoiDynRange, stoiHop)
	// Frame starts 0, hop, ... < len − frame, as the reference code (which
	// thereby never uses the last complete frame).
	nFrames := 0
	if len(x) > stoiFrame {
		nFrames = (len(x) - stoiFrame + stoiHop - 1) / stoiHop
	}
	if nFrames < stoiSegment {
		return 0, fmt.Errorf("%w: %d non-silent STOI frames, need %d", ErrTooShort, nFrames, stoiSegment)
	}
	obm := thirdOctaveBands(stoiFS, stoiNFFT, stoiBands, stoiMinFreq)
	X := thirdOctaveEnvelopes(x, w, obm, nFrames)
	Y := thirdOctaveEnvelopes(y, w, obm, nFrames)

	nSeg := nFrames - stoiSegment + 1
	var total float64
	if extended {
		xs := make([][stoiSegment]float64, stoiBands)
		ys := make([][stoiSegment]float64, stoiBands)
		for m := 0; m < nSeg; m++ {
			for j := 0; j < stoiBands; j++ {
				for n := 0; n < stoiSegment; n++ {
					xs[j][n] = X[m+n][j]
					ys[j][n] = Y[m+n][j]
				}
			}
			rowColNormalize(xs)
			rowColNormalize(ys)
			var s float64
			for j := range xs {
				for n := range xs[j] {
					s += xs[j][n] * ys[j][n]
				}
			}
			total += s / stoiSegment
		}
		return total / float64(nSeg), nil
	}

	clip := 1 + math.Pow(10, -stoiBeta/20)
	var xs, ys [stoiSegment]float64
	for m := 0; m < nSeg; m++ {
		for j := 0; j < stoiBands; j++ {
			var ex, ey float64
			for n := 0; n < stoiSegment; n++ {
				xs[n] = X[m+n][j]
				ys[n] = Y[m+n][j]
				ex += xs[n] * xs[n]
				ey += ys[n] * ys[n]
			}
			alpha := math.Sqrt(ex) / (math.Sqrt(ey) + eps)
			for n := range ys {
				ys[n] = math.Min(ys[n]*alpha, xs[n]*clip)
			}
			total += correlation(xs[:], ys[:])
		}
	}
	return total / float64(nSeg*stoiBands), nil
}

// eps is numpy's float64 machine epsilon, the guard the reference code adds
// to norms.
const eps = 2.220446049250313e-16

// matlabHanning returns MATLAB's hanning(n): the symmetric Hann window
// without its zero end points, w[i] = 0.5 − 0.5·cos(2π(i+1)/(n+1)).
func matlabHanning(n int) []float64 {
	w := make([]float64, n)
	for i := range w {
		w[i] = 0.5 - 0.5*math.Cos(2*math.Pi*float64(i+1)/float64(n+1))
	}
	return w
}

// removeSilentFrames windows x and y into frames of len(w) with the given
// hop, drops the frames whose clean (x) energy is more than dynRange dB
// below the loudest clean frame, and rebuilds both signals by overlap-adding
// the kept windowed frames back to back. Frame starts are 0, hop, … <
// len(x) − len(w).
func removeSilentFrames(x, y, w []float64, dynRange float64, hop int) (xs, ys []float64) {
	n := len(w)
	nFrames := 0
	if len(x) > n {
		nFrames = (len(x) - n + hop - 1) / hop
	}
	energy := make([]float64, nFrames)
	maxE := math.Inf(-1)
	for i := range energy {
		var s float64
		for k, v := range x[i*hop : i*hop+n] {
			v *= w[k]
			s += v * v
		}
		energy[i] = 20 * math.Log10(math.Sqrt(s)+eps)
		maxE = math.Max(maxE, energy[i])
	}
	kept := 0
	for _, e := range energy {
		if maxE-dynRange-e < 0 {
			kept++
		}
	}
	if kept == 0 {
		return nil, nil
	}
	outLen := (kept-1)*hop + n
	xs = make([]float64, outLen)
	ys = make([]float64, outLen)
	c := 0
	for i, e := range energy {
		if maxE-dynRange-e >= 0 {
			continue
		}
		xi, yi := x[i*hop:i*hop+n], y[i*hop:i*hop+n]
		xo, yo := xs[c*hop:c*hop+n], ys[c*hop:c*hop+n]
		for k := range w {
			xo[k] += xi[k] * w[k]
			yo[k] += yi[k] * w[k]
		}
		c++
	}
	return xs, ys
}

// thirdOctaveBands returns, for each one-third octave band, the half-open
// range [lo, hi) of FFT bins it sums, with band edges snapped to the nearest
// bin as the reference thirdoct.m does.
func thirdOctaveBands(fs, nfft, numBands int, minFreq float64) [][2]int {
	nBins := nfft/2 + 1
	nearest := func(f float64) int {
		best, bestD := 0, math.Inf(1)
		for k := 0; k < nBins; k++ {
			d := float64(k)*float64(fs)/float64(nfft) - f
			if d*d < bestD {
				best, bestD = k, d*d
			}
		}
		return best
	}
	bands := make([][2]int, numBands)
	for i := range bands {
		k := float64(i)
		lo := minFreq * math.Pow(2, (2*k-1)/6)
		hi := minFreq * math.Pow(2, (2*k+1)/6)
		bands[i] = [2]int{nearest(lo), nearest(hi)}
	}
	return bands
}

// thirdOctaveEnvelopes returns, per frame, the one-third octave band
// magnitudes sqrt(Σ|X(k)|²) of the windowed, zero-padded STFT of x.
func thirdOctaveEnvelopes(x, w []float64, bands [][2]int, nFrames int) [][stoiBands]float64 {
	fft := fourier.NewFFT(stoiNFFT)
	buf := make([]float64, stoiNFFT)
	spec := make([]complex128, stoiNFFT/2+1)
	pow := make([]float64, len(spec))
	out := make([][stoiBands]float64, nFrames)
	for i := range out {
		for k, v := range x[i*stoiHop : i*stoiHop+len(w)] {
			buf[k] = v * w[k]
		}
		fft.Coefficients(spec, buf)
		for k, c := range spec {
			pow[k] = real(c)*real(c) + imag(c)*imag(c)
		}
		for j, b := range bands {
			var s float64
			for k := b[0]; k < b[1]; k++ {
				s += pow[k]
			}
			out[i][j] = math.Sqrt(s)
		}
	}
	return out
}

// correlation returns the Pearson correlation of x and y, with the
// reference code's eps guard on the norms.
func correlation(x, y []float64) float64 {
	var mx, my float64
	for i := range x {
		mx += x[i]
		my += y[i]
	}
	mx /= float64(len(x))
	my /= float64(len(y))
	var sxy, sxx, syy float64
	for i := range x {
		a, b := x[i]-mx, y[i]-my
		sxy += a * b
		sxx += a * a
		syy += b * b
	}
	return sxy / ((math.Sqrt(sxx) + eps) * (math.Sqrt(syy) + eps))
}

// rowColNormalize normalises a segment in place for ESTOI: each row (band)
// to zero mean and unit norm, then each column (frame) likewise. A row or
// column that is all zero stays zero.
func rowColNormalize(s [][stoiSegment]float64) {
	for j := range s {
		var m float64
		for n := range s[j] {
			m += s[j][n]
		}
		m /= stoiSegment
		var e float64
		for n := range s[j] {
			s[j][n] -= m
			e += s[j][n] * s[j][n]
		}
		if e > 0 {
			inv := 1 / math.Sqrt(e)
			for n := range s[j] {
				s[j][n] *= inv
			}
		}
	}
	for n := 0; n < stoiSegment; n++ {
		var m float64
		for j := range s {
			m += s[j][n]
		}
		m /= float64(len(s))
		var e float64
		for j := range s {
			s[j][n] -= m
			e += s[j][n] * s[j][n]
		}
		if e > 0 {
			inv := 1 / math.Sqrt(e)
			for j := range s {
				s[j][n] *= inv
			}
		}
	}
}
