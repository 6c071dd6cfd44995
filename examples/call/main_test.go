package main

import (
	"path/filepath"
	"testing"

	"github.com/vqspeak/vqspeak/codec"
)

// TestCall runs one second of the call and checks that each party heard
// a second of audio that is not silence.
func TestCall(t *testing.T) {
	dir := t.TempDir()
	clips := filepath.Join("..", "..", "testdata", "audio")
	if err := call(filepath.Join(clips, "librispeech-367-f.wav"), filepath.Join(clips, "librispeech-7312-m.wav"), dir, 0.05, 1); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a-hears.wav", "b-hears.wav"} {
		pcm, err := readWAV(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if len(pcm) != codec.SampleRate {
			t.Errorf("%s: %d samples, want %d", name, len(pcm), codec.SampleRate)
		}
		var loud int
		for _, v := range pcm {
			if v > 1000 || v < -1000 {
				loud++
			}
		}
		if loud < len(pcm)/50 {
			t.Errorf("%s: only %d samples above -30 dBFS: nothing heard", name, loud)
		}
	}
}
