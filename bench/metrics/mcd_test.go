package metrics

import (
	"math"
	"testing"
)

func BenchmarkMCD(b *testing.B) {
	ref, deg := fixture(b, "ref0.wav"), fixture(b, "deg0_opus8k.wav")
	b.SetBytes(int64(4 * len(ref)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := MCD(ref, deg, 16000); err != nil {
			b.Fatal(err)
		}
	}
}

func TestFreqt(t *testing.T) {
	c := []float64{0.5, -0.3, 0.2, 0.1, -0.05, 0.02, 0.01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	// α = 0 is the identity (truncated to the output order).
	got := make([]float64, 5)
	freqt(got, c, 0)
	for i := range got {
		if got[i] != c[i] {
			t.Fatalf("α=0: c[%d] = %v, want %v", i, got[i], c[i])
		}
	}
	// Warping by α then −α returns the cepstrum (up to truncation, tiny
	// for a short input cepstrum and a long intermediate one).
	w := make([]float64, 200)
	freqt(w, c, 0.42)
	back := make([]float64, 10)
	freqt(back, w, -0.42)
	for i := range back {
		if math.Abs(back[i]-c[i]) > 1e-9 {
			t.Errorf("round trip c[%d] = %v, want %v", i, back[i], c[i])
		}
	}
}
