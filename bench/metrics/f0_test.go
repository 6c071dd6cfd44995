package metrics

import (
	"math"
	"math/rand"
	"testing"
)

// harmonic synthesises seconds of a periodic signal at f0 with the given
// harmonic amplitudes (index 0 is the fundamental) at 16 kHz.
func harmonic(f0, seconds float64, amps []float64) []float32 {
	const fs = 16000
	x := make([]float32, int(seconds*fs))
	for i := range x {
		var v float64
		for k, a := range amps {
			v += a * math.Sin(2*math.Pi*f0*float64(k+1)*float64(i)/fs+0.3*float64(k))
		}
		x[i] = float32(v)
	}
	return x
}

func TestYINHarmonic(t *testing.T) {
	rich := []float64{0.3, 0.2, 0.15, 0.1, 0.08, 0.06, 0.05, 0.04}
	missing := []float64{0, 0.3, 0.25, 0.2, 0.15, 0.1}
	strongSecond := []float64{0.1, 0.4, 0.1, 0.05}
	tests := []struct {
		name string
		f0   float64
		amps []float64
	}{
		{"sine 100", 100, []float64{0.5}},
		{"rich 62", 62, rich},
		{"rich 97.3", 97.3, rich},
		{"rich 150", 150, rich},
		{"rich 220", 220, rich},
		{"rich 311", 311, rich},
		{"rich 390", 390, rich},
		{"missing fundamental 120", 120, missing},
		{"strong 2nd harmonic 180", 180, strongSecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := harmonic(tc.f0, 0.6, tc.amps)
			f0 := YIN(x, 16000)
			if len(f0) != len(x)/160 {
				t.Fatalf("%d frames, want %d", len(f0), len(x)/160)
			}
			// Frames whose analysis block lies inside the signal.
			inner := (len(x) - 400 - 270) / 160
			worst := 0.0
			for i, f := range f0[:inner] {
				if f == 0 {
					t.Fatalf("frame %d unvoiced", i)
				}
				worst = math.Max(worst, math.Abs(f/tc.f0-1))
			}
			if worst > 0.01 {
				t.Errorf("worst relative error %.4f, want < 1%%", worst)
			}
			t.Logf("worst relative error %.2e", worst)
		})
	}
}

func TestYINUnvoiced(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	noise := make([]float32, 16000)
	for i := range noise {
		noise[i] = float32(0.2 * rng.NormFloat64())
	}
	voiced := 0
	for _, f := range YIN(noise, 16000) {
		if f > 0 {
			voiced++
		}
	}
	if voiced > 2 {
		t.Errorf("white noise: %d of 100 frames voiced", voiced)
	}
	for i, f := range YIN(make([]float32, 16000), 16000) {
		if f != 0 {
			t.Fatalf("silence frame %d: %v Hz", i, f)
		}
	}
	if f := YIN(noise, 400); f != nil {
		t.Errorf("fs 400: %v, want nil", f)
	}
	if f := YIN(nil, 16000); len(f) != 0 {
		t.Errorf("empty input: %d frames", len(f))
	}
}

func TestF0Metrics(t *testing.T) {
	ref := fixture(t, "ref0.wav")
	cents, hz, err := F0RMSE(ref, ref, 16000)
	if err != nil || cents != 0 || hz != 0 {
		t.Errorf("F0RMSE(x, x) = %v cents %v Hz, %v; want 0, 0", cents, hz, err)
	}
	ve, err := VoicingError(ref, ref, 16000)
	if err != nil || ve != 0 {
		t.Errorf("VoicingError(x, x) = %v, %v; want 0", ve, err)
	}
	// A pitch shifted by a known ratio (a semitone, 100 cents) is measured as such.
	a := harmonic(150, 0.5, []float64{0.3, 0.2, 0.1})
	b := harmonic(150*math.Pow(2, 1.0/12), 0.5, []float64{0.3, 0.2, 0.1})
	cents, hz, err = F0RMSE(a, b, 16000)
	if err != nil || math.Abs(cents-100) > 5 || math.Abs(hz-150*(math.Pow(2, 1.0/12)-1)) > 0.5 {
		t.Errorf("semitone: %v cents %v Hz, %v; want 100 cents, 8.9 Hz", cents, hz, err)
	}
	// Half the frames silenced: half the voicing decisions differ.
	c := append([]float32(nil), a...)
	clear(c[len(c)/2:])
	ve, err = VoicingError(a, c, 16000)
	if err != nil || math.Abs(ve-0.5) > 0.05 {
		t.Errorf("half silenced: voicing error %v, %v; want 0.5", ve, err)
	}
}
