// Package corpus is how vqspeak's tools get speech: it lists the WAV and
// FLAC files under paths (Files), converts any input to 16 kHz mono, a
// block at a time (Open) or whole (Read, Load), extracts the codec's
// envelope vectors of many files in parallel, deterministically
// (StreamVectors, Vectors), and spills vectors to a temporary file for
// corpora larger than memory (VectorFile).
package corpus

import (
	"context"
	"fmt"
	"io"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/codec/vqs"
	"github.com/vqspeak/vqspeak/features/resample"
	"github.com/vqspeak/vqspeak/internal/audiofile"
)

// Input is a WAV or FLAC input converted to 16 kHz mono block by
// block, so that encoding holds a few blocks in memory, not the input:
// a small FLAC file can hold hours of audio.
type Input struct {
	src    *audiofile.Stream
	rs     *resample.Resampler // nil when the source is at 16 kHz
	raw    []float32           // one block at the source rate
	pos    int                 // raw[pos:] is not converted yet
	srcEnd bool                // src returned io.EOF
	out    int64               // samples delivered at 16 kHz
	done   bool
}

// maxBlock bounds the 16 kHz samples one ReadSamples call delivers (about
// 256 KB), so that memory does not grow with the ratio of the rates.
const maxBlock = 1 << 16

// Open reads the header of a WAV or FLAC stream.
func Open(r io.Reader) (*Input, error) {
	src, err := audiofile.Open(r)
	if err != nil {
		return nil, err
	}
	s := &Input{src: src}
	if src.Rate != codec.SampleRate {
		if s.rs, err = resample.New(src.Rate, codec.SampleRate); err != nil {
			return nil, fmt.Errorf("%s: %w", src.Format, err)
		}
	}
	return s, nil
}

// ReadSamples appends the next block of 16 kHz samples (at most about
// maxBlock) to dst and returns io.EOF after the last. In total it delivers
// exactly what resample.All would make of the whole input.
func (s *Input) ReadSamples(dst []float32) ([]float32, error) {
	if s.done {
		return dst, io.EOF
	}
	if s.pos == len(s.raw) && !s.srcEnd {
		var err error
		s.raw, err = s.src.ReadSamples(s.raw[:0])
		s.pos = 0
		switch {
		case err == io.EOF:
			s.srcEnd = true
		case err != nil:
			return dst, err
		}
	}
	before := len(dst)
	if s.rs == nil {
		n := min(len(s.raw)-s.pos, maxBlock)
		dst = append(dst, s.raw[s.pos:s.pos+n]...)
		s.pos += n
	} else {
		from := int64(s.src.Rate)
		n := min(len(s.raw)-s.pos, int(max(1, maxBlock*from/codec.SampleRate)))
		dst = s.rs.Process(dst, s.raw[s.pos:s.pos+n])
		s.pos += n
		if s.srcEnd && s.pos == len(s.raw) {
			// Flush gives ceil(N·to/from) samples in all, resample.All round().
			dst = s.rs.Flush(dst)
			want := (s.src.Samples()*codec.SampleRate + from/2) / from
			dst = dst[:before+int(max(0, min(int64(len(dst)-before), want-s.out)))]
		}
	}
	s.out += int64(len(dst) - before)
	if s.srcEnd && s.pos == len(s.raw) {
		s.done = true
		if len(dst) == before {
			return dst, io.EOF
		}
	}
	return dst, nil
}

// Format describes the source encoding, e.g. "WAV PCM 24-bit".
func (s *Input) Format() string { return s.src.Format }

// Duration is the length of the source read so far, in seconds.
func (s *Input) Duration() float64 {
	return float64(s.src.Samples()) / float64(s.src.Rate)
}

// Damage lists the damaged stretches of the source skipped so far (FLAC
// frames, see audiofile.Stream.Damage), each replaced by silence.
func (s *Input) Damage() []error { return s.src.Damage() }

// Truncated reports, at the end, that the source ended before its header
// said it would.
func (s *Input) Truncated() bool { return s.src.Truncated() }

// EncodeInto reads the whole input into fe, a second at a time so that a
// cancelled ctx (Ctrl-C) stops it between seconds with everything before
// encoded. It returns the samples given to fe and whether ctx stopped it;
// it does not close fe.
func (s *Input) EncodeInto(ctx context.Context, fe *vqs.Encoder) (encoded int64, interrupted bool, err error) {
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

// Read reads a whole WAV or FLAC stream and converts it to 16 kHz mono;
// the Audio is the source as read (its rate, format, truncation).
func Read(r io.Reader) (*audiofile.Audio, []float32, error) {
	a, err := audiofile.Read(r)
	if err != nil {
		return nil, nil, err
	}
	x := a.Samples
	if a.Rate != codec.SampleRate {
		x = resample.All(x, a.Rate, codec.SampleRate) // audiofile checked the rate
	}
	return a, x, nil
}

// Load reads a WAV or FLAC file and converts it to 16 kHz mono. Errors
// name the file.
func Load(path string) ([]float32, error) {
	a, err := audiofile.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	x := a.Samples
	if a.Rate != codec.SampleRate {
		x = resample.All(x, a.Rate, codec.SampleRate)
	}
	return x, nil
}
