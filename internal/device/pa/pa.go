// Package pa is the PortAudio backend of package device: it lists sound
// cards and opens capture and playback streams on them.
//
// It needs cgo and the PortAudio C library, so the real backend is only
// compiled with the "portaudio" build tag:
//
//	apt-get install portaudio19-dev
//	go build -tags portaudio ./cmd/vqspeak
//
// Without the tag (the default, and what "go test ./..." builds) Open
// returns ErrNoBackend, whose message says exactly that.
//
// Streams use PortAudio's blocking API, each in a dedicated goroutine with
// buffers allocated when the stream is opened, rather than the callback API.
// The binding's callback enters Go from PortAudio's real-time thread through
// cgo and reflection for every buffer, so a garbage collection's
// stop-the-world or a busy scheduler would stall the audio thread itself;
// with the blocking API the real-time part stays in C (the driver's ring,
// sized by the suggested latency) and the Go side, a copy and a resampling
// step per 10 ms buffer without allocations, only has to keep up on average.
package pa

import "errors"

// ErrNoBackend is returned by Open in a build without PortAudio.
var ErrNoBackend = errors.New("live audio is not built in: install PortAudio (apt-get install portaudio19-dev) " +
	"and rebuild with the portaudio tag: go build -tags portaudio ./cmd/vqspeak")

// ErrInit wraps the error of a PortAudio that is built in but cannot start
// (no audio system at all).
var ErrInit = errors.New("PortAudio cannot start")
