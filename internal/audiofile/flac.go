package audiofile

import (
	"errors"
	"fmt"
	"io"

	"github.com/mewkiz/flac"
)

// ReadFLAC decodes a FLAC stream of any bit depth (4 to 32) and channel
// count, averaging channels to mono. If the stream ends early, the frames
// decoded so far are returned with Truncated set.
func ReadFLAC(r io.Reader) (a *Audio, err error) {
	// The decoder is third-party code fed untrusted bytes: turn any panic
	// into an error so that no input can crash the caller.
	defer func() {
		if p := recover(); p != nil {
			a, err = nil, &FormatError{Format: "flac", Offset: -1, Msg: fmt.Sprintf("corrupt stream (decoder panic: %v)", p)}
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
	if rate > MaxRate {
		return nil, &UnsupportedError{Format: "flac", Property: "sample rate", Value: fmt.Sprintf("%d Hz", rate),
			Supported: fmt.Sprintf("1 to %d Hz", MaxRate)}
	}
	hint := min(info.NSamples, 1<<18) // bounded: never trust a header for allocation size
	if hint == 0 {
		hint = 1 << 14
	}
	out := &Audio{
		Samples:  make([]float32, 0, hint),
		Rate:     rate,
		Channels: int(info.NChannels),
		Format:   fmt.Sprintf("FLAC %d-bit", info.BitsPerSample),
	}
	for nframe := 0; ; nframe++ {
		f, err := stream.ParseNext()
		if err == io.EOF {
			break
		}
		if err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) {
				out.Truncated = true
				break
			}
			if len(out.Samples) > 0 {
				return nil, fmt.Errorf("flac: decoding frame %d (after %d samples): %w", nframe, len(out.Samples), err)
			}
			return nil, fmt.Errorf("flac: decoding frame %d: %w", nframe, err)
		}
		n := int(f.BlockSize)
		nch := len(f.Subframes)
		if nch == 0 || f.BitsPerSample == 0 || f.BitsPerSample > 32 {
			return nil, &FormatError{Format: "flac", Offset: -1, Msg: fmt.Sprintf("frame %d has %d channels and %d bits per sample", nframe, nch, f.BitsPerSample)}
		}
		for _, sf := range f.Subframes {
			if len(sf.Samples) < n {
				return nil, &FormatError{Format: "flac", Offset: -1, Msg: fmt.Sprintf("frame %d: subframe holds %d samples, block size is %d", nframe, len(sf.Samples), n)}
			}
		}
		scale := 1 / (float64(nch) * float64(uint64(1)<<(f.BitsPerSample-1)))
		for i := 0; i < n; i++ {
			var s int64
			for _, sf := range f.Subframes {
				s += int64(sf.Samples[i])
			}
			out.Samples = append(out.Samples, float32(max(-1, min(1, float64(s)*scale))))
		}
	}
	if len(out.Samples) == 0 {
		return nil, fmt.Errorf("flac: %w", ErrNoAudio)
	}
	return out, nil
}
