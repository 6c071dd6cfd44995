package metrics

import (
	"math"
	"math/rand"
	"testing"
)

func TestLSD(t *testing.T) {
	ref := fixture(t, "ref2.wav")
	if d, err := LSD(ref, ref, 16000); err != nil || d != 0 {
		t.Errorf("LSD(x, x) = %v, %v; want 0", d, err)
	}
	// Halving a broadband signal (no bin near the -100 dBFS floor) lowers
	// every bin by 20·log10(2) dB.
	rng := rand.New(rand.NewSource(5))
	noise := make([]float32, 8000)
	half := make([]float32, len(noise))
	for i := range noise {
		noise[i] = float32(0.1 * rng.NormFloat64())
		half[i] = noise[i] / 2
	}
	d, err := LSD(noise, half, 16000)
	if err != nil || math.Abs(d-20*math.Log10(2)) > 1e-6 {
		t.Errorf("LSD(x, x/2) = %v, %v; want 6.0206 dB", d, err)
	}
	// MCD ignores c0, so a gain change costs nothing.
	if m, err := MCD(noise, half, 16000); err != nil || m > 1e-9 {
		t.Errorf("MCD(x, x/2) = %v, %v; want 0", m, err)
	}
	// Degradations order as expected.
	lp, _ := LSD(ref, fixture(t, "deg2_lowpass3400.wav"), 16000)
	n10, _ := LSD(ref, fixture(t, "deg2_noise10dB.wav"), 16000)
	n0, _ := LSD(ref, fixture(t, "deg2_noise0dB.wav"), 16000)
	t.Logf("LSD lowpass %.2f dB, noise 10 dB %.2f dB, noise 0 dB %.2f dB", lp, n10, n0)
	if !(n0 > n10 && n10 > 0) || lp <= 0 {
		t.Errorf("LSD ordering: noise0 %v noise10 %v lowpass %v", n0, n10, lp)
	}
}
