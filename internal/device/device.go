// Package device is the pure-Go half of vqspeak's live audio: the Source and
// Sink interfaces for sound-card PCM at the codec's 16 kHz, and the
// machinery a backend wraps around a device's own rate and buffers —
// lock-free single-producer rings, int16 conversion, and streaming
// resampling in both directions — so that a backend is only a thin loop of
// device reads or writes. The PortAudio backend lives in package
// internal/device/pa behind the "portaudio" build tag; nothing here needs
// cgo.
//
// Threading model: a backend runs one dedicated I/O goroutine per stream
// that blocks in the device's read or write call and then hands one device
// buffer to a Capture (PutInt16) or takes one from a Playback (TakeInt16).
// Both are allocation-free, so the I/O goroutine never triggers or assists a
// garbage collection, and a collection cannot stop a thread that waits
// inside the device driver. When the program falls behind, the I/O goroutine
// waits for ring space or data instead of dropping samples; the device's own
// buffer then absorbs the delay and reports an overrun or underrun (counted
// in Stats) if it runs out. A device faster than real time, such as ALSA's
// file plugin in CI, is thereby paced by the program and loses nothing.
package device

import (
	"errors"
	"time"
)

// Rate is the sample rate of every Source and Sink: the codec's 16 kHz.
const Rate = 16000

// ErrClosed is returned by operations on a closed Source or Sink, including
// a Read or Write that was waiting when Close was called.
var ErrClosed = errors.New("device: stream closed")

// ErrNoDevice reports a device name that matches no device of the host.
var ErrNoDevice = errors.New("device: no such device")

// Info describes one device as the host reports it.
type Info struct {
	Index             int
	Name              string
	HostAPI           string
	MaxInputChannels  int
	MaxOutputChannels int
	// DefaultSampleRate is the rate the device runs at natively; streams are
	// opened at it and resampled to and from 16 kHz.
	DefaultSampleRate float64
	DefaultInput      bool // the host's default capture device
	DefaultOutput     bool // the host's default playback device
	// Suggested buffer latencies for interactive (low) and robust (high) use.
	LowInputLatency, HighInputLatency   time.Duration
	LowOutputLatency, HighOutputLatency time.Duration
}

// Config chooses how a stream is opened. The zero value opens the device at
// its default rate with its default high (robust) latency and a 2 s ring.
type Config struct {
	// SampleRate is the device-side rate; 0 means the device's default.
	SampleRate float64
	// LowLatency asks for the device's low suggested latency (interactive
	// use such as loopback) instead of the high one (recording, playback).
	LowLatency bool
	// Buffer is the program-side ring between the I/O goroutine and the
	// caller, at 16 kHz; 0 means 2 s. Keep it short for interactive use: a
	// capture ring that fills up is latency.
	Buffer time.Duration
}

// RingSamples returns the ring size Config asks for, in 16 kHz samples.
func (c Config) RingSamples() int {
	d := c.Buffer
	if d <= 0 {
		d = 2 * time.Second
	}
	return max(int(d*Rate/time.Second), 2*320)
}

// Stats counts a stream's traffic and trouble.
type Stats struct {
	Samples int64 // 16 kHz samples delivered (Source) or accepted (Sink)
	// Xruns counts the device's overruns (capture data lost because the
	// program fell behind) or underruns (playback gaps).
	Xruns int64
}

// Source is a capture stream: mono 16 kHz samples in [-1, 1]. One goroutine
// reads it; Close may be called from another.
type Source interface {
	// Read fills dst completely, waiting for the device as needed. It
	// returns ErrClosed once the source is closed (also if Close is called
	// while it waits) or the error that stopped the device.
	Read(dst []float32) error
	// Latency is the time from sound at the device to its sample being
	// readable: the device's input latency plus the resampler's delay. The
	// samples waiting in the ring (Buffered) come on top.
	Latency() time.Duration
	// Buffered is how much captured audio waits in the ring, unread.
	Buffered() time.Duration
	// DeviceRate is the rate the device actually runs at.
	DeviceRate() float64
	Stats() Stats
	// Close stops the device and releases it; a pending Read returns
	// ErrClosed. It is safe to call from any goroutine and more than once.
	Close() error
}

// Sink is a playback stream: mono 16 kHz samples in [-1, 1]. One goroutine
// writes it; Close may be called from another.
type Sink interface {
	// Write queues src for playback, waiting while the ring is full.
	Write(src []float32) error
	// Drain waits until everything written has been played, then stops the
	// device. Write must not be called after Drain.
	Drain() error
	// Latency is the time from a sample leaving the ring to its sound: the
	// device's output latency plus the resampler's delay. Buffered comes on
	// top.
	Latency() time.Duration
	// Buffered is how much written audio waits in the ring.
	Buffered() time.Duration
	DeviceRate() float64
	Stats() Stats
	// Close stops the device at once, dropping what is queued; a pending
	// Write or Drain returns ErrClosed. Safe from any goroutine, idempotent.
	Close() error
}

// Host is an audio system: it lists devices and opens streams on them by
// name. An empty name means the default device. It is used from one
// goroutine.
type Host interface {
	Devices() ([]Info, error)
	OpenSource(name string, cfg Config) (Source, error)
	OpenSink(name string, cfg Config) (Sink, error)
	// Close releases the audio system; streams must be closed first.
	Close() error
}
