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
// once so that neither direction allocates.
// FromLogSpectrum uses a scratch buffer: not safe for concurrent use;
// ToLogSpectrum only reads the tables.
type MelCepstrum struct {
	bins  int         // n/2 + 1 linear bins
	order int         // M
	grid  int         // points on the warped axis used for the forward transform
	lo    []int32     // for each warped grid point: the linear bin below it
	frac  []float64   // and the interpolation weight towards the bin above
	fwd   [][]float64 // fwd[m][j]: weight of warped grid point j in c_m
	inv   [][]float64 // inv[k][m] = cos(m·warp(ω_k))
	fold  []float64   // FromLogSpectrum's mirrored sums and differences
}

// NewMelCepstrum plans conversions for an fftSize-point spectrum.
func NewMelCepstrum(fftSize, order int, alpha float64) *MelCepstrum {
	bins := fftSize/2 + 1
	grid := 2 * fftSize
	mc := &MelCepstrum{bins: bins, order: order, grid: grid}
	mc.lo = make([]int32, grid)
	mc.frac = make([]float64, grid)
	mc.fold = make([]float64, grid)
	for j := 0; j < grid; j++ {
		wt := math.Pi * (float64(j) + 0.5) / float64(grid)
		w := warp(wt, -alpha) // the inverse of warping by α is warping by -α
		pos := w / math.Pi * float64(bins-1)
		i := int(pos)
		if i >= bins-1 {
			i, pos = bins-2, float64(bins-1)
		}
		mc.lo[j] = int32(i)
		mc.frac[j] = pos - float64(i)
	}
	mc.fwd = make([][]float64, order+1)
	for m := 0; m <= order; m++ {
		row := make([]float64, grid)
		scale := 2 / float64(grid)
		if m == 0 {
			scale = 1 / float64(grid)
		}
		for j := range row {
			wt := math.Pi * (float64(j) + 0.5) / float64(grid)
			row[j] = scale * math.Cos(float64(m)*wt)
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
//
// The warped grid is symmetric about π/2 and cos(m·(π−θ)) = (−1)^m·cos(m·θ),
// so each coefficient is a sum over half the grid, of the sums (even m) or
// the differences (odd m) of mirrored grid values: half the products of
// the full sum, equal to it up to rounding (1e-16 relative, far below the
// float32 result's resolution).
func (mc *MelCepstrum) FromLogSpectrum(c []float32, logAmp []float64) {
	_ = logAmp[mc.bins-1]
	// the envelope at grid point j, linearly interpolated, and its
	// mirror's: their sum and difference
	half := mc.grid / 2
	u, v := mc.fold[:half], mc.fold[half:2*half]
	lo, frac := mc.lo[:2*half], mc.frac[:2*half]
	for j := range u {
		i, f := lo[j], frac[j]
		x := logAmp[i]*(1-f) + logAmp[i+1]*f
		i, f = lo[len(lo)-1-j], frac[len(lo)-1-j]
		y := logAmp[i]*(1-f) + logAmp[i+1]*f
		u[j], v[j] = x+y, x-y
	}
	// Six rows at a time while they last (then one): six independent
	// chains and their products still fit in the registers.
	m := 0
	for ; m+6 <= mc.order+1; m += 6 {
		r0, r1, r2 := mc.fwd[m][:half], mc.fwd[m+1][:half], mc.fwd[m+2][:half]
		r3, r4, r5 := mc.fwd[m+3][:half], mc.fwd[m+4][:half], mc.fwd[m+5][:half]
		e, o := u, v // rows m, m+2, m+4 have m's parity
		if m%2 == 1 {
			e, o = v, u
		}
		o = o[:len(e)]
		var s0, s1, s2, s3, s4, s5 float64
		for j, x := range e {
			y := o[j]
			s0 += r0[j] * x
			s1 += r1[j] * y
			s2 += r2[j] * x
			s3 += r3[j] * y
			s4 += r4[j] * x
			s5 += r5[j] * y
		}
		c[m], c[m+1], c[m+2] = float32(s0), float32(s1), float32(s2)
		c[m+3], c[m+4], c[m+5] = float32(s3), float32(s4), float32(s5)
	}
	for ; m <= mc.order; m++ {
		row := mc.fwd[m][:half]
		x := u
		if m%2 == 1 {
			x = v
		}
		x = x[:len(row)]
		var s float64
		for j, r := range row {
			s += r * x[j]
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
