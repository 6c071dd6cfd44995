package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/internal/audiofile"
	"github.com/vqspeak/vqspeak/stream"
)

// TestDecodeLiveFile: what "vqspeak record > talk.vqs" leaves is a file
// that decode and info read, with FEC and DTX too: decode gives the same
// length as for the plain stream and reports no damage.
func TestDecodeLiveFile(t *testing.T) {
	a, err := audiofile.ReadFile(clip)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var lengths []int
	for i, cfg := range []stream.EncoderConfig{{}, {FEC: true}, {DTX: true}} {
		frames, _ := liveFrames(t, a.Samples, cfg)
		in, y := decodeLive(t, dir, frames, fmt.Sprintf("%+v", cfg))
		lengths = append(lengths, len(y))
		if lengths[i] != lengths[0] {
			t.Errorf("%+v: %d samples decoded, %d without FEC and DTX", cfg, lengths[i], lengths[0])
		}
		// info counts slots: DTX's gaps are part of the duration, said as such.
		code, info, stderr := vqspeakIn(t, context.Background(), nil, "info", in)
		if code != 0 || !bytes.Contains(info, []byte("4.40 s")) || cfg.DTX != bytes.Contains(info, []byte("not sent (DTX)")) {
			t.Errorf("%+v: info exit %d: %s%s", cfg, code, info, stderr)
		}
	}
}

// TestDecodeLiveFileLowRate: "vqspeak record -bitrate 1600 > talk.vqs"
// leaves a live stream of 40 ms packets that decode and info read (the
// mode from the header), and record refuses -fec and -dtx with a 40 ms
// mode before it opens a device.
func TestDecodeLiveFileLowRate(t *testing.T) {
	a, err := audiofile.ReadFile(clip)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, m := range []codec.Mode{codec.Mode800, codec.Mode1600} {
		frames, _ := liveFrames(t, a.Samples, stream.EncoderConfig{Mode: m})
		in, y := decodeLive(t, dir, frames, m.String())
		if n := len(y); n < len(a.Samples) || n >= len(a.Samples)+m.PacketSamples() {
			t.Errorf("%s: %d samples decoded from %d", m, n, len(a.Samples))
		}
		code, info, stderr := vqspeakIn(t, context.Background(), nil, "info", in)
		if code != 0 || !bytes.Contains(info, []byte(" "+m.Name()+" b/s (40 ms packets)")) {
			t.Errorf("%s: info exit %d: %s%s", m, code, info, stderr)
		}
	}
	for _, flag := range []string{"-fec", "-dtx"} {
		code, _, stderr := vqspeakIn(t, context.Background(), nil, "record", "-bitrate", "1600", flag, "-")
		if code != exitUsage || !strings.Contains(stderr, "40 ms modes have no -fec or -dtx") {
			t.Errorf("record -bitrate 1600 %s: exit %d: %s", flag, code, stderr)
		}
	}
}

// decodeLive writes a live stream's frames as dir/talk.vqs, runs vqspeak
// decode on it (which must succeed without a warning; label names the case)
// and returns the file's path and the decoded samples.
func decodeLive(t *testing.T, dir string, frames [][]byte, label string) (string, []float32) {
	t.Helper()
	in := filepath.Join(dir, "talk.vqs")
	out := filepath.Join(dir, "talk.wav")
	if err := os.WriteFile(in, bytes.Join(frames, nil), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := vqspeakIn(t, context.Background(), nil, "decode", "-f", in, out)
	if code != 0 || strings.Contains(stderr, "warning") {
		t.Errorf("%s: decode exit %d: %s", label, code, stderr)
	}
	w, err := audiofile.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return in, w.Samples
}
