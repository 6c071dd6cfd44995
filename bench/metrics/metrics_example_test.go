package metrics_test

import (
	"fmt"
	"math"

	"github.com/vqspeak/vqspeak/bench/metrics"
)

// A codec output is a delayed, slightly distorted copy of its input:
// Measure finds the delay, trims it off and scores the rest.
func ExampleMeasure() {
	const fs = 16000
	ref := make([]float32, 2*fs)
	seed := uint32(1)
	for i := range ref {
		t := float64(i) / fs
		// A vowel-like tone at 120 Hz whose loudness varies at 4 Hz.
		env := 0.5 + 0.5*math.Sin(2*math.Pi*4*t)
		var v float64
		for k := 1; k <= 10; k++ {
			v += math.Sin(2*math.Pi*120*float64(k)*t) / float64(k)
		}
		// Plus faint noise, as any recording has (a tiny LCG keeps it reproducible).
		seed = seed*1664525 + 1013904223
		noise := float64(int32(seed)) / (1 << 31)
		ref[i] = float32(0.2*env*v + 3e-3*noise)
	}
	// The "codec" delays by 10 ms and scales by 0.9.
	deg := make([]float32, len(ref))
	for i := 160; i < len(deg); i++ {
		deg[i] = 0.9 * ref[i-160]
	}
	fmt.Println("delay:", metrics.Align(ref, deg, fs/10), "samples")
	rep, err := metrics.Measure(ref, deg, fs)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("STOI %.3f, MCD %.2f dB, F0 error %.1f cents, voicing error %.2f\n",
		rep.STOI, rep.MCD, rep.F0RMSECents, rep.VoicingError)
	// MCD ignores gain; the 0.01 dB left comes from the few bins that sit
	// at the −100 dBFS floor in one signal and not in the other.

	// Output:
	// delay: 160 samples
	// STOI 1.000, MCD 0.01 dB, F0 error 0.0 cents, voicing error 0.00
}

func ExampleYIN() {
	const fs = 16000
	x := make([]float32, fs/2)
	for i := range x {
		t := float64(i) / fs
		x[i] = float32(0.3*math.Sin(2*math.Pi*200*t) + 0.2*math.Sin(2*math.Pi*400*t))
	}
	f0 := metrics.YIN(x, fs)
	fmt.Printf("%d frames, frame 10: %.1f Hz\n", len(f0), f0[10])
	// Output:
	// 50 frames, frame 10: 200.0 Hz
}
