//go:build !portaudio || !cgo

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLiveWithoutBackend: in a build without PortAudio the live commands
// exist, exit 1 and say how to rebuild, and record leaves no file behind.
func TestLiveWithoutBackend(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "rec.vqs")
	for _, args := range [][]string{
		{"record", out},
		{"record", "-stages", "2", "-in", "mic", out},
		{"play", filepath.Join(dir, "any.vqs")},
		{"loopback", "-loss", "5", "-jitter", "40"},
		{"devices"},
	} {
		code, stdout, stderr := vqspeak(t, args...)
		if code != exitFailure || stdout != "" {
			t.Errorf("vqspeak %v: exit %d, stdout %q; want exit 1", args, code, stdout)
		}
		for _, want := range []string{"apt-get install portaudio19-dev", "go build -tags portaudio ./cmd/vqspeak"} {
			if !strings.Contains(stderr, want) {
				t.Errorf("vqspeak %v: stderr %q lacks %q", args, stderr, want)
			}
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("record without a backend created %s", out)
	}
	// Usage errors still come first.
	if code, _, stderr := vqspeak(t, "loopback", "-loss", "150"); code != exitUsage || !strings.Contains(stderr, "-loss 150") {
		t.Errorf("loopback -loss 150: exit %d, %q", code, stderr)
	}
}
