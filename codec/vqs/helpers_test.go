package vqs_test

import (
	"path/filepath"
	"testing"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/internal/audiofile"
)

// loadClip reads one of the bundled speech clips.
func loadClip(t testing.TB, name string) []float32 {
	t.Helper()
	a, err := audiofile.ReadFile(filepath.Join("..", "..", "testdata", "audio", name))
	if err != nil {
		t.Fatal(err)
	}
	if a.Rate != codec.SampleRate {
		t.Fatalf("%s: %d Hz", name, a.Rate)
	}
	return a.Samples
}

// speech16 reads a bundled clip as int16 samples, trimmed to whole packets.
func speech16(t testing.TB, name string) []int16 {
	t.Helper()
	x := loadClip(t, name)
	n := len(x) / codec.PacketSamples * codec.PacketSamples
	return codec.Float32ToInt16(nil, x[:n])
}
