package metrics

import (
	"math/rand"
	"testing"
)

func TestAlign(t *testing.T) {
	speech := fixture(t, "ref0.wav")[8000:40000]
	rng := rand.New(rand.NewSource(3))
	for _, lag := range []int{0, 1, 37, 480, 1599, -5, -800} {
		// deg[n] = 0.7·speech[n − lag] + noise at about 20 dB SNR.
		deg := make([]float32, len(speech))
		for n := range deg {
			if m := n - lag; m >= 0 && m < len(speech) {
				deg[n] = 0.7 * speech[m]
			}
			deg[n] += float32(0.005 * rng.NormFloat64())
		}
		if got := Align(speech, deg, 1600); got != lag {
			t.Errorf("lag %d: Align = %d", lag, got)
		}
		r, d := Compensate(speech, deg, lag)
		if len(r) != len(d) || len(r) != len(speech)-abs(lag) {
			t.Fatalf("lag %d: Compensate lengths %d, %d", lag, len(r), len(d))
		}
		// After compensation the samples line up (up to the added noise).
		for i := 1000; i < 1010; i++ {
			if diff := d[i] - 0.7*r[i]; diff > 0.03 || diff < -0.03 {
				t.Fatalf("lag %d: sample %d misaligned by %v", lag, i, diff)
			}
		}
	}
	// A lag beyond maxLag is not found.
	deg := make([]float32, len(speech))
	copy(deg[2000:], speech)
	if got := Align(speech, deg, 1000); got == 2000 {
		t.Errorf("found lag 2000 outside maxLag 1000")
	}
	if got := Align(nil, speech, 100); got != 0 {
		t.Errorf("empty ref: %d", got)
	}
	if got := Align(make([]float32, 100), make([]float32, 100), 10); got != 0 {
		t.Errorf("silence: %d", got)
	}
	if r, d := Compensate(speech[:10], speech[:10], 20); len(r) != 0 || len(d) != 0 {
		t.Errorf("lag beyond length: %d, %d samples", len(r), len(d))
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
