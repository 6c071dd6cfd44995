package features

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/vqspeak/vqspeak/internal/audiofile"
)

const ptTestRate = 16000

// ptHarmonic synthesises n samples of a harmonic complex whose F0 follows
// f0(t) (Hz, t in seconds), harmonics up to maxHz with 1/k amplitudes and
// fixed pseudo-random phases, starting from harmonic first (2 drops the
// fundamental).
func ptHarmonic(n int, f0 func(t float64) float64, first int, maxHz float64) []float32 {
	rng := rand.New(rand.NewPCG(1, 2))
	var phase0 [64]float64
	for i := range phase0 {
		phase0[i] = 2 * math.Pi * rng.Float64()
	}
	out := make([]float32, n)
	ph := 0.0 // phase of the fundamental, cycles
	for i := range out {
		f := f0(float64(i) / ptTestRate)
		s := 0.0
		for k := first; k < len(phase0) && float64(k)*f < maxHz; k++ {
			s += math.Sin(2*math.Pi*float64(k)*ph+phase0[k]) / float64(k)
		}
		out[i] = float32(0.2 * s)
		ph += f / ptTestRate
	}
	return out
}

func ptNoise(n int, rms float64, seed uint64) []float32 {
	rng := rand.New(rand.NewPCG(seed, 7))
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(rms * rng.NormFloat64())
	}
	return out
}

func ptRMS(x []float32) float64 {
	s := 0.0
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	return math.Sqrt(s / float64(len(x)))
}

// ptRun runs a fresh tracker over x, one frame per hop, and returns the
// frame instants (indices into x) with their outputs. x is padded with
// History() zeros in front so that the first frame is complete.
func ptRun(x []float32) (centers []int, f0, per []float64) {
	t := NewPitchTracker(ptTestRate)
	h, la := t.History(), t.Lookahead()
	buf := make([]float32, h+len(x))
	copy(buf[h:], x)
	for c := HopSize; c+la <= len(x); c += HopSize {
		f, p := t.Next(buf, h+c)
		centers = append(centers, c)
		f0 = append(f0, f)
		per = append(per, p)
	}
	return centers, f0, per
}

func TestPitchTrackerHarmonic(t *testing.T) {
	tests := []struct {
		f0    float64
		first int
	}{
		{80, 1}, {150, 1}, {300, 1}, {420, 1},
		{80, 2}, {150, 2}, {300, 2}, {420, 2}, // missing fundamental
		{60, 1}, // creak-low male voice
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%gHz_from_h%d", tc.f0, tc.first), func(t *testing.T) {
			x := ptHarmonic(ptTestRate, func(float64) float64 { return tc.f0 }, tc.first, 4000)
			_, f0, per := ptRun(x)
			for k := 5; k < len(f0); k++ {
				if math.Abs(f0[k]/tc.f0-1) > 0.01 {
					t.Fatalf("frame %d: f0 %.2f Hz, want %.0f ±1%% (periodicity %.2f)", k, f0[k], tc.f0, per[k])
				}
				if per[k] < 0.9 {
					t.Fatalf("frame %d: periodicity %.2f, want > 0.9", k, per[k])
				}
			}
		})
	}
}

func TestPitchTrackerGlide(t *testing.T) {
	// 100 -> 200 Hz linearly over one second.
	glide := func(s float64) float64 { return 100 + 100*min(s, 1) }
	x := ptHarmonic(ptTestRate+ptTestRate/5, glide, 1, 4000)
	centers, f0, _ := ptRun(x)
	for k := 5; k < len(f0); k++ {
		want := glide(float64(centers[k]) / ptTestRate)
		if math.Abs(f0[k]/want-1) > 0.03 {
			t.Errorf("frame %d: f0 %.1f Hz, want %.1f ±3%%", k, f0[k], want)
		}
	}
}

func TestPitchTrackerUnvoiced(t *testing.T) {
	tests := []struct {
		name string
		x    []float32
	}{
		{"white noise", ptNoise(ptTestRate, 0.1, 3)},
		{"quiet white noise", ptNoise(ptTestRate, 0.001, 4)},
		{"silence", make([]float32, ptTestRate)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, f0, per := ptRun(tc.x)
			mean := 0.0
			for k := range f0 {
				if f0[k] != 0 {
					t.Errorf("frame %d: f0 %.1f Hz, want unvoiced", k, f0[k])
				}
				if math.IsNaN(per[k]) || per[k] < 0 || per[k] > 1 {
					t.Fatalf("frame %d: periodicity %v outside [0,1]", k, per[k])
				}
				mean += per[k]
			}
			mean /= float64(len(per))
			if mean > 0.6 {
				t.Errorf("mean periodicity %.2f, want < 0.6", mean)
			}
		})
	}
}

func TestPitchTrackerVoicingSwitch(t *testing.T) {
	// Alternating 0.5 s of a 150 Hz harmonic complex and 0.5 s of white
	// noise at the same level: the decision must follow within 2 frames.
	const seg = ptTestRate / 2
	voiced := ptHarmonic(seg, func(float64) float64 { return 150 }, 1, 4000)
	noise := ptNoise(seg, ptRMS(voiced), 5)
	var x []float32
	for range 3 {
		x = append(x, voiced...)
		x = append(x, noise...)
	}
	centers, f0, _ := ptRun(x)
	for k, c := range centers {
		isVoiced := (c/seg)%2 == 0
		dist := min(c%seg, seg-c%seg) // samples to the nearest switch
		if dist <= 2*HopSize {
			continue
		}
		if (f0[k] > 0) != isVoiced {
			t.Errorf("frame %d (sample %d): f0 %.1f, want voiced=%v", k, c, f0[k], isVoiced)
		}
	}
}

func TestPitchTrackerNoAllocs(t *testing.T) {
	x := ptHarmonic(ptTestRate/2, func(float64) float64 { return 150 }, 1, 4000)
	tr := NewPitchTracker(ptTestRate)
	c := tr.History()
	allocs := testing.AllocsPerRun(100, func() {
		tr.Next(x, c)
		c += HopSize
		if c+tr.Lookahead() > len(x) {
			c = tr.History()
		}
	})
	if allocs != 0 {
		t.Errorf("Next allocates %.1f times per call", allocs)
	}
}

func TestPitchTrackerSpan(t *testing.T) {
	// Next must not read outside buf[center-History : center+Lookahead]:
	// a buffer sliced to exactly that span must not panic and must give the
	// same answer as a larger one.
	x := ptHarmonic(ptTestRate/2, func(float64) float64 { return 220 }, 1, 4000)
	a, b := NewPitchTracker(ptTestRate), NewPitchTracker(ptTestRate)
	if a.Lookahead() > HopSize {
		t.Fatalf("Lookahead %d exceeds one hop", a.Lookahead())
	}
	for c := a.History(); c+a.Lookahead() <= len(x); c += HopSize {
		f1, p1 := a.Next(x, c)
		f2, p2 := b.Next(x[c-b.History():c+b.Lookahead()], b.History())
		if f1 != f2 || p1 != p2 {
			t.Fatalf("center %d: %v,%v on the whole buffer, %v,%v on the exact span", c, f1, p1, f2, p2)
		}
	}
}

// TestNCCFRangeMatchesNCCF checks that ptNCCFRange's passes (of three and
// two lags; of eight in a GOEXPERIMENT=simd build) give ptNCCF's values
// bit for bit, for every count of lags the passes can leave over, and
// ptCrossRange's cross terms likewise.
func TestNCCFRangeMatchesNCCF(t *testing.T) {
	x := ptNoise(2000, 0.3, 5)
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = float64(v)
	}
	const w, lo = 480, 40
	var e0 float64
	for _, v := range y[len(y)-w:] {
		e0 += v * v
	}
	for n := 1; n <= 14; n++ {
		r := make([]float64, n)
		ptNCCFRange(r, y, w, lo, e0)
		for i, v := range r {
			if want := ptNCCF(y, w, lo+i, e0); v != want {
				t.Fatalf("%d lags: lag %d: %v, ptNCCF %v", n, lo+i, v, want)
			}
		}
	}
	// ptCrossRange: the cross terms alone, up to the coarse search's 75
	// lags and over its 120-sample window
	for _, n := range []int{1, 3, 4, 15, 16, 17, 33, 75} {
		xy := make([]float64, n)
		ptCrossRange(xy, y, 120, lo)
		a := y[len(y)-120:]
		for i, v := range xy {
			b := y[len(y)-120-lo-i : len(y)-lo-i]
			var want float64
			for j, u := range a {
				want += u * b[j]
			}
			if v != want {
				t.Fatalf("ptCrossRange %d lags: lag %d: %v, want %v", n, lo+i, v, want)
			}
		}
	}
}

// TestNCCF5 checks ptNCCF5 against ptNCCF: the same values within
// rounding (its energies slide from one lag to the next), on noise and on a
// signal that is loud in the window and quiet further back.
func TestNCCF5(t *testing.T) {
	noise := ptNoise(1000, 0.3, 6)
	onset := ptHarmonic(1000, func(float64) float64 { return 180 }, 1, 4000)
	for i := range onset[:400] {
		onset[i] *= 1e-3
	}
	for name, x := range map[string][]float32{"noise": noise, "onset": onset} {
		y := make([]float64, len(x))
		for i, v := range x {
			y[i] = float64(v)
		}
		const w = 480
		var e0 float64
		for _, v := range y[len(y)-w:] {
			e0 += v * v
		}
		for _, lo := range []int{28, 100, 311} {
			var r [5]float64
			ptNCCF5(&r, y, w, lo, e0)
			for i, v := range r {
				if want := ptNCCF(y, w, lo+i, e0); math.Abs(v-want) > 1e-12 {
					t.Errorf("%s: lag %d: %v, ptNCCF %v", name, lo+i, v, want)
				}
			}
		}
	}
}

func BenchmarkPitchTrackerNext(b *testing.B) {
	x := ptHarmonic(ptTestRate, func(float64) float64 { return 150 }, 1, 4000)
	tr := NewPitchTracker(ptTestRate)
	c := tr.History()
	b.SetBytes(HopSize * 4)
	b.ReportAllocs()
	for b.Loop() {
		tr.Next(x, c)
		c += HopSize
		if c+tr.Lookahead() > len(x) {
			c = tr.History()
		}
	}
}

func ExamplePitchTracker() {
	// One second of a 200 Hz buzz, analysed every 10 ms.
	x := ptHarmonic(ptTestRate, func(float64) float64 { return 200 }, 1, 4000)
	tr := NewPitchTracker(ptTestRate)
	var f0, per float64
	for c := tr.History(); c+tr.Lookahead() <= len(x); c += HopSize {
		f0, per = tr.Next(x, c)
	}
	fmt.Printf("F0 %.0f Hz, periodicity %.2f\n", f0, per)
	// Output: F0 200 Hz, periodicity 1.00
}

// BenchmarkPitchTrackerStream is the tracker's cost per 10 ms hop as the
// Analyzer runs it (stream mode: only the new hop is filtered), on real
// speech with its pauses.
func BenchmarkPitchTrackerStream(b *testing.B) {
	a, err := audiofile.ReadFile(filepath.Join("..", "testdata", "audio", "fleurs-es-006.wav"))
	if err != nil {
		b.Fatal(err)
	}
	x := a.Samples
	tr := NewPitchTracker(ptTestRate)
	tr.setStream()
	c := tr.History()
	b.SetBytes(HopSize * 4)
	b.ReportAllocs()
	for b.Loop() {
		tr.Next(x, c)
		c += HopSize
		tr.shift(HopSize)
		if c+tr.Lookahead() > len(x) {
			c = tr.History()
			tr.Reset()
		}
	}
}
