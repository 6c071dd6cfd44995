package codec

import (
	"math"
	"testing"
	"time"

	"github.com/vqspeak/vqspeak/features"
)

// TestSynthesizerHostileFrames: frames a library caller may hand the
// synthesizer (infinite, NaN, huge or negative pitch; NaN or infinite
// envelope and voicing) render finite samples in [-1, 1] without stalling,
// and an ordinary frame after them renders as usual. An infinite pitch used
// to stall Hop's pulse loop for good.
func TestSynthesizerHostileFrames(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	cases := map[string]func(*features.Frame){
		"pitch +Inf":     func(f *features.Frame) { f.F0 = inf },
		"pitch NaN":      func(f *features.Frame) { f.F0 = nan },
		"pitch 1e30":     func(f *features.Frame) { f.F0 = 1e30 },
		"pitch 1e-30":    func(f *features.Frame) { f.F0 = 1e-30 },
		"pitch negative": func(f *features.Frame) { f.F0 = -5 },
		"c0 NaN":         func(f *features.Frame) { f.MCep[0] = float32(nan) },
		"c3 +Inf":        func(f *features.Frame) { f.MCep[3] = float32(inf) },
		"c0 1e30":        func(f *features.Frame) { f.MCep[0] = 1e30 },
		"voicing NaN":    func(f *features.Frame) { f.Voicing[1] = float32(nan) },
		"voicing 1e30":   func(f *features.Frame) { f.Voicing[1] = 1e30 },
		"voicing -Inf":   func(f *features.Frame) { f.Voicing[4] = float32(math.Inf(-1)) },
		"everything NaN": func(f *features.Frame) {
			f.F0 = nan
			for i := range f.MCep {
				f.MCep[i] = float32(nan)
			}
			for i := range f.Voicing {
				f.Voicing[i] = float32(nan)
			}
		},
	}
	good := features.Frame{F0: 120, Voicing: [features.NumVoicingBands]float32{0.9, 0.9, 0.8, 0.5, 0.2}}
	good.MCep[0], good.MCep[1] = -3, 0.5
	for name, spoil := range cases {
		bad := good
		spoil(&bad)
		s := NewSynthesizer(DefaultPostfilter)
		dst := make([]float32, features.HopSize)
		done := make(chan []float32)
		go func() {
			var out []float32
			for _, fr := range []*features.Frame{&good, &bad, &bad, &good, &good} {
				s.Hop(dst, fr)
				out = append(out, dst...)
			}
			done <- out
		}()
		select {
		case out := <-done:
			for i, v := range out {
				if !(v >= -1 && v <= 1) {
					t.Errorf("%s: sample %d is %g", name, i, v)
					break
				}
			}
			if tail := out[len(out)-features.HopSize:]; energy(tail) == 0 {
				t.Errorf("%s: silent after an ordinary frame", name)
			}
		case <-time.After(time.Minute): // a stall, not a speed limit: a hop takes microseconds
			t.Fatalf("%s: Hop does not return", name)
		}
	}
}

func energy(x []float32) float64 {
	var e float64
	for _, v := range x {
		e += float64(v) * float64(v)
	}
	return e
}
