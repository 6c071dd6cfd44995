package bench

import (
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"
)

func TestWritePlots(t *testing.T) {
	res, err := shortRun()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	paths, err := WritePlots(dir, res)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{QualityPlot, SpectrogramPlot, TimingPlot}
	if len(paths) != len(want) {
		t.Fatalf("wrote %q, want %q", paths, want)
	}
	for i, p := range paths {
		if filepath.Base(p) != want[i] {
			t.Errorf("plot %d is %s, want %s", i, p, want[i])
		}
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := png.DecodeConfig(f)
		f.Close()
		if err != nil || cfg.Width < 600 || cfg.Height < 300 {
			t.Errorf("%s: %dx%d, %v", p, cfg.Width, cfg.Height, err)
		}
	}
}

func TestSpectrogramShape(t *testing.T) {
	// A 1 kHz tone puts its peak in bin 32 of a 512-point FFT at 16 kHz.
	x := make([]float32, 16000)
	for i := range x {
		x[i] = float32(0.5 * math.Sin(2*3.141592653589793*1000*float64(i)/16000))
	}
	frames := spectrogram(x)
	if len(frames) != 100 {
		t.Fatalf("%d frames for 1 s, want 100", len(frames))
	}
	col := frames[50]
	best := 0
	for k := range col {
		if col[k] > col[best] {
			best = k
		}
	}
	if best != 32 {
		t.Errorf("peak in bin %d, want 32", best)
	}
	if col[32]-col[200] < 60 {
		t.Errorf("tone only %.1f dB above bin 200", col[32]-col[200])
	}
}
