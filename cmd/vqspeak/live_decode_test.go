package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
		in := filepath.Join(dir, "talk.vqs")
		out := filepath.Join(dir, "talk.wav")
		if err := os.WriteFile(in, bytes.Join(frames, nil), 0o644); err != nil {
			t.Fatal(err)
		}
		code, _, stderr := vqspeakIn(t, context.Background(), nil, "decode", "-f", in, out)
		if code != 0 || strings.Contains(stderr, "warning") {
			t.Errorf("%+v: decode exit %d: %s", cfg, code, stderr)
		}
		w, err := audiofile.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		lengths = append(lengths, len(w.Samples))
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
