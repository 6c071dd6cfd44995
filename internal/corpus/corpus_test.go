package corpus

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vqspeak/vqspeak/codec"
)

var audioDir = filepath.Join("..", "..", "testdata", "audio")

func TestFilesAndVectors(t *testing.T) {
	files, err := Files([]string{audioDir, filepath.Join(audioDir, "fleurs-es-006.wav")})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 5 || !slices.IsSorted(files) {
		t.Fatalf("Files: %v, want the 5 bundled clips once each, sorted", files)
	}
	var calls int
	one, secs, err := Vectors(context.Background(), files, 1, func(done, total int) { calls++ })
	if err != nil {
		t.Fatal(err)
	}
	two, _, err := Vectors(context.Background(), files, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(one, two) {
		t.Error("1 and 2 workers give different vectors")
	}
	if calls != len(files) || secs < 10 || len(one)%codec.EnvelopeDim != 0 || len(one) == 0 {
		t.Errorf("%d progress calls, %.1f s, %d values", calls, secs, len(one))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := Vectors(ctx, files, 1, nil); err == nil {
		t.Error("a cancelled context did not stop Vectors")
	}
}

func TestLoadNamesTheFile(t *testing.T) {
	if _, err := Load(filepath.Join(audioDir, "missing.wav")); err == nil || !strings.Contains(err.Error(), "missing.wav") {
		t.Errorf("Load of a missing file: %v", err)
	}
	x, err := Load(filepath.Join(audioDir, "speechcommands-bed-28497c5b.flac"))
	if err != nil || len(x) < codec.SampleRate/2 {
		t.Errorf("Load: %d samples, %v", len(x), err)
	}
}
