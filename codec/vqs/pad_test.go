package vqs_test

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"testing"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/codec/vqs"
	"github.com/vqspeak/vqspeak/rvq"
)

// TestPadStagesFile: a file whose packets have spare bits, made with the
// default codebook's pad book, says so in its header (FlagPadStages and the
// pad book's tag), so that a decoder without that pad book refuses it; a
// 4-stage file has no spare bits and no flag. Plain and compact files of
// padded packets decode alike.
func TestPadStagesFile(t *testing.T) {
	cb := codec.DefaultCodebook()
	x := loadClip(t, "librispeech-7312-m.wav")[:2*codec.SampleRate]
	for _, stages := range []int{1, 2, 3, 4} {
		var pcm [2][]float32
		for i, newEnc := range []func(io.Writer, *rvq.Codebook, int) (*vqs.Encoder, error){vqs.NewEncoder, vqs.NewCompactEncoder} {
			var file bytes.Buffer
			fe, err := newEnc(&file, cb, stages)
			if err != nil {
				t.Fatal(err)
			}
			if err := fe.WriteSamples(x); err != nil {
				t.Fatal(err)
			}
			if err := fe.Close(); err != nil {
				t.Fatal(err)
			}
			fd, err := vqs.NewDecoder(bytes.NewReader(file.Bytes()), cb)
			if err != nil {
				t.Fatal(err)
			}
			h := fd.Header()
			padded := stages < 4
			if (h.Flags&vqs.FlagPadStages != 0) != padded {
				t.Errorf("%d stages: flags %#x", stages, h.Flags)
			}
			err = vqs.CheckPadBook(h, nil)
			if padded {
				if h.PadBookTag != vqs.PadBookTag(codec.DefaultPadBook().Fingerprint()) {
					t.Errorf("%d stages: pad book tag %04x", stages, h.PadBookTag)
				}
				if !errors.Is(err, vqs.ErrPadBookMismatch) {
					t.Errorf("%d stages: a decoder without the pad book: %v, want ErrPadBookMismatch", stages, err)
				}
			} else if err != nil {
				t.Errorf("%d stages: %v", stages, err)
			}
			for err = nil; err == nil; {
				pcm[i], err = fd.ReadSamples(pcm[i])
			}
			if err != io.EOF || len(fd.Damage()) != 0 {
				t.Fatalf("%d stages: %v, damage %v", stages, err, fd.Damage())
			}
		}
		if !slices.Equal(pcm[0], pcm[1]) {
			t.Errorf("%d stages: the compact file decodes differently", stages)
		}
	}
}
