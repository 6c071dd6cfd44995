// Package resample converts mono float32 audio between sample rates with a
// Kaiser-windowed sinc low-pass: Resampler for streams (sound cards, file
// readers: any chunk size, no allocation per call), All for a whole signal.
// Everything that turns audio of another rate into the codec's 16 kHz goes
// through it.
package resample

import (
	"errors"
	"fmt"
	"math"

	"github.com/vqspeak/vqspeak/internal/kaiser"
)

// Resampler design constants. The low-pass filter's transition band runs
// from 0.90 to 1.00 of the lower Nyquist frequency (centre 0.95), so
// nothing above the lower Nyquist survives by more than -stopbandDB and a
// 16 kHz output keeps 0-7.2 kHz flat.
const (
	stopbandDB   = 90.0   // Kaiser design attenuation (the brief asks >= 80 dB)
	cutoff       = 0.95   // centre of the transition band, fraction of the lower Nyquist
	transition   = 0.10   // transition width, fraction of the lower Nyquist
	maxPhases    = 1024   // above this many polyphase branches, interpolate a fine table
	interpPhases = 512    // fine-table resolution per input sample in interpolated mode
	chunk        = 4096   // input samples buffered per step
	maxRate      = 384000 // highest rate accepted
)

// ErrRate is returned (wrapped) for a sample rate outside 1..384000 Hz.
var ErrRate = errors.New("resample: sample rate out of range 1 to 384000 Hz")

// Resampler converts a stream between two sample rates with a Kaiser-windowed
// sinc low-pass (stopband >= 80 dB, cutoff 0.95 of the lower Nyquist). The
// rate ratio is reduced by the gcd to to/from = L/M and the L polyphase
// branches are tabulated in New; for ratios with more than
// maxPhases branches a finer table is linearly interpolated instead.
//
// Output sample n is the signal at input time n*from/to (no index offset):
// the filter's look-ahead shows up as Delay, the number of output samples
// held back until enough input has arrived. A Resampler is not safe for
// concurrent use.
type Resampler struct {
	from, to int
	identity bool
	l, m     int // to/g, from/g
	mDiv     int64
	mRem     int
	half     int // D: the kernel spans input times (-D, D] around each output
	taps     int // 2D
	fcn      float64
	beta     float64
	interp   bool
	table    []float32 // exact: l*taps, branch-major; interp: taps*interpPhases+2
	coef     []float32 // interp mode: coefficients of the current output
	buf      []float32 // input history; buf[0] is input index bufStart
	bufStart int64
	skip     int64 // input samples to drop before buffering (heavy decimation)
	i        int64 // integer input position of the next output
	phase    int   // branch of the next output: its time is i + phase/l
	nIn      int64 // input samples consumed since Reset
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// design returns the half-width D (input samples), normalised cutoff
// (cycles per input sample) and Kaiser beta for a rate pair.
func design(from, to int) (half int, fcn, beta float64) {
	low := float64(min(from, to))
	fcn = cutoff * low / 2 / float64(from)
	dw := 2 * math.Pi * transition * low / 2 / float64(from) // transition width, rad/sample
	n := (stopbandDB - 7.95) / (2.285 * dw)
	half = int(math.Ceil(n / 2))
	beta = 0.1102 * (stopbandDB - 8.7)
	return half, fcn, beta
}

// kernel is the windowed sinc evaluated at t input samples from the
// output time.
func kernel(t float64, half int, fcn, beta, i0beta float64) float64 {
	d := float64(half)
	if t <= -d || t >= d {
		return 0
	}
	x := 2 * fcn * t
	s := 2 * fcn
	if x != 0 {
		s *= math.Sin(math.Pi*x) / (math.Pi * x)
	}
	r := t / d
	return s * kaiser.I0(beta*math.Sqrt(1-r*r)) / i0beta
}

// New returns a streaming resampler from one rate (Hz) to another.
// All filter tables are built here; Process does not allocate.
func New(from, to int) (*Resampler, error) {
	if from < 1 || from > maxRate || to < 1 || to > maxRate {
		return nil, fmt.Errorf("%w: from %d Hz to %d Hz", ErrRate, from, to)
	}
	r := &Resampler{from: from, to: to}
	if from == to {
		r.identity = true
		return r, nil
	}
	g := gcd(from, to)
	r.l, r.m = to/g, from/g
	r.mDiv, r.mRem = int64(r.m/r.l), r.m%r.l
	r.half, r.fcn, r.beta = design(from, to)
	r.taps = 2 * r.half
	i0b := kaiser.I0(r.beta)
	if r.l <= maxPhases {
		r.table = make([]float32, r.l*r.taps)
		for p := 0; p < r.l; p++ {
			f := float64(p) / float64(r.l)
			row := r.table[p*r.taps : (p+1)*r.taps]
			for k := range row {
				row[k] = float32(kernel(float64(k-r.half+1)-f, r.half, r.fcn, r.beta, i0b))
			}
		}
	} else {
		r.interp = true
		p := interpPhases
		r.table = make([]float32, r.taps*p+2)
		for j := range r.table {
			r.table[j] = float32(kernel(float64(j)/float64(p)-float64(r.half), r.half, r.fcn, r.beta, i0b))
		}
		r.coef = make([]float32, r.taps)
	}
	r.buf = make([]float32, 0, r.taps+chunk)
	r.Reset()
	return r, nil
}

// Reset forgets all input, as if the resampler were new.
func (r *Resampler) Reset() {
	if r.identity {
		return
	}
	// D-1 zeros of history stand for the silence before the stream starts.
	r.buf = r.buf[:r.half-1]
	clear(r.buf)
	r.bufStart = -int64(r.half - 1)
	r.skip, r.i, r.phase, r.nIn = 0, 0, 0, 0
}

// Rates returns the input and output sample rates.
func (r *Resampler) Rates() (from, to int) { return r.from, r.to }

// Delay returns the resampler's latency in output samples: after Process
// has consumed N input samples, about N*to/from - Delay() outputs have been
// emitted. Flush emits the rest.
func (r *Resampler) Delay() float64 {
	if r.identity {
		return 0
	}
	return float64(r.half) * float64(r.to) / float64(r.from)
}

// Process resamples src, appends the outputs that are complete to dst and
// returns the extended slice. State carries over between calls, so a stream
// may be fed in chunks of any size. It does not allocate when dst has room
// for about len(src)*to/from + 1 more samples.
func (r *Resampler) Process(dst, src []float32) []float32 {
	if r.identity {
		return append(dst, src...)
	}
	for len(src) > 0 {
		n := r.push(src, len(src))
		src = src[n:]
		dst = r.emit(dst, math.MaxInt64)
	}
	return dst
}

// Flush appends the outputs still held back (those whose time lies before
// the end of the input, computed with silence after it), then resets the
// resampler for a new stream. After Process of N samples in total and
// Flush, exactly ceil(N*to/from) samples have been emitted.
func (r *Resampler) Flush(dst []float32) []float32 {
	if r.identity {
		return dst
	}
	end := r.nIn
	for r.i < end {
		r.push(nil, chunk)
		dst = r.emit(dst, end)
	}
	r.Reset()
	return dst
}

// push buffers up to n samples of src (zeros if src is nil) and returns how
// many it consumed.
func (r *Resampler) push(src []float32, n int) int {
	used := 0
	if r.skip > 0 {
		s := int(min(r.skip, int64(n)))
		r.skip -= int64(s)
		r.bufStart += int64(s)
		r.nIn += int64(s)
		used, n = s, n-s
	}
	k := min(n, cap(r.buf)-len(r.buf))
	old := len(r.buf)
	r.buf = r.buf[:old+k]
	if src == nil {
		clear(r.buf[old:])
	} else {
		copy(r.buf[old:], src[used:used+k])
	}
	r.nIn += int64(k)
	return used + k
}

// emit computes every output whose input window is buffered and whose
// integer time is below limit, then drops history no longer needed.
func (r *Resampler) emit(dst []float32, limit int64) []float32 {
	d := int64(r.half)
	k := r.taps
	avail := r.bufStart + int64(len(r.buf))
	for r.i+d < avail && r.i < limit {
		base := int(r.i - d + 1 - r.bufStart)
		x := r.buf[base : base+k]
		var c []float32
		if r.interp {
			c = r.interpCoefs()
		} else {
			c = r.table[r.phase*k : r.phase*k+k]
		}
		dst = append(dst, dot(x, c))
		r.i += r.mDiv
		r.phase += r.mRem
		if r.phase >= r.l {
			r.phase -= r.l
			r.i++
		}
	}
	low := r.i - d + 1 - r.bufStart
	switch {
	case low >= int64(len(r.buf)):
		r.skip = low - int64(len(r.buf))
		r.bufStart += int64(len(r.buf))
		r.buf = r.buf[:0]
	case low > 0:
		n := copy(r.buf, r.buf[low:])
		r.buf = r.buf[:n]
		r.bufStart += low
	}
	return dst
}

// interpCoefs fills r.coef for the current phase from the fine table:
// tap k sits at fine index k*P + (P - phase/l*P).
func (r *Resampler) interpCoefs() []float32 {
	p := interpPhases
	a := float64(p) - float64(r.phase)*float64(p)/float64(r.l)
	ia := int(a)
	fr := float32(a - float64(ia))
	t := r.table
	c := r.coef
	for k := range c {
		j := k*p + ia
		t0 := t[j]
		c[k] = t0 + fr*(t[j+1]-t0)
	}
	return c
}

// dot is the inner product of two equal-length slices.
func dot(x, c []float32) float32 {
	c = c[:len(x)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += x[i] * c[i]
		s1 += x[i+1] * c[i+1]
		s2 += x[i+2] * c[i+2]
		s3 += x[i+3] * c[i+3]
	}
	for ; i < len(x); i++ {
		s0 += x[i] * c[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// All converts a whole signal from one rate to another. Output sample
// 0 is aligned with input sample 0 and the output has round(len(x)*to/from)
// samples. It panics if a rate is outside 1..384000 Hz (a programming
// error: validate user-supplied rates with New).
func All(x []float32, from, to int) []float32 {
	r, err := New(from, to)
	if err != nil {
		panic(err)
	}
	n := int((int64(len(x))*int64(to) + int64(from)/2) / int64(from))
	if r.identity {
		return append([]float32(nil), x...)
	}
	out := make([]float32, 0, n+2)
	out = r.Process(out, x)
	out = r.Flush(out)
	for len(out) < n {
		out = append(out, 0)
	}
	return out[:n]
}
