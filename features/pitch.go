package features

import "math"

// Pitch search range. MinF0 reaches below typical male speech so that creaky
// voice (60–70 Hz) is still tracked; MaxF0 covers children's voices (up to
// about 450 Hz) with a margin. Lags outside the range are never considered,
// so a 250 Hz child voice cannot be reported at its sub-harmonic 125 Hz just
// because the lag is available, and octave errors stay within the range.
const (
	MinF0 = 50.0
	MaxF0 = 500.0
)

// Tuning of the real-time pitch tracker. The values were chosen by running
// the tracker over the held-out corpus (99 files, 73k frames) against an
// offline pYIN-style tracker (40 ms centred windows, whole-utterance
// Viterbi): 0.8 % gross F0 errors, 24 cents RMS on the rest, 8.7 % of
// frames with a different voicing decision.
const (
	ptDecimatedRate = 4000 // rate of the coarse lag search
	ptCutoff        = 1200 // low-pass corner before decimation, Hz
	ptWindowMs      = 30   // correlation window length
	ptMaxCands      = 8    // candidates kept per frame
	ptCandFloor     = 0.2  // coarse correlation a peak needs to be a candidate
	ptLagWeight     = 0.3  // RAPT-style bias towards short lags (against halving)
	ptTransWeight   = 1.0  // cost per octave of F0 change between frames
	ptMemory        = 0.85 // how much of the past path cost carries over
	ptPriorWeight   = 0.4  // cost per octave beyond ptPriorSpan from the speaker's F0
	ptPriorSpan     = 0.6  // octaves around the speaker's F0 that cost nothing
	ptSubMargin     = 0.15 // divisor lag correlating within this of a lag is preferred
	ptSubWeight     = 0.5  // cost of a lag whose divisor correlates as well
	ptVoicedOn      = 0.88 // periodicity that starts a voiced run
	ptVoicedOff     = 0.72 // periodicity below which a voiced run ends
	ptLowWeight     = 0.3  // weight of the low-band energy share in the voicing score
	ptGapFrames     = 4    // unvoiced frames after which the path restarts
	ptRelGateDB     = 30.0 // frames this far below the recent peak are unvoiced
	ptPeakDecay     = 0.98 // per-frame decay of that peak (about 9 dB/s)
	ptAbsFloor      = 1e-8 // mean square (full scale 1) below which frames are silent
)

// ptCand is one pitch hypothesis of a frame.
type ptCand struct {
	lag  float64 // period in input samples
	r    float64 // normalised cross-correlation at lag
	logf float64 // log2 of F0
}

// PitchTracker estimates F0 and periodicity one analysis instant at a time
// with at most one hop (10 ms) of lookahead.
//
// Each call low-passes the span it needs (ptCutoff Hz, linear-phase FIR),
// finds peaks of the normalised cross-correlation on a 4 kHz decimated copy,
// refines every peak on the full-rate filtered signal and then picks among
// them with a causal Viterbi recursion: the path cost carries a cost on log-F0
// jumps, a bias towards short lags and a soft prior around the speaker's
// running F0, so the choice is the candidate that best continues the recent
// path. No decision is delayed: frame k is final when Next returns. Voicing
// is the best correlation with hysteresis, gated by energy.
//
// It allocates only in its constructor and is not safe for concurrent use.
type PitchTracker struct {
	fs        int
	lookahead int // samples read past center
	dec       int // decimation factor of the coarse search
	half      int // half length of the low-pass FIR
	lp        []float32
	win       int // correlation window, input samples (multiple of dec)
	minLag    int
	maxLag    int
	history   int

	y     []float64 // filtered span, full rate, mean removed
	yd    []float64 // decimated span
	rd    []float64 // coarse correlation per decimated lag
	rs    []float64 // full-rate correlations around one candidate
	xyd   []float64 // coarse cross terms per decimated lag
	cands [ptMaxCands + 1]ptCand
	cost  [ptMaxCands + 1]float64
	prev  [ptMaxCands + 1]ptCand
	pcost [ptMaxCands + 1]float64
	nprev int

	raw    firCache // the filtered span before the mean is removed
	stream bool     // see setStream
	// The last frame's candidates and their local costs, for the offline
	// path search (n is 0 when the frame had none or was gated silent).
	local [ptMaxCands + 1]float64
	n     int

	voiced    bool
	unvoicedN int
	peak      float64 // recent peak of window energy
	spkLogF   float64 // running log2 F0 of confident voiced frames
	spkN      int
}

// NewPitchTracker plans a tracker for the given sample rate (16000 in this
// codec; other rates at least 8000 work with the same timing in seconds).
func NewPitchTracker(sampleRate int) *PitchTracker {
	fs := sampleRate
	t := &PitchTracker{fs: fs, lookahead: fs / 100}
	t.dec = max(1, fs/ptDecimatedRate)
	t.half = max(4*t.dec, 8) // 33 taps at 16 kHz
	t.lp = ptLowpass(2*t.half+1, ptCutoff/float64(fs))
	t.win = (fs * ptWindowMs / 1000) / t.dec * t.dec
	t.minLag = int(math.Floor(float64(fs) / MaxF0))
	t.maxLag = int(math.Ceil(float64(fs) / MinF0))
	// Filtered samples are valid up to center+lookahead-1-half. The window
	// ends there and the lagged copy reaches maxLag plus a refinement margin
	// (dec+1) further back.
	span := t.win + t.maxLag + t.dec + 2
	t.history = span + 2*t.half - t.lookahead
	t.y = make([]float64, span)
	t.raw = newFIRCache(span)
	nd := t.win/t.dec + t.maxLag/t.dec + 2
	t.yd = make([]float64, nd)
	t.rd = make([]float64, t.maxLag/t.dec+2)
	t.rs = make([]float64, 2*t.dec+3)
	t.xyd = make([]float64, len(t.rd))
	t.Reset()
	return t
}

// History is how many samples before center Next reads: the correlation
// window (30 ms), the longest lag (1/MinF0 = 20 ms), a refinement margin and
// the low-pass filter length, minus the lookahead the window already
// extends into. At 16 kHz it is 678 samples.
func (t *PitchTracker) History() int { return t.history }

// Lookahead is how many samples at and after center Next reads: one hop,
// 160 samples (10 ms) at 16 kHz: the last input sample read is
// buf[center+159]. Because the low-pass filter is centred, the correlation
// window itself ends half a filter length (16 samples) earlier, so at 16 kHz
// it covers [center-336, center+144), centred 6 ms before the instant.
func (t *PitchTracker) Lookahead() int { return t.lookahead }

// Reset forgets the pitch path, the voicing state and the level and speaker
// statistics.
func (t *PitchTracker) Reset() {
	t.nprev = 0
	t.voiced = false
	t.unvoicedN = ptGapFrames
	t.peak = 0
	t.spkLogF = 0
	t.spkN = 0
	t.raw.reset()
}

// setStream makes t keep its filtered span between calls: the caller
// promises to call shift before each call with how far its buffer has moved
// since the previous one (the Analyzer's buffer moves one hop per push).
func (t *PitchTracker) setStream() { t.stream = true }

// shift records that the caller's buffer moved k samples (stream mode).
func (t *PitchTracker) shift(k int) { t.raw.shift(k) }

// Next analyses the instant at index center of buf and returns F0 in Hz
// (0 when unvoiced) and the periodicity in [0, 1] (the best normalised
// correlation, meaningful also for unvoiced frames). buf[center-History() :
// center+Lookahead()] must be valid. Calls are expected one hop apart:
// the tracker's path and voicing hysteresis assume consecutive frames.
func (t *PitchTracker) Next(buf []float32, center int) (f0, periodicity float64) {
	end := center + t.lookahead - t.half // exclusive end of the filtered span
	energy, raw := t.filter(buf, end)
	t.candidates(energy)

	// Periodicity: the best correlation among the candidates.
	n := 0
	best := 0.0
	for i := range t.cands[:ptMaxCands+1] {
		if t.cands[i].lag == 0 {
			break
		}
		n++
		best = max(best, t.cands[i].r)
	}
	periodicity = min(max(best, 0), 1)

	// Energy gate.
	ms := energy / float64(t.win)
	t.peak = max(t.peak*ptPeakDecay, ms)
	loud := ms > ptAbsFloor && ms > t.peak*math.Pow(10, -ptRelGateDB/10)

	th := ptVoicedOn
	if t.voiced {
		th = ptVoicedOff
	}
	// Voiced sounds keep most of their energy below the low-pass corner;
	// noise that happens to correlate after low-passing does not.
	score := periodicity
	if raw > 0 {
		score += ptLowWeight * (min(energy/raw, 1) - 0.5)
	}
	voiced := loud && n > 0 && score > th

	t.n = 0
	if n == 0 || !loud {
		t.voiced = false
		t.unvoicedN++
		t.nprev = 0
		return 0, periodicity
	}
	if !voiced {
		t.unvoicedN++
		if t.unvoicedN >= ptGapFrames {
			t.nprev = 0
		}
	}

	// Causal Viterbi step over the candidates.
	jbest := 0
	for j := 0; j < n; j++ {
		c := &t.cands[j]
		local := 1 - c.r*(1-ptLagWeight*c.lag/float64(t.maxLag))
		// Sub-multiple check: if a divisor of this lag correlates almost as
		// well, the true period is that divisor (F0 halving otherwise).
		if sub := t.subCorr(c.lag); sub > c.r-ptSubMargin {
			local += ptSubWeight * min((sub-(c.r-ptSubMargin))/ptSubMargin, 1)
		}
		if t.spkN > 20 {
			d := math.Abs(c.logf-t.spkLogF) - ptPriorSpan
			if d > 0 {
				local += ptPriorWeight * d
			}
		}
		acc := 0.0
		if t.nprev > 0 {
			acc = math.Inf(1)
			for i := 0; i < t.nprev; i++ {
				v := ptMemory*t.pcost[i] + ptTransWeight*math.Abs(c.logf-t.prev[i].logf)
				acc = min(acc, v)
			}
		}
		t.local[j] = local
		t.cost[j] = local + acc
		if t.cost[j] < t.cost[jbest] {
			jbest = j
		}
	}
	m := t.cost[jbest]
	for j := 0; j < n; j++ {
		t.prev[j] = t.cands[j]
		t.pcost[j] = t.cost[j] - m
	}
	t.nprev = n
	t.n = n
	chosen := t.cands[jbest]

	t.voiced = voiced
	if !voiced {
		return 0, periodicity
	}
	t.unvoicedN = 0
	if chosen.r > 0.8 {
		// Robust running mean of the speaker's log F0: steps are clipped so
		// that an occasional octave error barely moves it.
		if t.spkN == 0 {
			t.spkLogF = chosen.logf
		} else {
			d := min(max(chosen.logf-t.spkLogF, -0.25), 0.25)
			t.spkLogF += 0.02 * d
		}
		t.spkN++
	}
	return float64(t.fs) / chosen.lag, periodicity
}

// filter low-passes buf into t.y so that t.y[len-1] is the filtered sample
// at end-1, and fills the decimated copy t.yd ending at the same sample.
// The span's mean is removed. It returns the energies of the correlation
// window (the last t.win samples) in t.y and in buf.
//
// Its sums run as four chains of additions (every fourth sample each), not
// one: a single chain waits on each addition's latency.
func (t *PitchTracker) filter(buf []float32, end int) (e0, eraw float64) {
	n := len(t.y)
	if !t.stream {
		t.raw.reset() // buf may be any buffer: filter all of it
	}
	raw := t.raw.filter(buf, end, n, t.lp)[:n]
	var m0, m1, m2, m3 float64
	i := 0
	for ; i+4 <= n; i += 4 {
		r := (*[4]float64)(raw[i:])
		m0 += r[0]
		m1 += r[1]
		m2 += r[2]
		m3 += r[3]
	}
	for ; i < n; i++ {
		m0 += raw[i]
	}
	mean := ((m0 + m1) + (m2 + m3)) / float64(n)
	var q0, q1, q2, q3 float64
	bw := buf[end-t.win : end]
	i = 0
	for ; i+4 <= len(bw); i += 4 {
		b := (*[4]float32)(bw[i:])
		u0, u1, u2, u3 := float64(b[0]), float64(b[1]), float64(b[2]), float64(b[3])
		q0 += u0 * u0
		q1 += u1 * u1
		q2 += u2 * u2
		q3 += u3 * u3
	}
	for ; i < len(bw); i++ {
		u := float64(bw[i])
		q0 += u * u
	}
	eraw = (q0 + q1) + (q2 + q3)
	y := t.y[:n]
	k := n - t.win // the window is y[k:]
	for i, v := range raw[:k] {
		y[i] = v - mean
	}
	q0, q1, q2, q3 = 0, 0, 0, 0
	i = k
	for ; i+4 <= n; i += 4 {
		r := (*[4]float64)(raw[i:])
		d := (*[4]float64)(y[i:])
		d0, d1, d2, d3 := r[0]-mean, r[1]-mean, r[2]-mean, r[3]-mean
		d[0], d[1], d[2], d[3] = d0, d1, d2, d3
		q0 += d0 * d0
		q1 += d1 * d1
		q2 += d2 * d2
		q3 += d3 * d3
	}
	for ; i < n; i++ {
		d := raw[i] - mean
		y[i] = d
		q0 += d * d
	}
	e0 = (q0 + q1) + (q2 + q3)
	nd := len(t.yd)
	for j := 0; j < nd; j++ {
		t.yd[nd-1-j] = t.y[n-1-j*t.dec]
	}
	return e0, eraw
}

// ptNCCF is the normalised cross-correlation of the last w samples of y
// with the same samples lag earlier. e0 is the energy of the last w samples.
func ptNCCF(y []float64, w, lag int, e0 float64) float64 {
	n := len(y)
	a := y[n-w:]
	b := y[n-w-lag : n-lag]
	var xy, e1 float64
	for i, v := range a {
		u := b[i]
		xy += v * u
		e1 += u * u
	}
	return ptNorm(xy, e0, e1)
}

// ptNorm is the normalised correlation for cross term xy and energies e0, e1.
func ptNorm(xy, e0, e1 float64) float64 {
	d := e0 * e1
	if d <= 1e-20 {
		return 0
	}
	return xy / math.Sqrt(d)
}

// ptCrossRange writes into xy[i] the cross term Σ_j a_j·y[n-w-lag+j] of the
// last w samples a of y with the window lag = lo+i samples earlier, six
// lags per pass, each summed in order (as one lag at a time, bit for bit).
// (Six chains and their six products fit in the registers; one load of a
// serves six lags where four took a third more loads per lag.)
//
// In a GOEXPERIMENT=simd build, ptCrossRangeSIMD takes sixteen lags per
// pass first, with the same sums.
func ptCrossRange(xy, y []float64, w, lo int) {
	n := len(y)
	a := y[n-w:]
	i := ptCrossRangeSIMD(xy, y, w, lo)
	for ; i+6 <= len(xy); i += 6 {
		lag := lo + i
		b0 := y[n-w-lag : n-lag][:len(a)]
		b1 := y[n-w-lag-1 : n-lag-1][:len(a)]
		b2 := y[n-w-lag-2 : n-lag-2][:len(a)]
		b3 := y[n-w-lag-3 : n-lag-3][:len(a)]
		b4 := y[n-w-lag-4 : n-lag-4][:len(a)]
		b5 := y[n-w-lag-5 : n-lag-5][:len(a)]
		var s0, s1, s2, s3, s4, s5 float64
		for j, v := range a {
			s0 += v * b0[j]
			s1 += v * b1[j]
			s2 += v * b2[j]
			s3 += v * b3[j]
			s4 += v * b4[j]
			s5 += v * b5[j]
		}
		xy[i], xy[i+1], xy[i+2], xy[i+3], xy[i+4], xy[i+5] = s0, s1, s2, s3, s4, s5
	}
	for ; i+3 <= len(xy); i += 3 {
		lag := lo + i
		b0 := y[n-w-lag : n-lag][:len(a)]
		b1 := y[n-w-lag-1 : n-lag-1][:len(a)]
		b2 := y[n-w-lag-2 : n-lag-2][:len(a)]
		var s0, s1, s2 float64
		for j, v := range a {
			s0 += v * b0[j]
			s1 += v * b1[j]
			s2 += v * b2[j]
		}
		xy[i], xy[i+1], xy[i+2] = s0, s1, s2
	}
	for ; i < len(xy); i++ {
		lag := lo + i
		b := y[n-w-lag : n-lag][:len(a)]
		var s float64
		for j, v := range a {
			s += v * b[j]
		}
		xy[i] = s
	}
}

// ptNCCFRange writes ptNCCF(y, w, lo+i, e0) into r[i] for every i. Three
// lags are correlated in one pass over the window: each lag's sums still
// run over the samples in the same order, so the values are bit for bit
// ptNCCF's, but six independent chains of additions replace two.
//
// In a GOEXPERIMENT=simd build, ptNCCFRangeSIMD correlates eight lags per
// pass first, with the same sums.
func ptNCCFRange(r, y []float64, w, lo int, e0 float64) {
	n := len(y)
	a := y[n-w:]
	i := ptNCCFRangeSIMD(r, y, w, lo, e0)
	// (Four lags per pass spilled four values to the stack per sample;
	// three fit in the registers.)
	for ; i+3 <= len(r); i += 3 {
		lag := lo + i
		// b_k[i] = y[n-w-lag-k+i]: the window lag+k samples earlier
		b0 := y[n-w-lag : n-lag][:len(a)]
		b1 := y[n-w-lag-1 : n-lag-1][:len(a)]
		b2 := y[n-w-lag-2 : n-lag-2][:len(a)]
		var xy0, xy1, xy2, e10, e11, e12 float64
		for j, v := range a {
			u0, u1, u2 := b0[j], b1[j], b2[j]
			xy0 += v * u0
			e10 += u0 * u0
			xy1 += v * u1
			e11 += u1 * u1
			xy2 += v * u2
			e12 += u2 * u2
		}
		r[i] = ptNorm(xy0, e0, e10)
		r[i+1] = ptNorm(xy1, e0, e11)
		r[i+2] = ptNorm(xy2, e0, e12)
	}
	if i+2 == len(r) {
		// a range of 11 or 8 lags leaves two: one pass of four chains, not two
		// passes of two
		lag := lo + i
		b0 := y[n-w-lag : n-lag][:len(a)]
		b1 := y[n-w-lag-1 : n-lag-1][:len(a)]
		var xy0, xy1, e10, e11 float64
		for j, v := range a {
			u0, u1 := b0[j], b1[j]
			xy0 += v * u0
			e10 += u0 * u0
			xy1 += v * u1
			e11 += u1 * u1
		}
		r[i] = ptNorm(xy0, e0, e10)
		r[i+1] = ptNorm(xy1, e0, e11)
		return
	}
	for ; i < len(r); i++ {
		r[i] = ptNCCF(y, w, lo+i, e0)
	}
}

// ptNCCF5 writes into r[i] the normalised cross-correlation of the last w
// samples of y with the window lo+i samples earlier, for five lags, in one
// pass over the window. The cross terms are ptNCCF's sums bit for bit; of
// the lagged windows' energies only lag lo's is summed (as ptNCCF sums it),
// the other four slide from it one sample at a time, within rounding of
// their own sums: six products per sample instead of ten. (The compiler
// loads and multiplies a whole pass before adding: six chains with their
// six products fit in the registers; the nine lags of a span in one pass,
// ten chains, spilled.)
func ptNCCF5(r *[5]float64, y []float64, w, lo int, e0 float64) {
	n := len(y)
	a := y[n-w:]
	// b_k[j] is the sample lag lo+k earlier than a[j]
	b0 := y[n-w-lo : n-lo][:len(a)]
	b1 := y[n-w-lo-1 : n-lo-1][:len(a)]
	b2 := y[n-w-lo-2 : n-lo-2][:len(a)]
	b3 := y[n-w-lo-3 : n-lo-3][:len(a)]
	b4 := y[n-w-lo-4 : n-lo-4][:len(a)]
	var s0, s1, s2, s3, s4, e float64
	for j, v := range a {
		u := b0[j]
		s0 += v * u
		e += u * u
		s1 += v * b1[j]
		s2 += v * b2[j]
		s3 += v * b3[j]
		s4 += v * b4[j]
	}
	xy := [5]float64{s0, s1, s2, s3, s4} // lag lo+i
	for i := range xy {
		if i > 0 {
			// lag lo+i's window: one sample older, without the newest
			old, nw := y[n-lo-i], y[n-w-lo-i]
			e = max(e+nw*nw-old*old, 0)
		}
		r[i] = ptNorm(xy[i], e0, e)
	}
}

// candidates fills t.cands (terminated by a zero lag) with refined
// correlation peaks; e0 is the full-rate window energy.
func (t *PitchTracker) candidates(e0 float64) {
	for i := range t.cands {
		t.cands[i] = ptCand{}
	}
	if e0 <= 1e-12 {
		return
	}

	// Coarse search on the decimated signal.
	yd := t.yd
	nd := len(yd)
	wd := t.win / t.dec
	a := yd[nd-wd:]
	lo := max(1, t.minLag/t.dec-1)
	hi := min(t.maxLag/t.dec+1, nd-wd)
	// the window's energy and the lagged segment's (updated as the lag
	// grows), each summed in order, side by side
	var ed0, e1 float64
	b := yd[nd-wd-lo : nd-lo][:len(a)]
	for j, v := range a {
		u := b[j]
		ed0 += v * v
		e1 += u * u
	}
	xys := t.xyd[:max(hi-lo+1, 0)]
	ptCrossRange(xys, yd, wd, lo)
	for l := lo; l <= hi; l++ {
		xy := xys[l-lo]
		d := ed0 * e1
		if d > 1e-20 {
			t.rd[l] = xy / math.Sqrt(d)
		} else {
			t.rd[l] = 0
		}
		if l < hi {
			// slide: drop the newest sample, add one older
			old := yd[nd-l-1]
			nw := yd[nd-wd-l-1]
			e1 += nw*nw - old*old
			e1 = max(e1, 0)
		}
	}

	// Local maxima, best first (insertion into a small sorted array).
	nc := 0
	for l := lo + 1; l < hi; l++ {
		r := t.rd[l]
		if r < ptCandFloor || r < t.rd[l-1] || r <= t.rd[l+1] {
			continue
		}
		full := l * t.dec
		if full < t.minLag-t.dec || full > t.maxLag+t.dec {
			continue
		}
		// insertion
		pos := nc
		for pos > 0 && t.cands[pos-1].r < r {
			pos--
		}
		if pos >= ptMaxCands {
			continue
		}
		last := min(nc, ptMaxCands-1)
		for k := last; k > pos; k-- {
			t.cands[k] = t.cands[k-1]
		}
		t.cands[pos] = ptCand{lag: float64(full), r: r}
		if nc < ptMaxCands {
			nc++
		}
	}

	// Refine on the full-rate filtered signal: the best lag within dec of
	// the coarse one, then a parabola through it and its two neighbours.
	// rs[k] is the correlation at lag lo-1+k, computed for lags clo to chi.
	// At 16 kHz the correlation starts at the five lags around the coarse
	// correlation's parabola and climbs from there, a lag at a time, while
	// the best is at the edge of those computed: the full-rate correlation
	// of a signal low-passed at 1200 Hz has one peak within the nine lags,
	// so the climb finds the best of them (on the test set's 307,315
	// candidates it went 2,015 lags further and the parabola needed 269
	// more neighbours, against 2.8 million lags had it taken all nine).
	for i := 0; i < nc; i++ {
		c := &t.cands[i]
		center := int(c.lag)
		lo := max(center-t.dec, t.minLag)
		hi := min(center+t.dec, t.maxLag)
		rs := t.rs[:max(hi-lo+3, 2)]
		clo, chi := lo, hi
		if hi-lo+1 == 9 {
			l := center / t.dec // a local maximum of t.rd: rd[l±1] are set
			m := center
			rm, r0, rp := t.rd[l-1], t.rd[l], t.rd[l+1]
			if den := rm - 2*r0 + rp; den < 0 {
				d := min(max(0.5*(rm-rp)/den, -0.5), 0.5)
				m += int(math.Round(d * float64(t.dec)))
			}
			clo, chi = m-2, m+2
			ptNCCF5((*[5]float64)(rs[clo-lo+1:]), t.y, t.win, clo, e0)
		} else {
			ptNCCFRange(rs[1:len(rs)-1], t.y, t.win, lo, e0)
		}
		bl, br := 0, math.Inf(-1)
		for lag := clo; lag <= chi; lag++ {
			r := rs[lag-lo+1]
			if r > br {
				bl, br = lag, r
			}
		}
		for bl == clo && clo > lo {
			clo--
			rs[clo-lo+1] = ptNCCF(t.y, t.win, clo, e0)
			if r := rs[clo-lo+1]; r >= br {
				bl, br = clo, r
			}
		}
		for bl == chi && chi < hi {
			chi++
			rs[chi-lo+1] = ptNCCF(t.y, t.win, chi, e0)
			if r := rs[chi-lo+1]; r > br {
				bl, br = chi, r
			}
		}
		if bl <= t.minLag || bl >= t.maxLag {
			// The correlation still rises at the edge of the range: not a
			// peak (typically the slope towards lag 0 of a low-pitched
			// signal's strong low harmonics).
			c.r = -1
			continue
		}
		lag := float64(bl)
		{
			// minLag < bl < maxLag, so both neighbours are in the range
			if bl == clo {
				rs[bl-lo] = ptNCCF(t.y, t.win, bl-1, e0)
			}
			if bl == chi {
				rs[bl-lo+2] = ptNCCF(t.y, t.win, bl+1, e0)
			}
			rm, rp := rs[bl-lo], rs[bl-lo+2]
			den := rm - 2*br + rp
			if den < 0 {
				d := 0.5 * (rm - rp) / den
				d = min(max(d, -0.5), 0.5)
				lag += d
				br -= 0.25 * (rm - rp) * d
			}
		}
		c.lag = lag
		c.r = min(br, 1)
		c.logf = math.Log2(float64(t.fs) / lag)
	}
	// Drop candidates that failed refinement or collapsed onto another.
	k := 0
	for i := 0; i < nc; i++ {
		c := t.cands[i]
		if c.r <= 0 {
			continue
		}
		dup := false
		for j := 0; j < k; j++ {
			if math.Abs(t.cands[j].lag-c.lag) < 1 {
				dup = true
				break
			}
		}
		if !dup {
			t.cands[k] = c
			k++
		}
	}
	for i := k; i < len(t.cands); i++ {
		t.cands[i] = ptCand{}
	}
}

// subCorr is the best coarse correlation at lag/2, lag/3 and lag/4 (each
// searched over the neighbouring decimated lags) within the F0 range.
func (t *PitchTracker) subCorr(lag float64) float64 {
	best := -1.0
	lo := t.minLag / t.dec
	for k := 2; k <= 4; k++ {
		l := lag / float64(k*t.dec)
		if l*float64(t.dec) < float64(t.minLag)*0.97 {
			break
		}
		i := int(math.Round(l))
		for j := max(i-1, lo); j <= i+1; j++ {
			best = max(best, t.rd[j])
		}
	}
	return best
}

// ptLowpass designs a Hamming-windowed sinc low-pass FIR of n (odd) taps with
// corner fc in cycles per sample and unit gain at DC.
func ptLowpass(n int, fc float64) []float32 {
	h := make([]float64, n)
	m := n / 2
	sum := 0.0
	for i := range h {
		k := float64(i - m)
		v := 2 * fc
		if k != 0 {
			v = math.Sin(2*math.Pi*fc*k) / (math.Pi * k)
		}
		v *= 0.54 - 0.46*math.Cos(2*math.Pi*float64(i)/float64(n-1))
		h[i] = v
		sum += v
	}
	out := make([]float32, n)
	for i := range h {
		out[i] = float32(h[i] / sum)
	}
	return out
}
