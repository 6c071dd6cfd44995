// Package audiofile reads WAV and FLAC files into mono float32 samples and
// writes 16-bit PCM WAV files, defensively: any byte sequence yields either
// audio or a typed error, never a panic or an allocation sized by a header
// field.
//
// Readers take an io.Reader (pipes work, no io.Seeker is needed), downmix any
// channel count to mono by averaging, and keep the source sample rate: the
// caller resamples (package features/resample).
package audiofile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// Audio is decoded audio, downmixed to mono.
type Audio struct {
	Samples  []float32 // mono, in [-1, 1]
	Rate     int       // sample rate in Hz, as in the source
	Channels int       // channel count of the source, before downmix
	Format   string    // human-readable source encoding, e.g. "WAV PCM 24-bit", "FLAC 16-bit"
	// Truncated reports that the stream ended before its header said it
	// would (or inside a frame): Samples holds every whole frame that was
	// present. Streams that declare an unknown length are never Truncated.
	Truncated bool
	// Damage lists the damaged FLAC frames skipped (see Stream.Damage).
	Damage []error
}

// Duration returns the length of the audio in seconds.
func (a *Audio) Duration() float64 {
	if a.Rate <= 0 {
		return 0
	}
	return float64(len(a.Samples)) / float64(a.Rate)
}

// MaxRate is the highest sample rate accepted by the readers and writers.
const MaxRate = 384000

// MinRate is the lowest sample rate the readers accept. No speech
// recording has less (telephone speech is 8 kHz), and converting a lower
// rate to 16 kHz would turn each input sample into thousands.
const MinRate = 4000

// checkReadRate refuses a declared sample rate the readers do not handle.
func checkReadRate(format string, rate int64) error {
	if rate >= MinRate && rate <= MaxRate {
		return nil
	}
	return &UnsupportedError{Format: format, Property: "sample rate", Value: fmt.Sprintf("%d Hz", rate),
		Supported: fmt.Sprintf("%d to %d Hz", MinRate, MaxRate)}
}

// ErrNoAudio is returned (wrapped) when a well-formed file holds zero samples.
var ErrNoAudio = errors.New("no audio: the file holds zero samples")

// FormatError reports input that is not a valid file of the expected
// container: wrong magic, malformed or inconsistent header fields.
type FormatError struct {
	Format string // "wav", "flac" or "audio" (not recognised)
	Offset int64  // byte offset in the input where the problem was found; -1 if unknown
	Msg    string
}

func (e *FormatError) Error() string {
	if e.Offset < 0 {
		return fmt.Sprintf("%s: malformed input: %s", e.Format, e.Msg)
	}
	return fmt.Sprintf("%s: malformed input at byte %d: %s", e.Format, e.Offset, e.Msg)
}

// UnsupportedError reports a valid file using a property this package does
// not handle (an encoding, bit depth or sample rate), and what is supported.
type UnsupportedError struct {
	Format    string // "wav", "flac" or "audio"
	Property  string // e.g. "encoding", "bit depth", "sample rate"
	Value     string // e.g. "A-law (format tag 6)"
	Supported string // e.g. "PCM 8/16/24/32-bit, IEEE float 32/64-bit"
}

func (e *UnsupportedError) Error() string {
	return fmt.Sprintf("%s: unsupported %s %s; supported: %s", e.Format, e.Property, e.Value, e.Supported)
}

// Stream is a WAV or FLAC input decoded block by block, so that memory
// stays bounded whatever the input's length (a small FLAC file can hold
// hours of audio). It is not safe for concurrent use.
type Stream struct {
	Rate     int    // sample rate in Hz, as in the source
	Channels int    // channel count of the source, before downmix
	Format   string // human-readable source encoding, e.g. "WAV PCM 24-bit"

	next      func(dst []float32) ([]float32, bool, error) // one block; io.EOF (and truncated) at the end
	damage    func() []error                               // nil: the format has no damage to skip
	hint      int                                          // bounded capacity hint for Read
	noAudio   error                                        // what to report when the input ends with no samples
	n         int64
	truncated bool
	err       error
}

// ReadSamples appends the next block of mono samples (at most about 64 KB
// of input) to dst. At the end of the input it returns io.EOF, or an error
// wrapping ErrNoAudio if the input held no samples at all. Errors are
// sticky.
func (s *Stream) ReadSamples(dst []float32) ([]float32, error) {
	if s.err != nil {
		return dst, s.err
	}
	before := len(dst)
	dst, truncated, err := s.next(dst)
	s.n += int64(len(dst) - before)
	if err == io.EOF {
		s.truncated = truncated
		if s.n == 0 {
			err = s.noAudio
		}
	}
	s.err = err
	if err != nil && len(dst) > before {
		return dst, nil // deliver what came with the error first
	}
	return dst, err
}

// Samples returns how many samples have been delivered so far.
func (s *Stream) Samples() int64 { return s.n }

// Damage lists the damaged stretches the stream skipped so far (FLAC
// frames that failed their CRC or did not parse, each a *DamageError; at
// most 100 are kept). A WAV stream has none: its bytes are the samples.
func (s *Stream) Damage() []error {
	if s.damage == nil {
		return nil
	}
	return s.damage()
}

// Truncated reports, once ReadSamples has returned io.EOF, that the input
// ended before its header said it would (or inside a frame): every whole
// frame present was delivered. Inputs that declare no length are never
// truncated.
func (s *Stream) Truncated() bool { return s.truncated }

// readAll reads the rest of the stream into an Audio.
func (s *Stream) readAll() (*Audio, error) {
	a := &Audio{Samples: make([]float32, 0, s.hint), Rate: s.Rate, Channels: s.Channels, Format: s.Format}
	for {
		var err error
		a.Samples, err = s.ReadSamples(a.Samples)
		if err == io.EOF {
			a.Truncated, a.Damage = s.Truncated(), s.Damage()
			return a, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// Read sniffs the first bytes of r and decodes a whole WAV (RIFF, RIFX,
// RF64) or FLAC stream.
func Read(r io.Reader) (*Audio, error) {
	s, err := Open(r)
	if err != nil {
		return nil, err
	}
	return s.readAll()
}

// Open sniffs the first bytes of r and returns the Stream of a WAV (RIFF,
// RIFX, RF64) or FLAC input, its header read.
func Open(r io.Reader) (*Stream, error) {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 64<<10)
	}
	magic, err := br.Peek(4)
	if len(magic) == 0 && (err == io.EOF || err == nil) {
		return nil, &FormatError{Format: "audio", Offset: 0, Msg: "empty input (0 bytes)"}
	}
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("audio: reading header: %w", err)
	}
	if len(magic) < 4 {
		return nil, &FormatError{Format: "audio", Offset: int64(len(magic)),
			Msg: fmt.Sprintf("input is only %d bytes, too short for a WAV or FLAC header", len(magic))}
	}
	switch string(magic) {
	case "RIFF", "RIFX", "RF64", "BW64":
		return OpenWAV(br)
	case "fLaC":
		return OpenFLAC(br)
	}
	if name := sniffOther(magic); name != "" {
		return nil, &UnsupportedError{Format: "audio", Property: "container", Value: name,
			Supported: "WAV (PCM or IEEE float) and FLAC"}
	}
	return nil, &FormatError{Format: "audio", Offset: 0,
		Msg: fmt.Sprintf("first bytes %q are not a WAV (RIFF/RIFX/RF64) or FLAC (fLaC) header", magic)}
}

// sniffOther names common audio containers we do not read, so the error can
// say what the file is rather than only what it is not.
func sniffOther(m []byte) string {
	switch {
	case string(m) == "OggS":
		return "Ogg (Opus/Vorbis/Ogg FLAC)"
	case string(m[:3]) == "ID3" || (m[0] == 0xFF && m[1]&0xE0 == 0xE0):
		return "MP3/MPEG audio"
	case string(m) == "FORM":
		return "AIFF"
	case string(m) == ".snd":
		return "Sun/NeXT AU"
	case string(m) == "caff":
		return "Apple CAF"
	case string(m) == "\x1aE\xdf\xa3":
		return "Matroska/WebM"
	}
	return ""
}

// ReadFile reads a WAV or FLAC file; "-" reads standard input.
func ReadFile(path string) (*Audio, error) {
	if path == "-" {
		a, err := Read(os.Stdin)
		if err != nil {
			return nil, fmt.Errorf("standard input: %w", err)
		}
		return a, nil
	}
	fi, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("audio: input file %s does not exist: %w", path, err)
		}
		return nil, fmt.Errorf("audio: %w", err)
	}
	if fi.IsDir() {
		return nil, fmt.Errorf("audio: %s is a directory, not an audio file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("audio: %w", err)
	}
	defer f.Close()
	a, err := Read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}
