package metrics

import (
	"fmt"
	"math"
)

// YIN pitch tracker settings. The tracker is the project's independent judge
// of pitch: it shares no code with the codec's own estimator.
const (
	YINMinHz        = 60.0  // lowest F0 searched
	YINMaxHz        = 400.0 // highest F0 searched
	YINHopSeconds   = 0.010 // one estimate every 10 ms
	YINWindowSecond = 0.025 // integration window of the difference function
	// YINThreshold is the absolute threshold on the cumulative mean
	// normalised difference (the aperiodicity): a frame is voiced when some
	// lag in range dips below it.
	YINThreshold = 0.15
	// YINSilenceDBFS gates out frames whose RMS is below this level, where
	// the normalised difference is dominated by dither and rounding.
	YINSilenceDBFS = -60.0
)

// YIN tracks the fundamental frequency of x (de Cheveigné & Kawahara, JASA
// 111(4), 2002) and returns one value in Hz per 10 ms hop, 0 where the frame
// is unvoiced or silent. Frame t analyses the samples from t·hop on (zero
// beyond the end); there are len(x)/hop frames.
//
// It implements the paper's steps 2–6: the difference function over a 25 ms
// window, its cumulative mean normalisation, the absolute threshold
// (YINThreshold; frames with no dip below it are unvoiced), parabolic
// interpolation of the raw difference function around the chosen lag, and
// the "best local estimate": a voiced frame whose neighbour within ±10 ms is
// more periodic and disagrees by more than 20 % is re-estimated near that
// neighbour's period, which removes most octave errors. It returns nil when
// fs is too low for the 60–400 Hz range (below 800 Hz).
func YIN(x []float32, fs int) []float64 {
	y := newYINTracker(fs)
	if y == nil {
		return nil
	}
	n := len(x) / y.hop
	f0 := make([]float64, n)
	period := make([]float64, n)
	aper := make([]float64, n)
	for t := range f0 {
		period[t], aper[t] = y.frame(x, t*y.hop, 0, 0)
	}
	// Step 6: best local estimate.
	for t := range f0 {
		if period[t] == 0 {
			continue
		}
		best := t
		for u := max(0, t-1); u <= min(n-1, t+1); u++ {
			if period[u] > 0 && aper[u] < aper[best] {
				best = u
			}
		}
		p := period[t]
		if best != t && math.Abs(period[best]-p) > 0.2*period[best] {
			if q, _ := y.frame(x, t*y.hop, 0.8*period[best], 1.2*period[best]); q > 0 {
				p = q
			}
		}
		f0[t] = float64(fs) / p
	}
	return f0
}

type yinTracker struct {
	fs, hop, win, tauMin, tauMax int
	silence                      float64 // energy gate over the window
	block, d, dn                 []float64
}

func newYINTracker(fs int) *yinTracker {
	if fs < 800 {
		return nil
	}
	y := &yinTracker{
		fs:     fs,
		hop:    max(1, int(math.Round(YINHopSeconds*float64(fs)))),
		tauMin: int(math.Floor(float64(fs) / YINMaxHz)),
		tauMax: int(math.Ceil(float64(fs) / YINMinHz)),
	}
	y.win = max(int(math.Round(YINWindowSecond*float64(fs))), y.tauMax)
	y.silence = float64(y.win) * math.Pow(10, YINSilenceDBFS/10)
	y.block = make([]float64, y.win+y.tauMax+2)
	y.d = make([]float64, y.tauMax+2)
	y.dn = make([]float64, y.tauMax+2)
	return y
}

// frame estimates the period (in samples, fractional) and aperiodicity of
// the frame starting at x[start]. With lo < hi it does not apply the
// threshold but takes the lag of least normalised difference in [lo, hi]
// (the re-estimation of step 6). period 0 means unvoiced.
func (y *yinTracker) frame(x []float32, start int, lo, hi float64) (period, aperiodicity float64) {
	b := y.block
	for i := range b {
		if j := start + i; j < len(x) {
			b[i] = float64(x[j])
		} else {
			b[i] = 0
		}
	}
	var e float64
	for _, v := range b[:y.win] {
		e += v * v
	}
	if e < y.silence {
		return 0, 1
	}
	// Step 2: difference function; step 3: cumulative mean normalisation.
	last := y.tauMax + 1
	y.dn[0] = 1
	var cum float64
	for tau := 1; tau <= last; tau++ {
		var s float64
		for j, v := range b[:y.win] {
			u := v - b[j+tau]
			s += u * u
		}
		y.d[tau] = s
		cum += s
		if cum > 0 {
			y.dn[tau] = s * float64(tau) / cum
		} else {
			y.dn[tau] = 1
		}
	}
	tau := 0
	if lo < hi {
		l := max(y.tauMin, int(math.Floor(lo)))
		h := min(y.tauMax, int(math.Ceil(hi)))
		for k := l; k <= h; k++ {
			if tau == 0 || y.dn[k] < y.dn[tau] {
				tau = k
			}
		}
		if tau == 0 {
			return 0, 1
		}
	} else {
		// Step 4: first dip below the absolute threshold, followed down to
		// its local minimum.
		for k := y.tauMin; k <= y.tauMax; k++ {
			if y.dn[k] < YINThreshold {
				for k+1 <= y.tauMax && y.dn[k+1] < y.dn[k] {
					k++
				}
				tau = k
				break
			}
		}
		if tau == 0 {
			return 0, 1
		}
	}
	// Step 5: parabolic interpolation of the raw difference function.
	p := float64(tau)
	if tau > 1 && tau < last {
		a, c, m := y.d[tau-1], y.d[tau+1], y.d[tau]
		if den := a - 2*m + c; den > 0 {
			off := 0.5 * (a - c) / den
			if math.Abs(off) <= 1 {
				p += off
			}
		}
	}
	return p, y.dn[tau]
}

// F0RMSE compares the YIN pitch tracks of ref and deg over the frames voiced
// in both and returns the RMS error in cents (1200·log2 of the ratio) and in
// Hz. Gross (octave) errors are included, not excluded, so a codec that
// halves the pitch is charged for it. ErrNoVoicedFrames when no frame is
// voiced in both. ref and deg must be aligned and of equal length.
func F0RMSE(ref, deg []float32, fs int) (cents, hz float64, err error) {
	a, b, err := yinPair(ref, deg, fs)
	if err != nil {
		return 0, 0, err
	}
	var sc, sh float64
	var n int
	for t := range a {
		if a[t] > 0 && b[t] > 0 {
			c := 1200 * math.Log2(b[t]/a[t])
			h := b[t] - a[t]
			sc += c * c
			sh += h * h
			n++
		}
	}
	if n == 0 {
		return 0, 0, ErrNoVoicedFrames
	}
	return math.Sqrt(sc / float64(n)), math.Sqrt(sh / float64(n)), nil
}

// VoicingError returns the fraction of 10 ms frames whose YIN voiced /
// unvoiced decision differs between ref and deg (silent frames count as
// unvoiced). ref and deg must be aligned and of equal length.
func VoicingError(ref, deg []float32, fs int) (float64, error) {
	a, b, err := yinPair(ref, deg, fs)
	if err != nil {
		return 0, err
	}
	var diff int
	for t := range a {
		if (a[t] > 0) != (b[t] > 0) {
			diff++
		}
	}
	return float64(diff) / float64(len(a)), nil
}

func yinPair(ref, deg []float32, fs int) (a, b []float64, err error) {
	if err := checkPair(ref, deg, fs); err != nil {
		return nil, nil, err
	}
	if fs < 800 {
		return nil, nil, fmt.Errorf("%w: %d Hz is too low for YIN's %g–%g Hz range", ErrSampleRate, fs, YINMinHz, YINMaxHz)
	}
	a, b = YIN(ref, fs), YIN(deg, fs)
	if len(a) == 0 {
		return nil, nil, fmt.Errorf("%w: %d samples, need one %g s hop", ErrTooShort, len(ref), YINHopSeconds)
	}
	return a, b, nil
}
