package main

import (
	"bytes"
	"io"
	"math"
	"slices"
	"testing"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/features/resample"
	"github.com/vqspeak/vqspeak/internal/audiofile"
	"github.com/vqspeak/vqspeak/internal/corpus"
)

// TestSpeechInputMatchesWholeFile: the block-by-block 16 kHz conversion
// that encode and tokens use gives exactly what reading the whole file and
// resample.All gives, in blocks bounded by the reader's, not by the
// input's length.
func TestSpeechInputMatchesWholeFile(t *testing.T) {
	x := make([]float32, 0, 10*48000)
	for i := range cap(x) {
		ti := float64(i) / 48000
		x = append(x, float32(0.4*math.Sin(2*math.Pi*220*ti)+0.1*math.Sin(2*math.Pi*3100*ti*ti)))
	}
	for _, s := range []wavSpec{
		{tag: 1, bits: 16, channels: 1, rate: 16000, dataSize: -1},
		{tag: 1, bits: 24, channels: 2, rate: 44100, dataSize: -1},
		{tag: 3, bits: 32, channels: 2, rate: 48000, dataSize: -1},
		{tag: 1, bits: 16, channels: 1, rate: 8000, dataSize: 0xFFFFFFFF}, // streaming size
	} {
		b := wavBytes(s, x[:len(x)*s.rate/48000])
		a, err := audiofile.Read(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		want := resample.All(a.Samples, a.Rate, codec.SampleRate)

		in, err := corpus.Open(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		var got, block []float32
		largest := 0
		for {
			block, err = in.ReadSamples(block[:0])
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, block...)
			largest = max(largest, len(block))
		}
		if !slices.Equal(got, want) {
			t.Errorf("%+v: %d samples block by block, %d from the whole file (equal: %v)", s, len(got), len(want), slices.Equal(got[:min(len(got), len(want))], want[:min(len(got), len(want))]))
		}
		// A block is at most 64 KB of input, plus the resampler's tail.
		if limit := (64<<10)/(s.channels*s.bits/8)*codec.SampleRate/s.rate + 64; largest > limit {
			t.Errorf("%+v: a block of %d samples, want at most %d", s, largest, limit)
		}
		if d := in.Duration(); math.Abs(d-a.Duration()) > 1e-9 || in.Format() != a.Format {
			t.Errorf("%+v: duration %v format %q, want %v %q", s, d, in.Format(), a.Duration(), a.Format)
		}
	}
}
