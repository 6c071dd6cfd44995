//go:build !portaudio || !cgo

package pa

import "github.com/vqspeak/vqspeak/internal/device"

// Built reports whether this build has the PortAudio backend.
const Built = false

// Host would be the PortAudio audio system; this build has none.
type Host struct{}

var _ device.Host = (*Host)(nil)

// Open returns ErrNoBackend: this binary was built without the portaudio tag
// (or without cgo).
func Open() (*Host, error) { return nil, ErrNoBackend }

// Devices returns ErrNoBackend.
func (*Host) Devices() ([]device.Info, error) { return nil, ErrNoBackend }

// OpenSource returns ErrNoBackend.
func (*Host) OpenSource(string, device.Config) (device.Source, error) { return nil, ErrNoBackend }

// OpenSink returns ErrNoBackend.
func (*Host) OpenSink(string, device.Config) (device.Sink, error) { return nil, ErrNoBackend }

// Close does nothing.
func (*Host) Close() error { return nil }
