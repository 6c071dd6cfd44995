package corpus

import (
	"bytes"
	"context"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/features/resample"
	"github.com/vqspeak/vqspeak/internal/audiofile"
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

// TestInputBoundedBlocks checks that a block of low-rate input is
// converted in pieces: no ReadSamples call returns more than maxBlock
// samples at 16 kHz, and the pieces add up to resample.All of the whole.
func TestInputBoundedBlocks(t *testing.T) {
	const rate = audiofile.MinRate
	x := make([]float32, 3*maxBlock) // one 64 KB read block of 16-bit samples is 2·maxBlock outputs
	for i := range x {
		x[i] = float32(math.Sin(float64(i) * 0.3))
	}
	var wav bytes.Buffer
	w, err := audiofile.NewWAVWriter(&wav, rate)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteSamples(x); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	in, err := Open(bytes.NewReader(wav.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	a, err := audiofile.Read(bytes.NewReader(wav.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	want := resample.All(a.Samples, rate, codec.SampleRate)
	var got, block []float32
	for {
		block, err = in.ReadSamples(block[:0])
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(block) > maxBlock+1024 { // the last call adds the filter's tail
			t.Fatalf("one ReadSamples call gave %d samples, want at most %d", len(block), maxBlock)
		}
		got = append(got, block...)
	}
	if !slices.Equal(got, want) {
		t.Errorf("blockwise conversion differs from resample.All (%d vs %d samples)", len(got), len(want))
	}
}
