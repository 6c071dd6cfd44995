package audiofile

import (
	"errors"
	"fmt"
	"io"

	"github.com/mewkiz/flac"
)

// ReadFLAC decodes a whole FLAC stream; see OpenFLAC.
func ReadFLAC(r io.Reader) (*Audio, error) {
	s, err := OpenFLAC(r)
	if err != nil {
		return nil, err
	}
	return s.readAll()
}

// OpenFLAC reads the header of a FLAC stream of any bit depth (4 to 32)
// and channel count and returns a Stream that decodes it a frame at a time,
// averaging channels to mono. If the input ends inside a frame, the frames
// before it are delivered and the Stream reports Truncated.
func OpenFLAC(r io.Reader) (_ *Stream, err error) {
	// The decoder is third-party code fed untrusted bytes: turn any panic
	// into an error so that no input can crash the caller.
	defer func() {
		if p := recover(); p != nil {
			err = flacPanic(p)
		}
	}()
	stream, err := flac.New(r)
	if err != nil {
		return nil, fmt.Errorf("flac: reading stream header: %w", err)
	}
	info := stream.Info
	if info == nil {
		return nil, &FormatError{Format: "flac", Offset: 4, Msg: "missing STREAMINFO block"}
	}
	rate := int(info.SampleRate)
	if rate == 0 {
		return nil, &FormatError{Format: "flac", Offset: 18, Msg: "sample rate is 0"}
	}
	if err := checkReadRate("flac", int64(rate)); err != nil {
		return nil, err
	}
	hint := min(info.NSamples, 1<<18) // bounded: never trust a header for allocation size
	if hint == 0 {
		hint = 1 << 14
	}
	d := &flacFrames{stream: stream}
	return &Stream{
		Rate:     rate,
		Channels: int(info.NChannels),
		Format:   fmt.Sprintf("FLAC %d-bit", info.BitsPerSample),
		next:     d.next,
		hint:     int(hint),
		noAudio:  fmt.Errorf("flac: %w", ErrNoAudio),
	}, nil
}

func flacPanic(p any) error {
	return &FormatError{Format: "flac", Offset: -1, Msg: fmt.Sprintf("corrupt stream (decoder panic: %v)", p)}
}

// flacFrames delivers a FLAC stream's frames.
type flacFrames struct {
	stream *flac.Stream
	frame  int   // frames decoded
	n      int64 // samples delivered
}

// next appends one frame, downmixed, to dst.
func (d *flacFrames) next(dst []float32) (_ []float32, truncated bool, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = flacPanic(p)
		}
	}()
	f, err := d.stream.ParseNext()
	if err == io.EOF {
		return dst, false, io.EOF
	}
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return dst, true, io.EOF
		}
		if d.n > 0 {
			return dst, false, fmt.Errorf("flac: decoding frame %d (after %d samples): %w", d.frame, d.n, err)
		}
		return dst, false, fmt.Errorf("flac: decoding frame %d: %w", d.frame, err)
	}
	n := int(f.BlockSize)
	nch := len(f.Subframes)
	if nch == 0 || f.BitsPerSample == 0 || f.BitsPerSample > 32 {
		return dst, false, &FormatError{Format: "flac", Offset: -1, Msg: fmt.Sprintf("frame %d has %d channels and %d bits per sample", d.frame, nch, f.BitsPerSample)}
	}
	for _, sf := range f.Subframes {
		if len(sf.Samples) < n {
			return dst, false, &FormatError{Format: "flac", Offset: -1, Msg: fmt.Sprintf("frame %d: subframe holds %d samples, block size is %d", d.frame, len(sf.Samples), n)}
		}
	}
	scale := 1 / (float64(nch) * float64(uint64(1)<<(f.BitsPerSample-1)))
	for i := 0; i < n; i++ {
		var s int64
		for _, sf := range f.Subframes {
			s += int64(sf.Samples[i])
		}
		dst = append(dst, float32(max(-1, min(1, float64(s)*scale))))
	}
	d.frame++
	d.n += int64(n)
	return dst, false, nil
}
