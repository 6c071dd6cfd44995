package resample

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// testPairs are the rate pairs the codec meets, plus ratios that force
// the interpolated-table path (gcd 1, huge L).
var testPairs = [][2]int{
	{48000, 16000}, {16000, 48000},
	{44100, 16000}, {16000, 44100},
	{8000, 16000}, {16000, 8000},
	{11025, 16000}, {22050, 16000}, {24000, 16000}, {32000, 16000},
	{16000, 22050}, {44100, 48000},
	{44101, 16000}, {16000, 44101}, // interpolated mode
	{384000, 8000}, {8000, 384000},
}

// testNoise is reproducible white noise in [-0.5, 0.5).
func testNoise(n int, seed uint64) []float32 {
	rng := rand.New(rand.NewPCG(seed, 7))
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(rng.Float64() - 0.5)
	}
	return x
}

// testI0 is an independent Bessel I0 for the reference: a fixed
// 60-term power series summed from the smallest term up.
func testI0(x float64) float64 {
	var terms [60]float64
	terms[0] = 1
	for k := 1; k < len(terms); k++ {
		terms[k] = terms[k-1] * (x / 2) * (x / 2) / float64(k) / float64(k)
	}
	s := 0.0
	for k := len(terms) - 1; k >= 0; k-- {
		s += terms[k]
	}
	return s
}

// testReference is the slow, obvious resampler: each output sample is a
// direct sum of the input against the windowed sinc centred on its time,
// in float64, with zeros outside the signal.
func testReference(x []float32, from, to int) []float64 {
	low := float64(min(from, to))
	fcn := 0.95 * low / 2 / float64(from)
	dw := 2 * math.Pi * 0.10 * low / 2 / float64(from)
	half := math.Ceil((90 - 7.95) / (2.285 * dw) / 2)
	beta := 0.1102 * (90 - 8.7)
	i0b := testI0(beta)
	n := int(math.Round(float64(len(x)) * float64(to) / float64(from)))
	y := make([]float64, n)
	for o := range y {
		c := float64(o) * float64(from) / float64(to)
		var s float64
		for j := int(math.Floor(c - half)); j <= int(math.Ceil(c+half)); j++ {
			t := float64(j) - c
			if j < 0 || j >= len(x) || t <= -half || t >= half {
				continue
			}
			arg := 2 * fcn * t
			sinc := 1.0
			if arg != 0 {
				sinc = math.Sin(math.Pi*arg) / (math.Pi * arg)
			}
			r := t / half
			s += float64(x[j]) * 2 * fcn * sinc * testI0(beta*math.Sqrt(1-r*r)) / i0b
		}
		y[o] = s
	}
	return y
}

func TestResampleMatchesReference(t *testing.T) {
	for _, p := range testPairs {
		from, to := p[0], p[1]
		t.Run(fmt.Sprintf("%d-%d", from, to), func(t *testing.T) {
			nIn := 250 * from / min(from, to) // about 250 samples at the lower rate
			if from > 100000 || to > 100000 {
				nIn = 40 * from / min(from, to)
			}
			x := testNoise(nIn, uint64(from+to))
			got := All(x, from, to)
			want := testReference(x, from, to)
			if len(got) != len(want) {
				t.Fatalf("length %d, want %d", len(got), len(want))
			}
			var worst float64
			for i := range want {
				worst = max(worst, math.Abs(float64(got[i])-want[i]))
			}
			t.Logf("max abs error %.2g", worst)
			if worst > 1e-4 {
				t.Errorf("max |fast - reference| = %.3g, want <= 1e-4", worst)
			}
		})
	}
}

// testTone returns amp*sin(2*pi*f*n/rate).
func testTone(n int, f float64, rate int, amp float64) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(amp * math.Sin(2*math.Pi*f*float64(i)/float64(rate)))
	}
	return x
}

// testFitSine returns the residual power after removing the best-fitting
// sine at f (least squares on sin and cos), and the signal power, over
// y[lo:hi].
func testFitSine(y []float32, f float64, rate, lo, hi int) (resid, power float64) {
	var ss, cc, sc, ys, yc float64
	for i := lo; i < hi; i++ {
		w := 2 * math.Pi * f * float64(i) / float64(rate)
		s, c := math.Sin(w), math.Cos(w)
		ss += s * s
		cc += c * c
		sc += s * c
		ys += float64(y[i]) * s
		yc += float64(y[i]) * c
	}
	det := ss*cc - sc*sc
	a := (ys*cc - yc*sc) / det
	b := (yc*ss - ys*sc) / det
	for i := lo; i < hi; i++ {
		w := 2 * math.Pi * f * float64(i) / float64(rate)
		e := float64(y[i]) - a*math.Sin(w) - b*math.Cos(w)
		resid += e * e
		power += float64(y[i]) * float64(y[i])
	}
	return resid, power
}

func TestResampleRoundTripSNR(t *testing.T) {
	for _, tc := range []struct {
		rate  int
		tone  float64
		minDB float64
	}{
		{48000, 1000, 60}, {44100, 1000, 60}, {22050, 3000, 60}, {8000, 3000, 60},
	} {
		t.Run(fmt.Sprintf("%d-16000-%d", tc.rate, tc.rate), func(t *testing.T) {
			x := testTone(tc.rate/2, tc.tone, tc.rate, 0.5)
			y := All(All(x, tc.rate, 16000), 16000, tc.rate)
			if len(y) != len(x) {
				t.Fatalf("length %d, want %d", len(y), len(x))
			}
			edge := tc.rate / 50 // skip the ramps at both ends (20 ms)
			var sig, noise float64
			for i := edge; i < len(x)-edge; i++ {
				d := float64(y[i] - x[i])
				sig += float64(x[i]) * float64(x[i])
				noise += d * d
			}
			snr := 10 * math.Log10(sig/noise)
			if snr < tc.minDB {
				t.Errorf("SNR %.1f dB, want > %.0f dB", snr, tc.minDB)
			}
			t.Logf("SNR %.1f dB", snr)
		})
	}
}

func TestResampleAliasing(t *testing.T) {
	for _, tc := range []struct {
		from, to int
		tone     float64 // above the output Nyquist
	}{
		{48000, 16000, 10000}, // would alias to 6 kHz
		{48000, 16000, 8400},  // just above Nyquist: would alias to 7.6 kHz
		{44100, 16000, 12000},
		{22050, 16000, 9000},
		{16000, 8000, 5000},
	} {
		t.Run(fmt.Sprintf("%d-%d-%g", tc.from, tc.to, tc.tone), func(t *testing.T) {
			x := testTone(tc.from/2, tc.tone, tc.from, 0.9)
			y := All(x, tc.from, tc.to)
			edge := tc.to / 25
			var p float64
			for _, v := range y[edge : len(y)-edge] {
				p += float64(v) * float64(v)
			}
			p /= float64(len(y) - 2*edge)
			in := 0.9 * 0.9 / 2
			db := 10 * math.Log10(p/in+1e-30)
			if db > -70 {
				t.Errorf("residual %.1f dB relative to the input tone, want < -70 dB", db)
			}
			t.Logf("residual %.1f dB", db)
		})
	}
}

func TestResamplePassband(t *testing.T) {
	// Tones well inside the passband keep their amplitude within 0.01 dB
	// and gain nothing else.
	for _, tc := range []struct {
		from, to int
		tone     float64
	}{
		{48000, 16000, 1000}, {48000, 16000, 7000}, {16000, 48000, 7000}, {44100, 16000, 5000}, {11025, 16000, 4000},
	} {
		x := testTone(tc.from/4, tc.tone, tc.from, 0.5)
		y := All(x, tc.from, tc.to)
		edge := tc.to / 25
		resid, power := testFitSine(y, tc.tone, tc.to, edge, len(y)-edge)
		n := float64(len(y) - 2*edge)
		gainDB := 10 * math.Log10(power/n/(0.5*0.5/2))
		if math.Abs(gainDB) > 0.01 {
			t.Errorf("%d->%d %g Hz: gain %.4f dB", tc.from, tc.to, tc.tone, gainDB)
		}
		if snr := 10 * math.Log10(power/resid); snr < 70 {
			t.Errorf("%d->%d %g Hz: distortion SNR %.1f dB", tc.from, tc.to, tc.tone, snr)
		}
	}
}

func TestResampleStreamingEqualsOneShot(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, p := range testPairs {
		from, to := p[0], p[1]
		t.Run(fmt.Sprintf("%d-%d", from, to), func(t *testing.T) {
			x := testNoise(from/5+rng.IntN(100), uint64(from))
			want := All(x, from, to)
			r, err := New(from, to)
			if err != nil {
				t.Fatal(err)
			}
			for round := 0; round < 2; round++ { // the second round proves Flush resets
				var got []float32
				for rest := x; len(rest) > 0; {
					n := min(len(rest), rng.IntN(9000)) // includes 0-length chunks
					got = r.Process(got, rest[:n])
					rest = rest[n:]
				}
				emitted := len(got)
				if d := float64(len(x))*float64(to)/float64(from) - float64(emitted); d < r.Delay()-1 || d > r.Delay()+1 {
					t.Errorf("held back %.1f outputs, Delay() = %.1f", d, r.Delay())
				}
				got = r.Flush(got)
				if ceil := int(math.Ceil(float64(len(x)) * float64(to) / float64(from))); len(got) != ceil {
					t.Errorf("Process+Flush gave %d samples, want ceil = %d", len(got), ceil)
				}
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("round %d: sample %d: streaming %v, one-shot %v", round, i, got[i], want[i])
					}
				}
			}
		})
	}
}

func TestResampleLengths(t *testing.T) {
	for _, p := range testPairs {
		for _, n := range []int{0, 1, 2, 3, 7, 100, 1001} {
			want := int(math.Round(float64(n) * float64(p[1]) / float64(p[0])))
			if got := len(All(make([]float32, n), p[0], p[1])); got != want {
				t.Errorf("%d->%d, %d samples: length %d, want %d", p[0], p[1], n, got, want)
			}
		}
	}
}

func TestResampleIdentity(t *testing.T) {
	x := testNoise(1000, 1)
	y := All(x, 16000, 16000)
	r, _ := New(16000, 16000)
	z := r.Flush(r.Process(nil, x))
	if r.Delay() != 0 || len(y) != len(x) || len(z) != len(x) {
		t.Fatalf("identity: delay %v, lengths %d %d", r.Delay(), len(y), len(z))
	}
	for i := range x {
		if y[i] != x[i] || z[i] != x[i] {
			t.Fatalf("sample %d changed", i)
		}
	}
	y[0] = 42
	if x[0] == 42 {
		t.Error("Resample returned its input slice")
	}
}

// TestResampleImpulseAlignment checks that output 0 is input 0: an impulse
// at input sample k lands, after 48k->16k->48k, back at k.
func TestResampleImpulseAlignment(t *testing.T) {
	x := make([]float32, 4800)
	x[2400] = 1
	y := All(x, 48000, 16000)
	peak := 0
	for i := range y {
		if y[i] > y[peak] {
			peak = i
		}
	}
	if peak != 800 {
		t.Errorf("impulse at 2400 (48k) peaks at %d (16k), want 800", peak)
	}
}

func TestResamplerErrors(t *testing.T) {
	for _, p := range [][2]int{{0, 16000}, {16000, 0}, {-1, 8000}, {16000, 384001}} {
		if _, err := New(p[0], p[1]); !errors.Is(err, ErrRate) {
			t.Errorf("New(%d, %d) err = %v, want ErrRate", p[0], p[1], err)
		}
	}
}

func TestResamplerNoAllocs(t *testing.T) {
	r, err := New(48000, 16000)
	if err != nil {
		t.Fatal(err)
	}
	src := testNoise(960, 9) // 20 ms
	dst := make([]float32, 0, 400)
	allocs := testing.AllocsPerRun(100, func() {
		dst = r.Process(dst[:0], src)
	})
	if allocs != 0 {
		t.Errorf("Process allocates %v times per call", allocs)
	}
}

func ExampleAll() {
	// 10 ms of a 48 kHz stream becomes 10 ms at 16 kHz.
	x := make([]float32, 480)
	y := All(x, 48000, 16000)
	fmt.Println(len(y))
	// Output: 160
}

func ExampleResampler() {
	r, err := New(44100, 16000)
	if err != nil {
		panic(err)
	}
	in := make([]float32, 441) // 10 ms chunks, as from a sound card
	out := make([]float32, 0, 16000)
	for range 100 { // one second
		out = r.Process(out, in)
	}
	out = r.Flush(out)
	fmt.Println(len(out), r.Delay() < 80)
	// Output: 16000 true
}

func BenchmarkResample48kTo16k(b *testing.B) {
	r, err := New(48000, 16000)
	if err != nil {
		b.Fatal(err)
	}
	src := testNoise(960, 1) // one 20 ms chunk
	dst := make([]float32, 0, 400)
	b.SetBytes(int64(4 * len(src)))
	b.ReportAllocs()
	for b.Loop() {
		dst = r.Process(dst[:0], src)
	}
}

func BenchmarkResample16kTo48k(b *testing.B) {
	r, err := New(16000, 48000)
	if err != nil {
		b.Fatal(err)
	}
	src := testNoise(320, 1)
	dst := make([]float32, 0, 1000)
	b.SetBytes(int64(4 * len(src)))
	b.ReportAllocs()
	for b.Loop() {
		dst = r.Process(dst[:0], src)
	}
}

func BenchmarkResample44100To16kInterpolated(b *testing.B) {
	r, err := New(44101, 16000)
	if err != nil {
		b.Fatal(err)
	}
	src := testNoise(882, 1)
	dst := make([]float32, 0, 400)
	b.SetBytes(int64(4 * len(src)))
	b.ReportAllocs()
	for b.Loop() {
		dst = r.Process(dst[:0], src)
	}
}
