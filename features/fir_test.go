package features

import (
	"math"
	"testing"
)

// TestStreamFilteringExact checks that the Analyzer, whose pitch tracker and
// band filters keep filtered samples between pushes, measures exactly what
// a tracker and band filters that filter the whole span afresh measure on
// the same buffer, across voiced and unvoiced stretches (where the bands are
// not analysed and their kept samples age), pitch changes and a Reset.
func TestStreamFilteringExact(t *testing.T) {
	n := ptTestRate * 2
	f0 := func(s float64) float64 { return 120 + 80*math.Sin(2*math.Pi*s) }
	x := ptHarmonic(n, f0, 1, 4000)
	noise := ptNoise(n, ptRMS(x), 3)
	for i := range x {
		if (i/4000)%2 == 1 { // unvoiced quarter seconds
			x[i] = noise[i]
		}
	}
	a := NewAnalyzer()
	fresh := NewPitchTracker(SampleRate)
	bands := NewBandVoicing(SampleRate)
	var fr Frame
	var want [NumVoicingBands]float32
	voiced := 0
	for h := 0; (h+1)*HopSize <= n; h++ {
		if h == 150 {
			a.Reset()
			fresh.Reset()
		}
		a.Push(&fr, x[h*HopSize:(h+1)*HopSize])
		center := len(a.buf) - Lookahead
		f0, per := fresh.Next(a.buf, center)
		if f0 != fr.F0 || per != fr.Periodicity {
			t.Fatalf("hop %d: stream F0 %v periodicity %v, fresh %v %v", h, fr.F0, fr.Periodicity, f0, per)
		}
		if f0 > 0 {
			voiced++
			bands.Analyze(&want, a.buf, center, f0)
			if want != fr.Voicing {
				t.Fatalf("hop %d: stream voicing %v, fresh %v", h, fr.Voicing, want)
			}
		}
	}
	if voiced < 50 {
		t.Errorf("only %d voiced hops: the bands were hardly compared", voiced)
	}
}

// TestFIRFilterMatchesReference checks firFilter (its passes of four
// outputs, and in a GOEXPERIMENT=simd build its 32-output vector passes)
// against one float32 sum per output, bit for bit, for output counts that
// leave every kind of remainder.
func TestFIRFilterMatchesReference(t *testing.T) {
	for _, L := range []int{65, 33, 3} {
		h := bvBandpass(L, 0.05, 0.2)
		x := ptNoise(200+L-1, 0.3, uint64(L))
		for n := 0; n <= 200; n += 1 + n/8 {
			got := make([]float64, n)
			firFilter(got, x[:n+L-1], h)
			for i := range got {
				var s float32
				for k, v := range h {
					s += v * x[i+k]
				}
				if got[i] != float64(s) {
					t.Fatalf("%d taps, %d outputs: output %d is %v, want %v (simdFIR %v)", L, n, i, got[i], s, simdFIR)
				}
			}
		}
	}
}
