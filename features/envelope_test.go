package features

import (
	"math"
	"math/rand/v2"
	"testing"
)

// smoothRef is EnvelopeAnalyzer.smooth as it was before its interior bins
// were planned: every window end interpolated through the mirroring
// closure.
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

// TestSmoothMatchesReference checks smooth against smoothRef, within 1e-14
// of the mean power over the window (both difference running sums of the
// whole spectrum, so their rounding is relative to its total), for widths from under one bin to more than the spectrum (the
// pitch range needs at most 16 bins).
func TestSmoothMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	e := NewEnvelopeAnalyzer(SampleRate, 2*Lookahead)
	want := make([]float64, len(e.pow))
	for _, width := range []float64{0.5, 1, 1.5, 2, 2.7, 16, 3.2, 6.4, 10, 25.6, 31.9, 100, 256.5, 300} {
		for k := range e.pow {
			e.pow[k] = rng.ExpFloat64()
		}
		copy(want, e.pow)
		total := 0.0
		for _, p := range want {
			total += p
		}
		e.smooth(width)
		smoothRef(want, width)
		for k, v := range e.pow {
			if math.Abs(v-want[k]) > 1e-14*total/width {
				t.Fatalf("width %v bin %d: %v, reference %v", width, k, v, want[k])
			}
		}
	}
}

// BenchmarkSmooth is the envelope's smoothing over one harmonic spacing
// (150 Hz: 4.8 bins).
func BenchmarkSmooth(b *testing.B) {
	e := NewEnvelopeAnalyzer(SampleRate, 2*Lookahead)
	for k := range e.pow {
		e.pow[k] = 1 + float64(k%7)
	}
	for b.Loop() {
		e.smooth(4.8)
	}
}

// TestAnalyzeWindowEdges checks that Analyze counts samples outside x as
// zeros, bit for bit, wherever the window lies: inside x, across either
// end, or wholly outside it.
func TestAnalyzeWindowEdges(t *testing.T) {
	x := ptNoise(1000, 0.3, 12)
	e := NewEnvelopeAnalyzer(SampleRate, 2*Lookahead)
	half := len(e.window) / 2
	for _, center := range []int{-500, -half, -half + 7, 0, 100, half, 500, 1000 - half, 1000 - 3, 1000, 1000 + half, 2000} {
		// the reference: x copied into a zero-padded buffer, window inside
		pad := make([]float32, 1000+4000)
		copy(pad[2000:], x)
		var got, want [MCepOrder + 1]float32
		e.Analyze(got[:], x, center, 150)
		e.Analyze(want[:], pad, center+2000, 150)
		if got != want {
			t.Fatalf("center %d: %v, padded %v", center, got, want)
		}
	}
}
