package features

import "math"

// NumVoicingBands is the number of bands BandVoicing measures.
const NumVoicingBands = 5

// VoicingBandEdges are the band edges in Hz: 0–1, 1–2, 2–4, 4–6 and 6–8 kHz
// (the top edge is the Nyquist frequency at 16 kHz). Narrow bands where the
// harmonics are resolved, wide ones above, as in MELP.
var VoicingBandEdges = [NumVoicingBands + 1]float64{0, 1000, 2000, 4000, 6000, 8000}

const (
	bvWindowMs  = 20   // correlation window length
	bvEnvFrom   = 2000 // lowest band edge (Hz) from which the envelope correlation is used too
	bvEnvBias   = 0.1  // envelope correlation of noise is biased up: subtract this
	bvEnvCorner = 1000 // smoothing of the rectified band, Hz
)

// BandVoicing measures how periodic each frequency band is at a given pitch,
// MELP style: each band is filtered (a 65-tap linear-phase FIR at 16 kHz,
// computed as differences of low-passes by bvBank), and its strength is
// the normalised correlation at the pitch lag, searched over ±1 sample with
// parabolic refinement. From 2 kHz up, where harmonics are unresolved and
// phase is noisy, the correlation of the rectified and smoothed band
// envelope (minus a 0.1 bias) is also computed and the larger one kept.
//
// It reads the same span as PitchTracker, never more than one hop past
// center. It allocates only in its constructor and is not safe for
// concurrent use.
type BandVoicing struct {
	fs        int
	lookahead int
	half      int
	edges     []float64
	bands     int
	win       int
	maxLag    int
	bandY     *bvBankCache // filtered bands, kept between calls in stream mode
	stream    bool         // see stream
	env       [][]float64  // smoothed rectified bands (from bvEnvFrom up)
	ys        [][]float64  // this call's filtered bands
	envPole   float64
}

// NewBandVoicing plans band filters for the given sample rate (16000 here).
// Band edges above the Nyquist frequency are clipped to it.
func NewBandVoicing(sampleRate int) *BandVoicing {
	return newBandVoicing(sampleRate, VoicingBandEdges[:])
}

// newBandVoicing plans the bands between consecutive edges (Hz).
func newBandVoicing(sampleRate int, edges []float64) *BandVoicing {
	fs := sampleRate
	b := &BandVoicing{fs: fs, lookahead: fs / 100, edges: edges}
	b.half = fs / 500 // 65 taps at 16 kHz: about 800 Hz transition width
	b.bands = len(edges) - 1
	b.win = fs * bvWindowMs / 1000
	b.maxLag = int(math.Ceil(float64(fs)/MinF0)) + 2
	span := b.win + b.maxLag + 2
	b.bandY = newBVBankCache(newBVBank(fs, edges, b.half, span), b.bands, span)
	for i := range b.bands {
		if edges[i] >= bvEnvFrom {
			b.env = append(b.env, make([]float64, span))
		}
	}
	b.envPole = math.Exp(-2 * math.Pi * bvEnvCorner / float64(fs))
	return b
}

// History is how many samples before center Analyze reads (at most).
func (b *BandVoicing) History() int {
	return b.win + b.maxLag + 2 + 2*b.half - b.lookahead
}

// Lookahead is how many samples at and after center Analyze reads: one hop.
func (b *BandVoicing) Lookahead() int { return b.lookahead }

// Analyze writes the voicing strength in [0, 1] of each band at the instant
// center of buf for pitch f0 (Hz; clamped to [MinF0, MaxF0]). When f0 <= 0
// every band is 0. buf[center-History() : center+Lookahead()] must be valid.
func (b *BandVoicing) Analyze(dst *[NumVoicingBands]float32, buf []float32, center int, f0 float64) {
	b.analyze(dst[:], buf, center, f0)
}

// setStream makes b keep its filtered bands between calls: the caller
// promises to call shift before each call with how far its buffer has moved
// since the previous one (the Analyzer's buffer moves one hop per push).
func (b *BandVoicing) setStream() { b.stream = true }

// shift records that the caller's buffer moved k samples (stream mode).
func (b *BandVoicing) shift(k int) { b.bandY.shift(k) }

// reset forgets the filtered bands kept in stream mode.
func (b *BandVoicing) reset() { b.bandY.reset() }

// analyze is Analyze for any number of bands (len(dst) of them).
func (b *BandVoicing) analyze(dst []float32, buf []float32, center int, f0 float64) {
	if !b.stream {
		b.reset() // buf may be any buffer: filter all of it
	}
	if !(f0 > 0) {
		clear(dst)
		return
	}
	f0 = min(max(f0, MinF0), MaxF0)
	lag := float64(b.fs) / f0
	l0 := int(math.Round(lag))
	n := b.win + l0 + 2 // span: window plus lagged copy with ±1 search margin
	end := center + b.lookahead - b.half
	b.ys = b.bandY.filter(buf, end, n)
	// The envelope smoothing is one recursion per band, each sample
	// waiting on the last: three bands' recursions run side by side, each
	// computed exactly as alone.
	p := b.envPole
	e := 0 // envelope buffers used
	for band := 0; band < b.bands; {
		if b.edges[band] < bvEnvFrom {
			band++
			continue
		}
		if band+3 <= b.bands && b.edges[band+2] >= bvEnvFrom && e+3 <= len(b.env) {
			y0, y1, y2 := b.ys[band], b.ys[band+1][:len(b.ys[band])], b.ys[band+2][:len(b.ys[band])]
			env0, env1, env2 := b.env[e][:n], b.env[e+1][:n], b.env[e+2][:n]
			s0, s1, s2 := math.Abs(y0[0]), math.Abs(y1[0]), math.Abs(y2[0])
			for i, u := range y0 {
				s0 = p*s0 + (1-p)*math.Abs(u)
				s1 = p*s1 + (1-p)*math.Abs(y1[i])
				s2 = p*s2 + (1-p)*math.Abs(y2[i])
				env0[i], env1[i], env2[i] = s0, s1, s2
			}
			band, e = band+3, e+3
			continue
		}
		y := b.ys[band]
		env := b.env[e][:n]
		s := math.Abs(y[0])
		for i, u := range y {
			s = p*s + (1-p)*math.Abs(u)
			env[i] = s
		}
		band, e = band+1, e+1
	}
	e = 0
	for band, y := range b.ys {
		v := bvBestCorr(y, b.win, l0, false)
		if b.edges[band] >= bvEnvFrom {
			v = max(v, bvBestCorr(b.env[e][:n], b.win, l0, true)-bvEnvBias)
			e++
		}
		dst[band] = float32(min(max(v, 0), 1))
	}
}

// bvBestCorr is the largest normalised correlation between the last w
// samples of y and the same samples lag l0-1, l0 or l0+1 earlier, refined by
// a parabola through the three. With demean, each segment's mean is removed
// first (for envelopes, which are positive).
func bvBestCorr(y []float64, w, l0 int, demean bool) float64 {
	r := bvCorr3(y, w, l0-1, demean)
	best := max(r[0], r[1], r[2])
	den := r[0] - 2*r[1] + r[2]
	if r[1] >= r[0] && r[1] >= r[2] && den < 0 {
		d := 0.5 * (r[0] - r[2]) / den
		best = r[1] - 0.25*(r[0]-r[2])*d
	}
	return min(best, 1)
}

// bvCorr3 returns the normalised correlations of the last w samples of y
// with the w samples lag, lag+1 and lag+2 earlier, in one pass. The three
// lagged windows are one window sliding by a sample, so only the first's
// energy is summed and the others follow by removing its newest sample and
// adding an older one; with demean, the means are removed algebraically
// (Σ(a−ā)(c−c̄) = Σac − w·ā·c̄) from the same sums, instead of a pass
// computing the means and a pass over the demeaned samples. That is 5
// products per sample instead of 7 (plus 8 additions and subtractions with
// demean): not bit for bit the separate sums, but within 1e-12 of them
// (TestBvCorr3MatchesOneLag).
func bvCorr3(y []float64, w, lag int, demean bool) [3]float64 {
	n := len(y)
	a := y[n-w:]
	s := y[n-w-lag-2 : n-lag] // lag+2, lag+1, lag: s[i], s[i+1], s[i+2]
	c0 := s[2:][:len(a)]
	c1 := s[1:][:len(a)]
	c2 := s[:len(a)]
	var ea, xy0, xy1, xy2, e0, sa, s0 float64
	if demean {
		for i, v := range a {
			u := c0[i]
			ea += v * v
			xy0 += v * u
			xy1 += v * c1[i]
			xy2 += v * c2[i]
			e0 += u * u
			sa += v
			s0 += u
		}
	} else {
		for i, v := range a {
			u := c0[i]
			ea += v * v
			xy0 += v * u
			xy1 += v * c1[i]
			xy2 += v * c2[i]
			e0 += u * u
		}
	}
	last, prev := s[w+1], s[w] // the newest samples of lags lag and lag+1
	e1 := e0 - last*last + s[1]*s[1]
	e2 := e1 - prev*prev + s[0]*s[0]
	if demean {
		s1 := s0 - last + s[1]
		s2 := s1 - prev + s[0]
		fw := float64(w)
		ma, m0, m1, m2 := sa/fw, s0/fw, s1/fw, s2/fw
		ea -= fw * ma * ma
		xy0 -= fw * ma * m0
		xy1 -= fw * ma * m1
		xy2 -= fw * ma * m2
		e0 -= fw * m0 * m0
		e1 -= fw * m1 * m1
		e2 -= fw * m2 * m2
	}
	// An energy left below 0 by the subtractions' rounding is 0.
	ea, e0, e1, e2 = max(ea, 0), max(e0, 0), max(e1, 0), max(e2, 0)
	return [3]float64{bvNorm(xy0, ea, e0), bvNorm(xy1, ea, e1), bvNorm(xy2, ea, e2)}
}

// bvNorm is the normalised correlation for cross term xy and energies ea, ec.
func bvNorm(xy, ea, ec float64) float64 {
	d := ea * ec
	if d <= 1e-20 {
		return 0
	}
	return xy / math.Sqrt(d)
}
