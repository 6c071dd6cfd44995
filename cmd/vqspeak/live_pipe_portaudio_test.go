//go:build portaudio && cgo

package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vqspeak/vqspeak/bench/metrics"
	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/codec/vqs"
	"github.com/vqspeak/vqspeak/internal/device"
	"github.com/vqspeak/vqspeak/internal/device/pa"
	"github.com/vqspeak/vqspeak/stream"
)

// ALSA's file plugin runs as fast as it is driven; a pipe between record
// and play needs both ends held to one clock, as sound cards are. The
// paced host holds them to the wall clock: a Read returns when its last
// sample would have been captured, a Write when what is left to play
// fits in the device's ring.

type pacedHost struct{ device.Host }

func pacedOpen() (device.Host, error) {
	h, err := pa.Open()
	if err != nil {
		return nil, err
	}
	return pacedHost{h}, nil
}

// The child processes of TestLivePipeProcesses run paced too.
func init() {
	if os.Getenv("VQSPEAK_TEST_PACED") == "1" {
		openHost = pacedOpen
	}
}

func (h pacedHost) OpenSource(name string, cfg device.Config) (device.Source, error) {
	s, err := h.Host.OpenSource(name, cfg)
	if err != nil {
		return nil, err
	}
	return &pacedSource{Source: s}, nil
}

func (h pacedHost) OpenSink(name string, cfg device.Config) (device.Sink, error) {
	s, err := h.Host.OpenSink(name, cfg)
	if err != nil {
		return nil, err
	}
	return &pacedSink{Sink: s}, nil
}

type pacedSource struct {
	device.Source
	start time.Time
	n     int64
}

func (s *pacedSource) Read(dst []float32) error {
	if s.start.IsZero() {
		s.start = time.Now()
	}
	err := s.Source.Read(dst)
	s.n += int64(len(dst))
	time.Sleep(time.Until(s.start.Add(time.Duration(s.n) * time.Second / codec.SampleRate)))
	return err
}

type pacedSink struct {
	device.Sink
	start time.Time
	n     int64
}

func (s *pacedSink) Write(p []float32) error {
	if s.start.IsZero() {
		s.start = time.Now()
	}
	err := s.Sink.Write(p)
	s.n += int64(len(p))
	time.Sleep(time.Until(s.start.Add(time.Duration(s.n)*time.Second/codec.SampleRate - pipeRing)))
	return err
}

var playSummary = regexp.MustCompile(`played at \d+ Hz \(live, ([^)]+)\): (\d+) packets, concealed (\d+), recovered \d+, late \d+, shed (\d+); latency (\d+) ms`)

// checkPiped scores what play wrote against the clip fed to record. The
// jitter buffer may shed or stretch a slot as it adapts, which moves
// everything after it by a packet (20 or 40 ms), so each 0.5 s of the
// played audio is aligned on its own (within 40 ms of the whole clip's
// alignment: one 40 ms packet, whose output Align places less sharply, so
// a wider search finds false peaks) before STOI scores the whole clip; the
// better of that and the STOI of one alignment must reach minSTOI.
func checkPiped(t *testing.T, x []float32, rate int, played, playErr string) {
	checkPipedMode(t, x, rate, played, playErr, codec.StagesMode(codec.DefaultStages), 0.8)
}

func checkPipedMode(t *testing.T, x []float32, rate int, played, playErr string, mode codec.Mode, minSTOI float64) {
	t.Helper()
	m := playSummary.FindStringSubmatch(playErr)
	if m == nil {
		t.Fatalf("play's summary: %s", playErr)
	}
	y := readPlayed(t, played, rate)
	whole, lag0 := aligned(t, x, y)
	const seg, slack = codec.SampleRate / 2, 2 * codec.PacketSamples
	z := make([]float32, len(x))
	var lags []int
	for start := 0; start < len(x); start += seg {
		xs := x[start:min(start+seg, len(x))]
		from := max(start+lag0-slack, 0)
		lag := from - start + metrics.Align(xs, y[from:], 2*slack)
		if start+lag+len(xs) > len(y) {
			t.Fatalf("segment at %d: lag %d, %d samples played", start, lag, len(y))
		}
		copy(z[start:], y[start+lag:start+lag+len(xs)])
		lags = append(lags, lag*1000/codec.SampleRate)
	}
	stoi, err := metrics.STOI(x, z, codec.SampleRate)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("STOI %.3f aligned per 0.5 s, %.3f aligned once; played this many ms after capture, per 0.5 s: %v; play reports %s", stoi, whole, lags, m[0])
	stoi = max(stoi, whole) // a segment's alignment can miss (40 ms packets align less sharply)
	if stoi < minSTOI {
		t.Errorf("STOI %.3f through the pipe, want ≥ %.2f", stoi, minSTOI)
	}
	if c := atoi(m[3]); c > 10 {
		t.Errorf("%d slots concealed on a pipe that lost nothing", c)
	}
}

// TestLivePipe: record - | play -, two commands in one process joined by
// an io.Pipe; Ctrl-C on record ends the stream, and play drains and exits 0.
func TestLivePipe(t *testing.T) { livePipe(t, codec.StagesMode(codec.DefaultStages), 0.8) }

// TestLivePipeLowRate: record -bitrate 1600 - | play -: the 40 ms mode
// through the pipe, named in both summaries, with the codec's 50 ms. The
// bar is lower than at 3200 b/s: the mode scores STOI 0.842 on this clip
// as a file (0.885 at 3200 b/s).
func TestLivePipeLowRate(t *testing.T) { livePipe(t, codec.Mode1600, 0.78, "-bitrate", "1600") }

func livePipe(t *testing.T, mode codec.Mode, minSTOI float64, flags ...string) {
	x, rate, _, played := liveSetup(t)
	defer func(o func() (device.Host, error)) { openHost = o }(openHost)
	openHost = pacedOpen

	pr, pw := io.Pipe()
	ctx, interrupt := context.WithCancel(context.Background())
	recErr := make(chan string, 1)
	var recCode int
	go func() {
		var stderr bytes.Buffer
		recCode = run(ctx, append(append([]string{"record"}, flags...), "-"), nil, pw, &stderr)
		pw.Close()
		recErr <- stderr.String()
	}()
	// Ctrl-C once the clip and half a second of silence are recorded.
	time.AfterFunc(time.Duration(len(x))*time.Second/codec.SampleRate+500*time.Millisecond, interrupt)
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"play", "-"}, pr, &stdout, &stderr)
	rs := <-recErr
	if recCode != 0 || code != 0 {
		t.Fatalf("record exit %d: %s\nplay exit %d: %s", recCode, rs, code, stderr.String())
	}
	t.Logf("%s%s", rs, stderr.String())
	label := liveModeLabel(mode)
	if !strings.Contains(rs, label) || !strings.Contains(stderr.String(), "(live, "+label+")") ||
		!strings.Contains(stderr.String(), "codec "+ms(mode.Latency())) {
		t.Errorf("summaries do not name %q and the codec's %s", label, ms(mode.Latency()))
	}
	checkPipedMode(t, x, rate, played, stderr.String(), mode, minSTOI)
}

// TestLivePipeProcesses: the same through a real OS pipe between two
// processes, with FEC. (DTX is tested with an injected clock in
// TestLivePlayerDTX: its comfort noise defeats this test's alignment.)
func TestLivePipeProcesses(t *testing.T) {
	x, rate, _, played := liveSetup(t)
	dur := time.Duration(len(x))*time.Second/codec.SampleRate + 500*time.Millisecond
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "VQSPEAK_TEST_MAIN=1", "VQSPEAK_TEST_PACED=1")
	rec := exec.Command(os.Args[0], "record", "-fec", "-duration", dur.String())
	rec.Stdout, rec.Env = w, env
	play := exec.Command(os.Args[0], "play", "-")
	play.Stdin, play.Env = r, env
	var recErr, playErr bytes.Buffer
	rec.Stderr, play.Stderr = &recErr, &playErr
	if err := rec.Start(); err != nil {
		t.Fatal(err)
	}
	if err := play.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	r.Close()
	if err := rec.Wait(); err != nil {
		t.Errorf("record: %v: %s", err, recErr.String())
	}
	if err := play.Wait(); err != nil {
		t.Fatalf("play: %v: %s", err, playErr.String())
	}
	t.Logf("%s%s", recErr.String(), playErr.String())
	if !strings.Contains(recErr.String(), "b/s on the pipe") {
		t.Errorf("record's summary: %s", recErr.String())
	}
	checkPiped(t, x, rate, played, playErr.String())
}

// TestLivePipeBroken: when play goes away, record stops at once with a
// clear message and exit 1.
func TestLivePipeBroken(t *testing.T) {
	liveSetup(t)
	pr, pw := io.Pipe()
	go func() {
		io.CopyN(io.Discard, pr, 500)
		pr.Close()
	}()
	var stderr bytes.Buffer
	code := run(context.Background(), []string{"record", "-"}, nil, pw, &stderr)
	if code != exitFailure || !strings.Contains(stderr.String(), "broken pipe") {
		t.Errorf("record into a closed pipe: exit %d: %s", code, stderr.String())
	}
}

// TestLivePlayJoin: play joins a live stream mid-way, in the middle of a
// frame, and starts within one block (a second).
func TestLivePlayJoin(t *testing.T) {
	livePlayJoin(t, stream.EncoderConfig{}, 30, vqs.LiveBlockPackets)
}

// TestLivePlayJoinLowRate: the same for a 1200 b/s stream (40 ms
// packets, a header every 25): play takes the mode from the block header.
func TestLivePlayJoinLowRate(t *testing.T) {
	livePlayJoin(t, stream.EncoderConfig{Mode: codec.Mode1200}, 15, vqs.LiveBlockPackets/2)
}

// livePlayJoin joins in the middle of packet from's frame; the first
// header after it comes with packet header.
func livePlayJoin(t *testing.T, cfg stream.EncoderConfig, from, header int) {
	x, _, _, _ := liveSetup(t)
	defer func(o func() (device.Host, error)) { openHost = o }(openHost)
	openHost = pacedOpen
	frames, _ := liveFrames(t, x, cfg)
	pr, pw := io.Pipe()
	go func() {
		pw.Write(frames[1+from][4:])
		for _, f := range frames[2+from:] {
			time.Sleep(stream.Latency{Samples: max(codec.PacketSamples, cfg.Mode.PacketSamples())}.Duration())
			if _, err := pw.Write(f); err != nil {
				return
			}
		}
		pw.Close()
	}()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"play", "-"}, pr, &stdout, &stderr)
	m := playSummary.FindStringSubmatch(stderr.String())
	if code != 0 || m == nil {
		t.Fatalf("play: exit %d: %s", code, stderr.String())
	}
	if got, want := atoi(m[2]), len(frames)-1-header; got != want {
		t.Errorf("played %d packets of the %d after the first block header", got, want)
	}
	if strings.Contains(stderr.String(), "warning") {
		t.Errorf("joining reported damage: %s", stderr.String())
	}
}
