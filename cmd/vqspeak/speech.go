package main

import (
	"context"
	"fmt"
	"io"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/codec/vqs"
	"github.com/vqspeak/vqspeak/features/resample"
	"github.com/vqspeak/vqspeak/internal/audiofile"
)

// speechInput is a WAV or FLAC input converted to 16 kHz mono block by
// block, so that encoding holds a few blocks in memory, not the input:
// a small FLAC file can hold hours of audio.
type speechInput struct {
	src  *audiofile.Stream
	rs   *resample.Resampler // nil when the source is at 16 kHz
	raw  []float32           // one block at the source rate
	out  int64               // samples delivered at 16 kHz
	done bool
}

func newSpeechInput(r io.Reader) (*speechInput, error) {
	src, err := audiofile.Open(r)
	if err != nil {
		return nil, err
	}
	s := &speechInput{src: src}
	if src.Rate != codec.SampleRate {
		if s.rs, err = resample.New(src.Rate, codec.SampleRate); err != nil {
			return nil, fmt.Errorf("%s: %w", src.Format, err)
		}
	}
	return s, nil
}

// ReadSamples appends the next block of 16 kHz samples to dst and returns
// io.EOF after the last. In total it delivers exactly what
// resample.All would make of the whole input.
func (s *speechInput) ReadSamples(dst []float32) ([]float32, error) {
	if s.done {
		return dst, io.EOF
	}
	var err error
	s.raw, err = s.src.ReadSamples(s.raw[:0])
	if err != nil && err != io.EOF {
		return dst, err
	}
	before := len(dst)
	if s.rs == nil {
		dst = append(dst, s.raw...)
	} else {
		dst = s.rs.Process(dst, s.raw)
		if err == io.EOF {
			// Flush gives ceil(N·to/from) samples in all, Resample round().
			dst = s.rs.Flush(dst)
			from := int64(s.src.Rate)
			want := (s.src.Samples()*codec.SampleRate + from/2) / from
			dst = dst[:before+int(max(0, min(int64(len(dst)-before), want-s.out)))]
		}
	}
	s.out += int64(len(dst) - before)
	if err == io.EOF {
		s.done = true
		if len(dst) == before {
			return dst, io.EOF
		}
	}
	return dst, nil
}

// Format describes the source encoding, e.g. "WAV PCM 24-bit".
func (s *speechInput) Format() string { return s.src.Format }

// Duration is the length of the source read so far, in seconds.
func (s *speechInput) Duration() float64 {
	return float64(s.src.Samples()) / float64(s.src.Rate)
}

// Truncated reports, at the end, that the source ended before its header
// said it would.
func (s *speechInput) Truncated() bool { return s.src.Truncated() }

// encodeInto reads the whole input into fe, a second at a time so that a
// cancelled ctx (Ctrl-C) stops it between seconds with everything before
// encoded. It returns the samples given to fe and whether ctx stopped it;
// it does not close fe.
func (s *speechInput) encodeInto(ctx context.Context, fe *vqs.Encoder) (encoded int64, interrupted bool, err error) {
	var x []float32
	for {
		x, err = s.ReadSamples(x[:0])
		if err == io.EOF {
			return encoded, false, nil
		}
		if err != nil {
			return encoded, false, err
		}
		for len(x) > 0 {
			if ctx.Err() != nil {
				return encoded, true, nil
			}
			n := min(len(x), codec.SampleRate)
			if err := fe.WriteSamples(x[:n]); err != nil {
				return encoded, false, err
			}
			x = x[n:]
			encoded += int64(n)
		}
	}
}
