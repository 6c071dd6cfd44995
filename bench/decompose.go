package bench

import (
	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/features"
)

// A Variant is one row of the decomposition: the unquantised vocoder with
// some of its parts substituted.
type Variant struct {
	Name    string
	Variant codec.Variant
}

// fineVoicingEdges are 16 voicing bands of 500 Hz, against the codec's 5.
var fineVoicingEdges = func() []float64 {
	var e []float64
	for f := 0.0; f <= 8000; f += 500 {
		e = append(e, f)
	}
	return e
}()

// Decomposition is the table of README's "Where the vocoder loses": one
// substitution per row, each measured against the plain unquantised row.
func Decomposition() []Variant {
	offline := features.AnalysisOptions{OfflinePitch: true}
	fine := features.AnalysisOptions{VoicingEdges: fineVoicingEdges}
	return []Variant{
		{"offline pitch (whole-run Viterbi)", codec.Variant{Analysis: offline}},
		{"full smoothed envelope instead of 24-order mel-cepstrum", codec.Variant{FullEnvelope: true}},
		{"16 voicing bands of 500 Hz instead of 5", codec.Variant{Analysis: fine}},
		{"offline pitch + full envelope + 16 bands", codec.Variant{FullEnvelope: true,
			Analysis: features.AnalysisOptions{OfflinePitch: true, VoicingEdges: fineVoicingEdges}}},
		{"envelope smoothed over 2/3 harmonic spacing (CheapTrick) instead of 1", codec.Variant{Analysis: features.AnalysisOptions{SmoothWidth: 2.0 / 3}}},
		{"CheapTrick compensation lifter q1 = -0.15", codec.Variant{Analysis: features.AnalysisOptions{Lifter: -0.15}}},
		{"voiced noise share 0.01 instead of 0.15", codec.Variant{NoiseShare: 0.01}},
		{"voiced noise share 0.4", codec.Variant{NoiseShare: 0.4}},
		{"voiced noise share 1 (as measured)", codec.Variant{NoiseShare: 1}},
		{"voiced noise shaped after each pulse", codec.Variant{ShapedNoise: true}},
		{"filters held per frame, not interpolated per pulse", codec.Variant{HoldFilters: true}},
		{"formant postfilter 0.1", codec.Variant{Postfilter: 0.1}},
		{"formant postfilter 0.2", codec.Variant{Postfilter: 0.2}},
		{"formant postfilter 0.2 above 1 kHz only", codec.Variant{Postfilter: 0.2, PostfilterFrom: 1000}},
		{"no soft limiter", codec.Variant{NoLimiter: true}},
		{"no DC blocker (analysis and output)", codec.Variant{NoDCBlocker: true, Analysis: features.AnalysisOptions{NoDCBlocker: true}}},
	}
}
