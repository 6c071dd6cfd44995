//go:build portaudio && cgo

package pa

import (
	"encoding/binary"
	"errors"
	"math"
	"os"
	"testing"

	"github.com/vqspeak/vqspeak/features/resample"
	"github.com/vqspeak/vqspeak/internal/device"
	"github.com/vqspeak/vqspeak/internal/device/alsatest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	alsatest.Cleanup() // the shared ALSA directory of Setup
	os.Exit(code)
}

// The tests run PortAudio against ALSA's file plugin (see
// alsatest.Config): capture reads a raw file, playback writes one, so no
// sound card is needed.

func openFileHost(t *testing.T) (*Host, string, string) {
	t.Helper()
	in, out := alsatest.Setup(t)
	h, err := Open()
	if errors.Is(err, ErrInit) {
		t.Skipf("PortAudio cannot start on this machine: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h, in, out
}

func writeRaw(t *testing.T, path string, x []float32) {
	t.Helper()
	b := make([]byte, 2*len(x))
	for i, v := range x {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(int16(math.Round(float64(v)*32767))))
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func readRaw(t *testing.T, path string) []float32 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float32, len(b)/2)
	for i := range x {
		x[i] = float32(int16(binary.LittleEndian.Uint16(b[2*i:]))) / 32768
	}
	return x
}

func sine(n int, f, rate float64) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = 0.5 * float32(math.Sin(2*math.Pi*f*float64(i)/rate))
	}
	return x
}

func TestDevicesAndCapture(t *testing.T) {
	h, inPath, _ := openFileHost(t)
	devs, err := h.Devices()
	if err != nil {
		t.Fatal(err)
	}
	var def *device.Info
	for i := range devs {
		if devs[i].DefaultInput {
			def = &devs[i]
		}
	}
	if def == nil || def.Name != "default" || def.DefaultSampleRate < 8000 {
		t.Fatalf("default input device: %+v (devices %+v)", def, devs)
	}
	rate := def.DefaultSampleRate
	x := sine(int(rate), 500, rate) // one second at the device's rate
	writeRaw(t, inPath, x)
	src, err := h.OpenSource("", device.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if src.DeviceRate() != rate {
		t.Errorf("stream runs at %v Hz, want the device's default %v", src.DeviceRate(), rate)
	}
	got := make([]float32, device.Rate*9/10)
	if err := src.Read(got); err != nil {
		t.Fatal(err)
	}
	want := resample.All(x, int(rate), device.Rate)
	var d float64
	for i := range got {
		d = max(d, math.Abs(float64(got[i]-want[i])))
	}
	if d > 2e-3 {
		t.Errorf("captured audio differs from the file by up to %.3g", d)
	}
	if l := src.Latency(); l <= 0 || l > 500e6 {
		t.Errorf("input latency %v", l)
	}
	if err := src.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := src.Read(got[:1]); !errors.Is(err, device.ErrClosed) {
		t.Errorf("Read after Close: %v", err)
	}
}

func TestPlayback(t *testing.T) {
	h, _, outPath := openFileHost(t)
	sink, err := h.OpenSink("default", device.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	x := sine(device.Rate, 700, device.Rate)
	for i := 0; i < len(x); i += 320 {
		if err := sink.Write(x[i : i+320]); err != nil {
			t.Fatal(err)
		}
	}
	if err := sink.Drain(); err != nil {
		t.Fatal(err)
	}
	rate := sink.DeviceRate()
	sink.Close()
	got := readRaw(t, outPath)
	want := resample.All(x, device.Rate, int(rate))
	if len(got) < len(want) || len(got) > len(want)+int(rate)/50 {
		t.Fatalf("played %d samples, want %d (+ a buffer of padding)", len(got), len(want))
	}
	var d float64
	for i := range want {
		d = max(d, math.Abs(float64(got[i]-want[i])))
	}
	if d > 2e-3 {
		t.Errorf("played audio differs from the input by up to %.3g", d)
	}
}

func TestFindDevice(t *testing.T) {
	h, _, _ := openFileHost(t)
	for _, tc := range []struct {
		name  string
		input bool
		want  string
	}{
		{"", true, "default"},
		{"filein", true, "filein"},
		{"FILEOUT", false, "fileout"},
		{"2", false, "default"},
	} {
		d, err := h.find(tc.name, tc.input)
		if err != nil || d.Name != tc.want {
			t.Errorf("find(%q) = %v, %v; want %q", tc.name, d, err, tc.want)
		}
	}
	for _, name := range []string{"nonesuch", "file"} { // none, two matches
		if _, err := h.find(name, true); !errors.Is(err, device.ErrNoDevice) {
			t.Errorf("find(%q): %v, want ErrNoDevice", name, err)
		}
	}
}
