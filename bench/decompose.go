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
// substitution per row of the codec's own vocoder (DefaultPostfilter
// included), each to be read against the plain unquantised row.
func Decomposition() []Variant {
	pf := codec.DefaultPostfilter
	offline := features.AnalysisOptions{OfflinePitch: true}
	fine := features.AnalysisOptions{VoicingEdges: fineVoicingEdges}
	return []Variant{
		{"offline pitch (whole-run Viterbi)", codec.Variant{Postfilter: pf, Analysis: offline}},
		{"full smoothed envelope instead of 24-order mel-cepstrum", codec.Variant{Postfilter: pf, FullEnvelope: true}},
		{"16 voicing bands of 500 Hz instead of 5", codec.Variant{Postfilter: pf, Analysis: fine}},
		{"offline pitch + full envelope + 16 bands", codec.Variant{Postfilter: pf, FullEnvelope: true,
			Analysis: features.AnalysisOptions{OfflinePitch: true, VoicingEdges: fineVoicingEdges}}},
		{"envelope smoothed over 2/3 harmonic spacing (CheapTrick) instead of 1", codec.Variant{Postfilter: pf, Analysis: features.AnalysisOptions{SmoothWidth: 2.0 / 3}}},
		{"CheapTrick compensation lifter q1 = -0.15", codec.Variant{Postfilter: pf, Analysis: features.AnalysisOptions{Lifter: -0.15}}},
		{"voiced noise share 0.01 instead of 0.08", codec.Variant{Postfilter: pf, NoiseShare: 0.01}},
		{"voiced noise share 0.4", codec.Variant{Postfilter: pf, NoiseShare: 0.4}},
		{"voiced noise share 1 (as measured)", codec.Variant{Postfilter: pf, NoiseShare: 1}},
		{"voiced noise share rising from 0.08 at 2 kHz to 1 at 5 kHz", codec.Variant{Postfilter: pf, NoiseShareHigh: 1}},
		{"voiced noise shaped after each pulse", codec.Variant{Postfilter: pf, ShapedNoise: true}},
		{"filters held per frame, not interpolated per pulse", codec.Variant{Postfilter: pf, HoldFilters: true}},
		{"no formant postfilter", codec.Variant{}},
		{"formant postfilter 0.1", codec.Variant{Postfilter: 0.1}},
		{"formant postfilter 0.2", codec.Variant{Postfilter: 0.2}},
		{"formant postfilter 0.2 above 1 kHz only", codec.Variant{Postfilter: 0.2, PostfilterFrom: 1000}},
		{"envelope every 20 ms, middle frame interpolated (as the codec sends it)", codec.Variant{Postfilter: pf, HalfRateEnvelope: true}},
		{"formant postfilter 0.15 at every frequency (before: not doubled below 500 Hz)", codec.Variant{Postfilter: pf, PostfilterFlat: true}},
		{"envelope window of three pitch periods (CheapTrick's) instead of 20 ms", codec.Variant{Postfilter: pf, Analysis: features.AnalysisOptions{WindowPeriods: 3}}},
		{"pulses 1 ms late against the noise", codec.Variant{Postfilter: pf, PulseDelay: 16}},
		{"pulse dispersion: group delay rising to 1 ms at 8 kHz", codec.Variant{Postfilter: pf, PulseDispersion: 16}},
		{"glottal phase: lowest 4 cepstral coefficients maximum-phase, pulses 1 ms late", codec.Variant{Postfilter: pf, GlottalPhase: 1, GlottalQuefrency: 4, PulseDelay: 16}},
		{"no soft limiter", codec.Variant{Postfilter: pf, NoLimiter: true}},
		{"no DC blocker (analysis and output)", codec.Variant{Postfilter: pf, NoDCBlocker: true, Analysis: features.AnalysisOptions{NoDCBlocker: true}}},
	}
}

// QuantDecomposition is the quantisation decomposition (README, "Where the
// quantiser loses"): from the unquantised vocoder, one quantised part per
// row with everything else unquantised, then all of them together, each to
// be read against the plain unquantised row and the codec's own rows.
func QuantDecomposition() []Variant {
	pf := codec.DefaultPostfilter
	side := codec.Variant{Postfilter: pf, QuantPitch: true, QuantVoicing: true, QuantEnergy: true}
	all := func(stages int) codec.Variant {
		v := side
		v.QuantStages = stages
		return v
	}
	return []Variant{
		{"side information quantised (pitch, voicing, energy), envelope unquantised", side},
		{"pitch quantised only", codec.Variant{Postfilter: pf, QuantPitch: true}},
		{"pitch quantised, end frames only", codec.Variant{Postfilter: pf, QuantPitch: true, QuantSideFrames: 1}},
		{"pitch quantised, middle frames only (offset from the neighbours)", codec.Variant{Postfilter: pf, QuantPitch: true, QuantSideFrames: 2}},
		{"band voicing quantised only (learned profiles)", codec.Variant{Postfilter: pf, QuantVoicing: true}},
		{"energy quantised only", codec.Variant{Postfilter: pf, QuantEnergy: true}},
		{"envelope every 20 ms, middle frame interpolated", codec.Variant{Postfilter: pf, HalfRateEnvelope: true}},
		{"envelope RVQ 1 stage (every 20 ms, as the codec), side unquantised", codec.Variant{Postfilter: pf, QuantStages: 1}},
		{"envelope RVQ 2 stages, side unquantised", codec.Variant{Postfilter: pf, QuantStages: 2}},
		{"envelope RVQ 4 stages, side unquantised", codec.Variant{Postfilter: pf, QuantStages: 4}},
		{"envelope RVQ 1 stage on every 10 ms frame (no decimation), side unquantised", codec.Variant{Postfilter: pf, QuantStages: 1, QuantEveryFrame: true}},
		{"envelope RVQ 4 stages on every 10 ms frame (no decimation), side unquantised", codec.Variant{Postfilter: pf, QuantStages: 4, QuantEveryFrame: true}},
		{"everything quantised, 1 stage (the codec by this path)", all(1)},
		{"everything quantised, 4 stages (the codec by this path)", all(4)},
	}
}
