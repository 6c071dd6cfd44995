package features

import "math"

const (
	// SampleRate is the rate every analysis and synthesis stage runs at.
	SampleRate = 16000
	// HopSize is the distance between analysis instants: 10 ms.
	HopSize = 160
	// Lookahead is how far past an analysis instant the analyzer reads: 10 ms.
	Lookahead = 160
	// historySize is the analysis buffer: enough past for two periods of the
	// lowest pitch plus the window, and the lookahead.
	historySize = 2048
)

// Frame is everything measured at one analysis instant.
type Frame struct {
	F0          float64                  // pitch in Hz, 0 when unvoiced
	Periodicity float64                  // overall voicing strength in [0, 1]
	Voicing     [NumVoicingBands]float32 // per-band voicing strength in [0, 1]
	MCep        [MCepOrder + 1]float32   // mel-cepstrum of the spectral envelope
}

// Voiced reports whether the frame has a pitch.
func (f *Frame) Voiced() bool { return f.F0 > 0 }

// Analyzer turns a stream of 16 kHz samples, one hop at a time, into frames.
// The frame returned after a push describes the instant Lookahead samples
// before the newest sample: the n-th push (from 1) describes sample
// HopSize·(n−1). It allocates only in its constructor and is not safe for
// concurrent use.
type Analyzer struct {
	pitch *PitchTracker
	bands *BandVoicing
	env   *EnvelopeAnalyzer
	buf   []float32 // the last historySize input samples, newest at the end
	dcX   float64   // DC blocker state
	dcY   float64

	// Set by AnalyzeOffline only: the pitch to use instead of the tracker's.
	forceF0 float64
	force   bool
	noDC    bool
}

// NewAnalyzer plans an analyzer for 16 kHz input.
func NewAnalyzer() *Analyzer {
	a := &Analyzer{
		pitch: NewPitchTracker(SampleRate),
		bands: NewBandVoicing(SampleRate),
		env:   NewEnvelopeAnalyzer(SampleRate, 2*Lookahead),
		buf:   make([]float32, historySize),
	}
	// buf moves one hop per push: the pitch tracker and the band filters
	// keep what they filtered and filter only the new hop.
	a.pitch.setStream()
	a.bands.setStream()
	return a
}

// Reset forgets all past input.
func (a *Analyzer) Reset() {
	a.pitch.Reset()
	a.bands.reset()
	clear(a.buf)
	a.dcX, a.dcY = 0, 0
}

// dcPole places the DC blocker's corner near 20 Hz: rumble and offset would
// otherwise bias pitch and the envelope's lowest bins.
var dcPole = 1 - 2*math.Pi*20/SampleRate

// Push consumes exactly HopSize samples and writes the frame for the instant
// Lookahead samples before the newest one.
func (a *Analyzer) Push(dst *Frame, hop []float32) {
	hop = hop[:HopSize]
	copy(a.buf, a.buf[HopSize:])
	a.pitch.shift(HopSize)
	a.bands.shift(HopSize)
	tail := a.buf[len(a.buf)-HopSize:]
	for i, v := range hop {
		x := float64(v)
		y := x - a.dcX + dcPole*a.dcY
		a.dcX, a.dcY = x, y
		if a.noDC {
			y = x
		}
		tail[i] = float32(y)
	}
	center := len(a.buf) - Lookahead
	f0, per := a.pitch.Next(a.buf, center)
	if a.force {
		f0 = a.forceF0
	}
	dst.F0, dst.Periodicity = f0, per
	if f0 > 0 {
		a.bands.Analyze(&dst.Voicing, a.buf, center, f0)
	} else {
		dst.Voicing = [NumVoicingBands]float32{}
	}
	a.env.Analyze(dst.MCep[:], a.buf, center, f0)
}
