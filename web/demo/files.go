package demo

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/codec/vqs"
	"github.com/vqspeak/vqspeak/internal/audiofile"
	"github.com/vqspeak/vqspeak/internal/corpus"
	"github.com/vqspeak/vqspeak/rvq"
	"github.com/vqspeak/vqspeak/stream"
)

// ReadAudio reads a whole WAV or FLAC file and converts it to 16 kHz
// mono, as vqspeak encode does before it encodes.
func ReadAudio(data []byte) ([]float32, error) {
	_, x, err := corpus.Read(bytes.NewReader(data))
	return x, err
}

// EncodeFile encodes a WAV or FLAC file into a .vqs file with stages RVQ
// stages: the same bytes vqspeak encode writes.
func EncodeFile(cb *rvq.Codebook, data []byte, stages int) ([]byte, error) {
	return encodeFile(data, func(w io.Writer) (*vqs.Encoder, error) { return vqs.NewEncoder(w, cb, stages) })
}

// EncodeFileMode is EncodeFile in mode m: a 20 ms mode (the bytes of
// EncodeFile with its stage count) or a 40 ms one (800, 1200, 1600 b/s),
// the bytes vqspeak encode -bitrate writes.
func EncodeFileMode(cb *rvq.Codebook, data []byte, m codec.Mode) ([]byte, error) {
	if !m.LowRate() {
		return EncodeFile(cb, data, m.Stages)
	}
	return encodeFile(data, func(w io.Writer) (*vqs.Encoder, error) { return vqs.NewModeEncoder(w, cb, m) })
}

// encodeFile encodes a WAV or FLAC file with the encoder newEnc makes.
func encodeFile(data []byte, newEnc func(io.Writer) (*vqs.Encoder, error)) ([]byte, error) {
	src, err := corpus.Open(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	fe, err := newEnc(&out)
	if err != nil {
		return nil, err
	}
	if _, _, err := src.EncodeInto(context.Background(), fe); err != nil {
		return nil, err
	}
	if err := fe.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// PickMode is the mode a page asks for: bitrate in b/s when it is not 0
// (700 or 800, 1200, 1600, or 2000 to 3200 as 1 to 4 stages), else the
// 20 ms mode with stages stages (0: codec.DefaultStages). Both non-zero is
// an error, as vqspeak's -stages with -bitrate: neither is ignored.
func PickMode(cb *rvq.Codebook, stages, bitrate int) (codec.Mode, error) {
	if stages != 0 && bitrate != 0 {
		return codec.Mode{}, fmt.Errorf("%w: %d stages and %d b/s both choose the mode: give one", codec.ErrMode, stages, bitrate)
	}
	if bitrate == 0 {
		if stages == 0 {
			stages = codec.DefaultStages
		}
		if stages < 1 || stages > cb.NumStages() {
			return codec.Mode{}, fmt.Errorf("%w: %d stages, the codebook has 1 to %d", codec.ErrStages, stages, cb.NumStages())
		}
		return codec.StagesMode(stages), nil
	}
	m, err := codec.ModeForBitrate(bitrate)
	if err != nil {
		return codec.Mode{}, err
	}
	if m.Stages > cb.NumStages() {
		return codec.Mode{}, fmt.Errorf("%w: the %s b/s mode needs %d stages, the codebook has %d", codec.ErrStages, m.Name(), m.Stages, cb.NumStages())
	}
	return m, nil
}

// DecodeFile decodes a .vqs file of any mode (a plain file, or a live
// stream that vqspeak record wrote; the header names the mode) into 16 kHz samples, as vqspeak decode does:
// damage is concealed, and reported in damage.
func DecodeFile(cb *rvq.Codebook, data []byte) (pcm []float32, damage []error, err error) {
	fr, err := vqs.NewPacketReader(bytes.NewReader(data))
	if err != nil {
		return nil, nil, err
	}
	var fd interface {
		ReadSamples(dst []float32) ([]float32, error)
		Damage() []error
	}
	if fr.Header().Flags&vqs.FlagLive != 0 {
		fd, err = stream.NewFileDecoder(fr, cb)
	} else {
		fd, err = vqs.NewPacketDecoder(fr, cb)
	}
	if err != nil {
		return nil, nil, err
	}
	for {
		pcm, err = fd.ReadSamples(pcm)
		if err == io.EOF {
			return pcm, fd.Damage(), nil
		}
		if err != nil {
			return nil, nil, err
		}
	}
}

// WAV returns 16 kHz samples as a 16-bit WAV file, byte for byte what
// vqspeak decode writes to a file.
func WAV(pcm []float32) ([]byte, error) {
	var out bytes.Buffer
	if err := audiofile.WriteWAV(&out, pcm, codec.SampleRate); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}
