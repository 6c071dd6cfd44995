//go:build portaudio && cgo

package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vqspeak/vqspeak/bench/metrics"
	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/codec/vqs"
	"github.com/vqspeak/vqspeak/features/resample"
	"github.com/vqspeak/vqspeak/internal/audiofile"
	"github.com/vqspeak/vqspeak/internal/device/alsatest"
	"github.com/vqspeak/vqspeak/internal/device/pa"
)

func init() { afterTests = append(afterTests, alsatest.Cleanup) }

// These tests run the live commands through PortAudio and ALSA's file
// plugin: the "microphone" plays the test clip from a raw file and the
// "speakers" write one (package alsatest).

// liveSetup points ALSA at the files, loads the clip (16 kHz) and writes it
// to the capture file at the default device's rate, which it returns.
func liveSetup(t *testing.T) (x []float32, rate int, in, out string) {
	t.Helper()
	in, out = alsatest.Setup(t)
	h, err := pa.Open()
	if errors.Is(err, pa.ErrInit) {
		t.Skipf("PortAudio cannot start on this machine: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	devs, err := h.Devices()
	h.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range devs {
		if d.DefaultInput {
			rate = int(d.DefaultSampleRate)
		}
	}
	a, err := audiofile.ReadFile(clip)
	if err != nil {
		t.Fatal(err)
	}
	x = a.Samples
	y := resample.All(x, codec.SampleRate, rate)
	b := make([]byte, 2*len(y))
	for i, v := range y {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(int16(math.Round(float64(v)*32767))))
	}
	if err := os.WriteFile(in, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return x, rate, in, out
}

// readPlayed reads the playback file back at 16 kHz.
func readPlayed(t *testing.T, path string, rate int) []float32 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	y := make([]float32, len(b)/2)
	for i := range y {
		y[i] = float32(int16(binary.LittleEndian.Uint16(b[2*i:]))) / 32768
	}
	return resample.All(y, rate, codec.SampleRate)
}

func decodeVQS(t *testing.T, path string) ([]float32, *vqs.Decoder) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fd, err := vqs.NewDecoder(f, codec.DefaultCodebook())
	if err != nil {
		t.Fatal(err)
	}
	var y []float32
	for {
		if y, err = fd.ReadSamples(y); err != nil {
			break
		}
	}
	return y, fd
}

// aligned returns the STOI of y against x after aligning them, and the lag.
func aligned(t *testing.T, x, y []float32) (float64, int) {
	t.Helper()
	lag := metrics.Align(x, y, 8000)
	if lag < 0 || lag+len(x) > len(y) {
		t.Fatalf("lag %d: %d samples out for %d in", lag, len(y), len(x))
	}
	s, err := metrics.STOI(x, y[lag:lag+len(x)], codec.SampleRate)
	if err != nil {
		t.Fatal(err)
	}
	return s, lag
}

func TestLiveRecord(t *testing.T) { liveRecord(t, codec.StagesMode(codec.DefaultStages)) }

// TestLiveRecordLowRate: record -bitrate 1200 writes a file of the 40 ms
// mode, which the header records.
func TestLiveRecordLowRate(t *testing.T) { liveRecord(t, codec.Mode1200, "-bitrate", "1200") }

func liveRecord(t *testing.T, mode codec.Mode, flags ...string) {
	x, rate, _, _ := liveSetup(t)
	out := filepath.Join(t.TempDir(), "rec.vqs")
	dur := time.Duration(len(x))*time.Second/codec.SampleRate + 500*time.Millisecond
	args := append(append([]string{"record", "-duration", dur.String()}, flags...), out)
	code, _, stderr := vqspeakIn(t, context.Background(), nil, args...)
	if code != 0 {
		t.Fatalf("record: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "recorded at ") {
		t.Errorf("record's summary: %s", stderr)
	}
	y, fd := decodeVQS(t, out)
	if len(fd.Damage()) > 0 {
		t.Errorf("recording is damaged: %v", fd.Damage())
	}
	if m, err := fd.Header().Mode(); err != nil || m != mode {
		t.Errorf("recorded mode %v (%v), want %v", m, err, mode)
	}
	if want := int(dur * codec.SampleRate / time.Second); len(y) < want || len(y) > want+2*mode.PacketSamples() {
		t.Errorf("decoded %d samples, want about %d", len(y), want)
	}
	s, lag := aligned(t, x, y)
	t.Logf("device rate %d Hz: STOI %.3f at lag %d samples", rate, s, lag)
	if s < 0.6 {
		t.Errorf("recording's STOI against the clip = %.3f, want > 0.6", s)
	}
	if lag > 2*codec.Delay {
		t.Errorf("recording lags the clip by %d samples", lag)
	}
}

// TestLiveRecordInterrupt: Ctrl-C (a cancelled context) ends a recording
// with exit 0 and a complete, undamaged file.
func TestLiveRecordInterrupt(t *testing.T) {
	liveSetup(t)
	out := filepath.Join(t.TempDir(), "rec.vqs")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	var stderr string
	go func() {
		var code int
		code, _, stderr = vqspeakIn(t, ctx, nil, "record", "-stages", "2", out)
		done <- code
	}()
	// The file plugin runs faster than real time: wait for a few flushes.
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if fi, err := os.Stat(out); err == nil && fi.Size() > 2000 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("record after Ctrl-C: exit %d: %s", code, stderr)
	}
	y, fd := decodeVQS(t, out)
	st := fd.Stats()
	if len(fd.Damage()) > 0 || st.Packets < 50 || len(y) < int(st.Packets)*codec.PacketSamples-codec.PacketSamples || len(y) > int(st.Packets)*codec.PacketSamples {
		t.Errorf("interrupted recording: %d packets, %d samples, damage %v", st.Packets, len(y), fd.Damage())
	}
	if code, info, _ := vqspeakIn(t, context.Background(), nil, "info", out); code != 0 || !bytes.Contains(info, []byte("encoder set to 2")) {
		t.Errorf("info on the interrupted recording: exit %d\n%s", code, info)
	}
}

func TestLivePlay(t *testing.T) { livePlay(t) }

// TestLivePlayLowRate: play a file of the 1600 b/s mode.
func TestLivePlayLowRate(t *testing.T) { livePlay(t, "-bitrate", "1600") }

func livePlay(t *testing.T, flags ...string) {
	_, rate, _, played := liveSetup(t)
	dir := t.TempDir()
	vqs := filepath.Join(dir, "a.vqs")
	if code, _, stderr := vqspeakIn(t, context.Background(), nil, append(append([]string{"encode"}, flags...), clip, vqs)...); code != 0 {
		t.Fatalf("encode: %s", stderr)
	}
	dec, _ := decodeVQS(t, vqs)
	// The reference goes through the same two resamplings as the played
	// audio (16 kHz → device in play, device → 16 kHz in the test), which
	// cut the top 5 % of the band.
	want := resample.All(resample.All(dec, codec.SampleRate, rate), rate, codec.SampleRate)
	code, _, stderr := vqspeakIn(t, context.Background(), nil, "play", vqs)
	if code != 0 {
		t.Fatalf("play: exit %d: %s", code, stderr)
	}
	got := readPlayed(t, played, rate)
	// Played = the decoded file quantised to 16 bits, plus less than 10 ms
	// of padding.
	if len(got) < len(want) || len(got) > len(want)+codec.SampleRate/100+1 {
		t.Fatalf("played %d samples, decoded %d", len(got), len(want))
	}
	var num, den float64
	for i := range want {
		d := float64(got[i] - want[i])
		num += d * d
		den += float64(want[i]) * float64(want[i])
	}
	snr := 10 * math.Log10(den/num)
	t.Logf("played vs decoded: SNR %.1f dB over %d samples (%d Hz device)", snr, len(want), rate)
	if snr < 40 {
		t.Errorf("played audio differs from the decoded file: SNR %.1f dB", snr)
	}
}

var reportLine = regexp.MustCompile(`^\s*\d+\.\d s\s+(\d+) b/s\s+buffer \d+ pkt .*latency (\d+) ms \(stream (\d+) ms \+ net (\d+) ms \+ devices (\d+) ms \+ rings (\d+) ms\)$`)

func TestLiveLoopback(t *testing.T) { liveLoopback(t, "3200", 0.6, 0) }

// TestLiveLoopbackLowRate is TestLiveLoopback in the 1600 b/s mode (40 ms
// packets): the stream latency it reports is 50 ms of codec plus the
// buffer. The buffer starts at one 40 ms packet and sheds it after a
// second (25 slots), so the first second lags 40 ms more than the rest:
// one alignment of the whole lands between the two and scores lower.
func TestLiveLoopbackLowRate(t *testing.T) { liveLoopback(t, "1600", 0.5, 40, "-bitrate", "1600") }

// liveLoopback runs the loopback command for 5 s with flags and checks
// its reports (each naming bitrate b/s) against the played audio: STOI
// at least minSTOI, the lag within 20 ms (and slackMs more) of the
// reported stream latency.
func liveLoopback(t *testing.T, bitrate string, minSTOI float64, slackMs int, flags ...string) {
	x, rate, _, played := liveSetup(t)
	code, stdout, stderr := vqspeakIn(t, context.Background(), nil, append([]string{"loopback", "-duration", "5s"}, flags...)...)
	if code != 0 {
		t.Fatalf("loopback: exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(string(stdout)), "\n")
	if len(lines) != 5 {
		t.Fatalf("want 5 report lines, got:\n%s", stdout)
	}
	var streamMs int
	for _, l := range lines {
		m := reportLine.FindStringSubmatch(l)
		if m == nil || m[1] != bitrate {
			t.Fatalf("report line %q", l)
		}
		streamMs = atoi(m[3])
	}
	t.Logf("%s\n%s", stdout, stderr)
	y := readPlayed(t, played, rate)
	s, lag := aligned(t, x, y)
	lagMs := lag * 1000 / codec.SampleRate
	t.Logf("loopback: STOI %.3f, measured lag %d ms, reported stream latency %d ms", s, lagMs, streamMs)
	if s < minSTOI {
		t.Errorf("loopback STOI %.3f, want > %.2f", s, minSTOI)
	}
	// The file plugin has no clock, so the lag in the played file is the
	// pipeline's own delay: the stream layer's report, within a packet.
	if d := lagMs - streamMs; d < -20 || d > 20+slackMs {
		t.Errorf("played audio lags by %d ms, the stream layer reports %d ms", lagMs, streamMs)
	}
}

// TestLiveLoopbackRepeatable: with loss and jitter, two runs with one seed
// report the same traffic (the latency column aside: ring fill depends on
// scheduling).
func TestLiveLoopbackRepeatable(t *testing.T) {
	liveSetup(t)
	var runs [2]string
	for i := range runs {
		code, stdout, stderr := vqspeakIn(t, context.Background(), nil, "loopback", "-duration", "3s", "-loss", "20", "-jitter", "60", "-seed", "7")
		if code != 0 {
			t.Fatalf("loopback: exit %d: %s", code, stderr)
		}
		var b strings.Builder
		for _, l := range strings.Split(strings.TrimSpace(string(stdout)), "\n") {
			head, _, _ := strings.Cut(l, "latency")
			b.WriteString(head + "\n")
		}
		runs[i] = b.String()
		if !strings.Contains(stderr, "network lost") || strings.Contains(stderr, "network lost 0,") {
			t.Errorf("20%% loss lost nothing: %s", stderr)
		}
	}
	if runs[0] != runs[1] {
		t.Errorf("two runs with seed 7 differ:\n%s\n%s", runs[0], runs[1])
	}
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

// TestNoSoundCard runs record where ALSA has no device at all (an empty
// HOME, no JACK): instead of the audio libraries' pages of noise, a short
// message that says what was looked for and what to do, exit 1, no file.
func TestNoSoundCard(t *testing.T) {
	home := t.TempDir()
	out := filepath.Join(home, "rec.vqs")
	cmd := exec.Command(os.Args[0], "record", out)
	cmd.Env = append(os.Environ(), "VQSPEAK_TEST_MAIN=1", "HOME="+home, "JACK_NO_START_SERVER=1", "VQSPEAK_AUDIO_DEBUG=")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitFailure {
		t.Fatalf("exit %v, want 1; stderr:\n%s", err, stderr.String())
	}
	s := stderr.String()
	if n := strings.Count(s, "\n"); n > 3 {
		t.Errorf("%d lines on stderr:\n%s", n, s)
	}
	for _, want := range []string{"no default input device", `"vqspeak devices"`, "docs/asoundrc.example"} {
		if !strings.Contains(s, want) {
			t.Errorf("stderr lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "ALSA lib") || strings.Contains(s, "jack") {
		t.Errorf("library noise on stderr:\n%s", s)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("record left a file behind")
	}
}
