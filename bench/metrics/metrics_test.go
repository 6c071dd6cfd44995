package metrics

import (
	"encoding/csv"
	"errors"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/go-audio/wav"
)

const metricsDir = "../../testdata/metrics"

// readWAV reads a 16-bit PCM mono fixture as float32 in [-1, 1).
func readWAV(tb testing.TB, name string) ([]float32, int) {
	tb.Helper()
	f, err := os.Open(filepath.Join(metricsDir, name))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	d := wav.NewDecoder(f)
	buf, err := d.FullPCMBuffer()
	if err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	if buf.Format.NumChannels != 1 || d.BitDepth != 16 {
		tb.Fatalf("%s: want 16-bit mono, got %d channels %d bits", name, buf.Format.NumChannels, d.BitDepth)
	}
	x := make([]float32, len(buf.Data))
	for i, v := range buf.Data {
		x[i] = float32(v) / 32768
	}
	return x, buf.Format.SampleRate
}

var (
	wavCacheMu sync.Mutex
	wavCache   = map[string][]float32{}
)

// fixture returns a cached fixture (tests read several metrics per file).
func fixture(tb testing.TB, name string) []float32 {
	tb.Helper()
	wavCacheMu.Lock()
	defer wavCacheMu.Unlock()
	if x, ok := wavCache[name]; ok {
		return x
	}
	x, fs := readWAV(tb, name)
	if fs != 16000 {
		tb.Fatalf("%s: %d Hz, want 16000", name, fs)
	}
	wavCache[name] = x
	return x
}

type vector struct {
	ref, deg         string
	stoi, estoi, mcd float64
}

func readVectors(tb testing.TB) []vector {
	tb.Helper()
	f, err := os.Open(filepath.Join(metricsDir, "vectors.csv"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	var vs []vector
	for _, r := range rows[1:] {
		v := vector{ref: r[0], deg: r[1]}
		for i, p := range []*float64{&v.stoi, &v.estoi, &v.mcd} {
			if *p, err = strconv.ParseFloat(r[2+i], 64); err != nil {
				tb.Fatal(err)
			}
		}
		vs = append(vs, v)
	}
	if len(vs) != 15 {
		tb.Fatalf("vectors.csv: %d rows, want 15", len(vs))
	}
	return vs
}

// TestVectors checks STOI, ESTOI and MCD against every published reference
// value: the acceptance criteria of the metrics.
func TestVectors(t *testing.T) {
	for _, v := range readVectors(t) {
		t.Run(v.deg, func(t *testing.T) {
			ref, deg := fixture(t, v.ref), fixture(t, v.deg)
			checks := []struct {
				name string
				f    func([]float32, []float32, int) (float64, error)
				want float64
				tol  float64
			}{
				{"STOI", STOI, v.stoi, 0.005},
				{"ESTOI", ESTOI, v.estoi, 0.005},
				{"MCD", MCD, v.mcd, 0.05},
			}
			for _, c := range checks {
				got, err := c.f(ref, deg, 16000)
				if err != nil {
					t.Fatalf("%s: %v", c.name, err)
				}
				t.Logf("%-5s got %.5f want %.5f diff %+.5f", c.name, got, c.want, got-c.want)
				if math.Abs(got-c.want) > c.tol {
					t.Errorf("%s = %.5f, want %.5f ± %g", c.name, got, c.want, c.tol)
				}
			}
		})
	}
}

// TestIdentical: a signal against itself is perfect on every metric.
func TestIdentical(t *testing.T) {
	x := fixture(t, "ref0.wav")
	rep, err := Measure(x, x, 16000)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(rep.STOI-1) > 1e-9 || math.Abs(rep.ESTOI-1) > 1e-9 {
		t.Errorf("STOI %v ESTOI %v, want 1", rep.STOI, rep.ESTOI)
	}
	if rep.MCD != 0 || rep.LSD != 0 {
		t.Errorf("MCD %v LSD %v, want 0", rep.MCD, rep.LSD)
	}
	if rep.F0RMSECents != 0 || rep.F0RMSEHz != 0 || rep.VoicingError != 0 {
		t.Errorf("F0 %v cents %v Hz voicing %v, want 0", rep.F0RMSECents, rep.F0RMSEHz, rep.VoicingError)
	}
}

// TestMeasureDelayed: Measure removes a codec-like delay before scoring, so
// a delayed copy scores like the original.
func TestMeasureDelayed(t *testing.T) {
	x := fixture(t, "ref0.wav")
	const delay = 397 // about 25 ms
	d := make([]float32, len(x))
	copy(d[delay:], x)
	rep, err := Measure(x, d, 16000)
	if err != nil {
		t.Fatal(err)
	}
	if rep.STOI < 0.9999 || rep.MCD > 1e-9 || rep.LSD > 1e-9 || rep.VoicingError != 0 {
		t.Errorf("delayed copy: %v", rep)
	}
}

func TestErrors(t *testing.T) {
	short := make([]float32, 100)
	long := make([]float32, 16000)
	rng := rand.New(rand.NewSource(1))
	for i := range long {
		long[i] = float32(rng.NormFloat64() * 0.1)
	}
	pair := map[string]func([]float32, []float32, int) (float64, error){
		"STOI": STOI, "ESTOI": ESTOI, "MCD": MCD, "LSD": LSD, "VoicingError": VoicingError,
	}
	for name, f := range pair {
		if _, err := f(long, long[:8000], 16000); !errors.Is(err, ErrLengthMismatch) {
			t.Errorf("%s length mismatch: err %v", name, err)
		}
		if _, err := f(long, long, 0); !errors.Is(err, ErrSampleRate) {
			t.Errorf("%s fs 0: err %v", name, err)
		}
		for _, in := range [][]float32{nil, short} {
			if _, err := f(in, in, 16000); !errors.Is(err, ErrTooShort) {
				t.Errorf("%s on %d samples: err %v, want ErrTooShort", name, len(in), err)
			}
		}
	}
	if _, err := STOI(short, short, 16000); !errors.Is(err, ErrTooShort) {
		t.Errorf("STOI short: %v", err)
	}
	silent := make([]float32, 16000)
	if _, err := MCD(silent, silent, 16000); !errors.Is(err, ErrSilent) {
		t.Errorf("MCD silent: %v", err)
	}
	if _, err := Measure(nil, nil, 16000); err == nil {
		t.Error("Measure on empty input: no error")
	}
	if _, _, err := F0RMSE(long, long, 16000); !errors.Is(err, ErrNoVoicedFrames) {
		t.Errorf("F0RMSE on noise: %v", err)
	}
}

func BenchmarkSTOI(b *testing.B) {
	ref, deg := fixture(b, "ref0.wav"), fixture(b, "deg0_opus8k.wav")
	b.SetBytes(int64(4 * len(ref)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := STOI(ref, deg, 16000); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMeasure(b *testing.B) {
	ref, deg := fixture(b, "ref0.wav"), fixture(b, "deg0_opus8k.wav")
	b.SetBytes(int64(4 * len(ref)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Measure(ref, deg, 16000); err != nil {
			b.Fatal(err)
		}
	}
}
