package features

import "math"

// The spectral envelope travels as a mel-cepstrum: the cosine series of the
// natural-log amplitude spectrum on a frequency axis warped by a first-order
// all-pass (α = 0.42 approximates the mel scale at 16 kHz). Its squared
// distance is what mel-cepstral distortion measures, so a quantiser that
// minimises plain squared error on these coefficients minimises MCD.
//
// Convention (SPTK's, minimum-phase): ln|H(ω̃)| = c0 + Σ_{m=1..M} c_m·cos(m·ω̃).

const (
	// MCepOrder is the highest mel-cepstral coefficient kept (c0..c24).
	MCepOrder = 24
	// MCepAlpha is the all-pass warping constant, mel-like at 16 kHz.
	MCepAlpha = 0.42
)

// warp maps a linear angular frequency ω in [0, π] to the warped axis.
func warp(w, alpha float64) float64 {
	return w + 2*math.Atan(alpha*math.Sin(w)/(1-alpha*math.Cos(w)))
}

// MelCepstrum converts log-amplitude spectra sampled on the linear bins
// 0..n/2 of an n-point FFT into mel-cepstra and back, with tables planned
// once so that neither direction allocates. Both directions only read the
// tables.
type MelCepstrum struct {
	bins  int         // n/2 + 1 linear bins
	order int         // M
	fwd   [][]float64 // fwd[m][k]: weight of linear bin k in c_m (see NewMelCepstrum)
	inv   [][]float64 // inv[k][m] = cos(m·warp(ω_k))
}

// warpedGrid plans the forward transform's sampling of a log spectrum of
// bins linear bins on the warped axis: grid points j = 0..grid-1 at warped
// angles π(j+½)/grid, each linearly interpolated between linear bin lo[j]
// and the one above it with weight frac[j] on the latter.
func warpedGrid(bins, grid int, alpha float64) (lo []int32, frac []float64) {
	lo = make([]int32, grid)
	frac = make([]float64, grid)
	for j := range grid {
		wt := math.Pi * (float64(j) + 0.5) / float64(grid)
		w := warp(wt, -alpha) // the inverse of warping by α is warping by -α
		pos := w / math.Pi * float64(bins-1)
		i := int(pos)
		if i >= bins-1 {
			i, pos = bins-2, float64(bins-1)
		}
		lo[j] = int32(i)
		frac[j] = pos - float64(i)
	}
	return lo, frac
}

// warpedCos is the weight of warped grid point j (of grid) in c_m: the
// cosine series' coefficient on the midpoint grid.
func warpedCos(m, j, grid int) float64 {
	scale := 2 / float64(grid)
	if m == 0 {
		scale = 1 / float64(grid)
	}
	wt := math.Pi * (float64(j) + 0.5) / float64(grid)
	return scale * math.Cos(float64(m)*wt)
}

// NewMelCepstrum plans conversions for an fftSize-point spectrum.
//
// The forward transform samples the log spectrum, linearly interpolated, at
// 2·fftSize points of the warped axis and takes their cosine series. Both
// steps are linear in the log spectrum, so they are planned as one matrix
// of order+1 rows by the linear bins: FromLogSpectrum sums 257 products
// per coefficient instead of interpolating 1024 grid points and summing
// 512 (folded) products per coefficient. The results equal the grid sums up
// to rounding (TestFromLogSpectrumMatchesGrid).
func NewMelCepstrum(fftSize, order int, alpha float64) *MelCepstrum {
	bins := fftSize/2 + 1
	grid := 2 * fftSize
	mc := &MelCepstrum{bins: bins, order: order}
	lo, frac := warpedGrid(bins, grid, alpha)
	mc.fwd = make([][]float64, order+1)
	for m := range mc.fwd {
		row := make([]float64, bins)
		for j := range grid {
			w := warpedCos(m, j, grid)
			row[lo[j]] += w * (1 - frac[j])
			row[lo[j]+1] += w * frac[j]
		}
		mc.fwd[m] = row
	}
	mc.inv = make([][]float64, bins)
	for k := 0; k < bins; k++ {
		wt := warp(math.Pi*float64(k)/float64(bins-1), alpha)
		row := make([]float64, order+1)
		for m := range row {
			row[m] = math.Cos(float64(m) * wt)
		}
		mc.inv[k] = row
	}
	return mc
}

// Order is the highest coefficient index.
func (mc *MelCepstrum) Order() int { return mc.order }

// Bins is the number of linear spectrum bins (fftSize/2 + 1).
func (mc *MelCepstrum) Bins() int { return mc.bins }

// FromLogSpectrum fills c[0..order] from the natural-log amplitude logAmp[0..bins-1].
func (mc *MelCepstrum) FromLogSpectrum(c []float32, logAmp []float64) {
	x := logAmp[:mc.bins]
	// Five rows at a time while they last (then one): five independent
	// chains and their products fit in the registers.
	m := 0
	for ; m+5 <= mc.order+1; m += 5 {
		r0, r1, r2 := mc.fwd[m][:len(x)], mc.fwd[m+1][:len(x)], mc.fwd[m+2][:len(x)]
		r3, r4 := mc.fwd[m+3][:len(x)], mc.fwd[m+4][:len(x)]
		var s0, s1, s2, s3, s4 float64
		for k, v := range x {
			s0 += r0[k] * v
			s1 += r1[k] * v
			s2 += r2[k] * v
			s3 += r3[k] * v
			s4 += r4[k] * v
		}
		c[m], c[m+1], c[m+2] = float32(s0), float32(s1), float32(s2)
		c[m+3], c[m+4] = float32(s3), float32(s4)
	}
	for ; m <= mc.order; m++ {
		row := mc.fwd[m][:len(x)]
		var s float64
		for k, v := range x {
			s += row[k] * v
		}
		c[m] = float32(s)
	}
}

// ToLogSpectrum2 evaluates two mel-cepstra at once, a into logA and b into
// logB (the synthesizer's envelope before and after its postfilter), each
// bit for bit as ToLogSpectrum would, reading the table once.
func (mc *MelCepstrum) ToLogSpectrum2(logA, logB []float64, a, b []float32) {
	_ = logA[mc.bins-1]
	_ = logB[mc.bins-1]
	n := min(len(a), len(b), mc.order+1)
	a, b = a[:n], b[:n]
	k := 0
	// Three bins at a time while they last: six chains and their products
	// still fit in the registers.
	for ; k+3 <= len(mc.inv); k += 3 {
		r0, r1, r2 := mc.inv[k][:n], mc.inv[k+1][:n], mc.inv[k+2][:n]
		var a0, a1, a2, b0, b1, b2 float64
		for m, cm := range a {
			va, vb := float64(cm), float64(b[m])
			a0 += r0[m] * va
			a1 += r1[m] * va
			a2 += r2[m] * va
			b0 += r0[m] * vb
			b1 += r1[m] * vb
			b2 += r2[m] * vb
		}
		logA[k], logA[k+1], logA[k+2] = a0, a1, a2
		logB[k], logB[k+1], logB[k+2] = b0, b1, b2
	}
	for ; k+2 <= len(mc.inv); k += 2 {
		r0, r1 := mc.inv[k][:n], mc.inv[k+1][:n]
		var a0, a1, b0, b1 float64
		for m, cm := range a {
			va, vb := float64(cm), float64(b[m])
			a0 += r0[m] * va
			a1 += r1[m] * va
			b0 += r0[m] * vb
			b1 += r1[m] * vb
		}
		logA[k], logA[k+1], logB[k], logB[k+1] = a0, a1, b0, b1
	}
	for ; k < len(mc.inv); k++ {
		row := mc.inv[k][:n]
		var sa, sb float64
		for m, cm := range a {
			sa += row[m] * float64(cm)
			sb += row[m] * float64(b[m])
		}
		logA[k], logB[k] = sa, sb
	}
}

// ToLogSpectrum evaluates the natural-log amplitude at every linear bin.
func (mc *MelCepstrum) ToLogSpectrum(logAmp []float64, c []float32) {
	_ = logAmp[mc.bins-1]
	n := min(len(c), mc.order+1)
	c = c[:n]
	// Four bins at a time, each summed over m in the same order as one at
	// a time (the same result bit for bit), as in FromLogSpectrum.
	k := 0
	for ; k+4 <= len(mc.inv); k += 4 {
		r0, r1, r2, r3 := mc.inv[k][:n], mc.inv[k+1][:n], mc.inv[k+2][:n], mc.inv[k+3][:n]
		var s0, s1, s2, s3 float64
		for m, cm := range c {
			v := float64(cm)
			s0 += r0[m] * v
			s1 += r1[m] * v
			s2 += r2[m] * v
			s3 += r3[m] * v
		}
		logAmp[k], logAmp[k+1], logAmp[k+2], logAmp[k+3] = s0, s1, s2, s3
	}
	for ; k < len(mc.inv); k++ {
		row := mc.inv[k][:n]
		var s float64
		for m, cm := range c {
			s += row[m] * float64(cm)
		}
		logAmp[k] = s
	}
}
