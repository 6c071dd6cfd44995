package codec

import (
	"math"
	"path/filepath"
	"slices"
	"testing"

	"github.com/vqspeak/vqspeak/features"
	"github.com/vqspeak/vqspeak/internal/audiofile"
)

// TestQuantiseVariant checks the quantised rows of the decomposition: each
// Quant field replaces its own part of every frame by a value the packets
// can carry and leaves the others alone.
func TestQuantiseVariant(t *testing.T) {
	a, err := audiofile.ReadFile(filepath.Join("..", "testdata", "audio", "librispeech-7312-m.wav"))
	if err != nil {
		t.Fatal(err)
	}
	x := a.Samples[:3*SampleRate]
	orig := features.AnalyzeOffline(x, features.AnalysisOptions{})
	run := func(v Variant) []features.OfflineFrame {
		fr := features.AnalyzeOffline(x, features.AnalysisOptions{})
		quantiseVariant(fr, v)
		return fr
	}
	envEqual := func(a, b *features.Frame) bool { return slices.Equal(a.MCep[1:], b.MCep[1:]) }
	onGrid := func(f0 float64) bool {
		k := math.Log(f0/f0Min) / f0Step
		return math.Abs(k-math.Round(k)) < 1e-6
	}

	side := run(Variant{QuantPitch: true, QuantVoicing: true, QuantEnergy: true})
	voiced := 0
	for h := 1; h+1 < len(side); h++ {
		q, o := &side[h].Frame, &orig[h].Frame
		if !envEqual(q, o) {
			t.Fatalf("frame %d: the side information changed the envelope", h)
		}
		if q.Voiced() != o.Voiced() {
			t.Fatalf("frame %d: voiced %v, was %v", h, q.Voiced(), o.Voiced())
		}
		if q.Voiced() {
			voiced++
			if !onGrid(q.F0) {
				t.Fatalf("frame %d: F0 %.3f is not a pitch step", h, q.F0)
			}
		}
		if h%2 == 0 { // an end frame: absolute energy and one of the profiles
			if k := (float64(q.MCep[0]) - energyMin) / energyStep; math.Abs(k-math.Round(k)) > 1e-3 {
				t.Fatalf("frame %d: energy %.4f is not an energy step", h, q.MCep[0])
			}
			found := false
			for _, p := range voicingProfiles {
				found = found || p == q.Voicing
			}
			if !found {
				t.Fatalf("frame %d: voicing %v is no profile", h, q.Voicing)
			}
		}
	}
	if voiced < 50 {
		t.Fatalf("only %d voiced frames", voiced)
	}

	// The mean squared cepstral distance between frames 100 ms apart: a
	// quantised envelope must be much nearer its original than that.
	var far float64
	for h := 1; h+11 < len(orig); h++ {
		for i := 1; i < len(orig[h].MCep); i++ {
			d := float64(orig[h].MCep[i] - orig[h+10].MCep[i])
			far += d * d
		}
	}
	far /= float64(len(orig) - 12)
	for _, v := range []Variant{{QuantStages: 4}, {QuantStages: 1, QuantEveryFrame: true}} {
		env := run(v)
		var changed int
		var err2 float64
		for h := 1; h+1 < len(env); h++ {
			q, o := &env[h].Frame, &orig[h].Frame
			if q.F0 != o.F0 || q.Voicing != o.Voicing || q.MCep[0] != o.MCep[0] {
				t.Fatalf("%+v frame %d: the envelope's quantisation changed the side information", v, h)
			}
			if !envEqual(q, o) {
				changed++
			}
			for i := 1; i < len(q.MCep); i++ {
				d := float64(q.MCep[i] - o.MCep[i])
				err2 += d * d
			}
		}
		if mse := err2 / float64(len(env)-2); changed < len(env)/2 || mse > far/3 {
			t.Errorf("stages %d (every frame %v): %d of %d envelopes changed, mean squared error %.4f (frames 100 ms apart: %.4f)",
				v.QuantStages, v.QuantEveryFrame, changed, len(env)-2, mse, far)
		} else {
			t.Logf("stages %d (every frame %v): mean squared error %.4f (frames 100 ms apart: %.4f)", v.QuantStages, v.QuantEveryFrame, mse, far)
		}
	}
}
