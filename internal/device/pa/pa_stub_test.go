//go:build !portaudio || !cgo

package pa

import (
	"errors"
	"strings"
	"testing"
)

// TestStub: without the tag, Open fails with ErrNoBackend, whose message
// tells how to get live audio.
func TestStub(t *testing.T) {
	h, err := Open()
	if h != nil || !errors.Is(err, ErrNoBackend) {
		t.Fatalf("Open() = %v, %v; want nil, ErrNoBackend", h, err)
	}
	for _, want := range []string{"apt-get install portaudio19-dev", "go build -tags portaudio ./cmd/vqspeak"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("ErrNoBackend %q lacks %q", err, want)
		}
	}
	if Built {
		t.Error("Built is true in the stub")
	}
}
