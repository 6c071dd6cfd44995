package features

import (
	"math/rand/v2"
	"testing"
)

// smoothRef is EnvelopeAnalyzer.smooth as it was before its interior bins
// were written out: every window end through the mirroring closure.
func smoothRef(pow []float64, width float64) {
	if width <= 1 {
		return
	}
	bins := len(pow)
	cum := make([]float64, bins+1)
	for k, p := range pow {
		cum[k+1] = cum[k] + p
	}
	total := cum[bins]
	at := func(x float64) float64 {
		switch {
		case x < 0:
			return -at0(cum, -x)
		case x > float64(bins):
			return 2*total - at0(cum, 2*float64(bins)-x)
		}
		return at0(cum, x)
	}
	half := width / 2
	for k := range pow {
		c := float64(k) + 0.5
		pow[k] = (at(c+half) - at(c-half)) / width
	}
}

// TestSmoothMatchesReference checks smooth bit for bit against smoothRef
// for widths from under one bin to more than the spectrum (the pitch
// range needs at most 16 bins).
func TestSmoothMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	e := NewEnvelopeAnalyzer(SampleRate, 2*Lookahead)
	want := make([]float64, len(e.pow))
	for _, width := range []float64{0.5, 1, 1.5, 2.7, 3.2, 6.4, 10, 25.6, 31.9, 100, 256.5, 300} {
		for k := range e.pow {
			e.pow[k] = rng.ExpFloat64()
		}
		copy(want, e.pow)
		e.smooth(width)
		smoothRef(want, width)
		for k, v := range e.pow {
			if v != want[k] {
				t.Fatalf("width %v bin %d: %v, reference %v", width, k, v, want[k])
			}
		}
	}
}
