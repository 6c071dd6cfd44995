//go:build portaudio && cgo

package pa

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gordonklaus/portaudio"

	"github.com/vqspeak/vqspeak/internal/device"
)

// Built reports whether this build has the PortAudio backend.
const Built = true

// mu serialises PortAudio's process-wide calls: Initialize, Terminate and
// opening and closing streams (the binding keeps global state for them).
var mu sync.Mutex

// Host is the PortAudio audio system. Each Open initialises PortAudio once
// more and Close releases it, so hosts may overlap.
type Host struct {
	mu      sync.Mutex
	open    map[io.Closer]struct{}
	closed  bool
	devices []*portaudio.DeviceInfo
}

var _ device.Host = (*Host)(nil)

// Open initialises PortAudio. An error wraps ErrInit.
func Open() (*Host, error) {
	mu.Lock()
	defer mu.Unlock()
	restore := quietStderr()
	err := portaudio.Initialize()
	restore()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInit, err)
	}
	devs, err := portaudio.Devices()
	if err != nil {
		portaudio.Terminate()
		return nil, fmt.Errorf("%w: listing devices: %w", ErrInit, err)
	}
	return &Host{open: map[io.Closer]struct{}{}, devices: devs}, nil
}

// Close closes the streams still open and releases PortAudio.
func (h *Host) Close() error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil
	}
	h.closed = true
	open := h.open
	h.open = nil
	h.mu.Unlock()
	for c := range open {
		c.Close()
	}
	mu.Lock()
	defer mu.Unlock()
	return portaudio.Terminate()
}

func (h *Host) track(c io.Closer) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return device.ErrClosed
	}
	h.open[c] = struct{}{}
	return nil
}

func (h *Host) untrack(c io.Closer) {
	h.mu.Lock()
	delete(h.open, c)
	h.mu.Unlock()
}

// Devices lists the devices PortAudio found.
func (h *Host) Devices() ([]device.Info, error) {
	mu.Lock()
	defer mu.Unlock()
	in, _ := portaudio.DefaultInputDevice()
	out, _ := portaudio.DefaultOutputDevice()
	infos := make([]device.Info, len(h.devices))
	for i, d := range h.devices {
		infos[i] = device.Info{
			Index:             d.Index,
			Name:              d.Name,
			MaxInputChannels:  d.MaxInputChannels,
			MaxOutputChannels: d.MaxOutputChannels,
			DefaultSampleRate: d.DefaultSampleRate,
			DefaultInput:      in != nil && in.Index == d.Index,
			DefaultOutput:     out != nil && out.Index == d.Index,
			LowInputLatency:   d.DefaultLowInputLatency,
			HighInputLatency:  d.DefaultHighInputLatency,
			LowOutputLatency:  d.DefaultLowOutputLatency,
			HighOutputLatency: d.DefaultHighOutputLatency,
		}
		if d.HostApi != nil {
			infos[i].HostAPI = d.HostApi.Name
		}
	}
	return infos, nil
}

// find resolves a device name: "" is the default device, then an exact
// name, an index, or a case-insensitive part of one name.
func (h *Host) find(name string, input bool) (*portaudio.DeviceInfo, error) {
	usable := func(d *portaudio.DeviceInfo) bool {
		if input {
			return d.MaxInputChannels > 0
		}
		return d.MaxOutputChannels > 0
	}
	dir := "output"
	if input {
		dir = "input"
	}
	if name == "" {
		mu.Lock()
		defer mu.Unlock()
		var d *portaudio.DeviceInfo
		var err error
		if input {
			d, err = portaudio.DefaultInputDevice()
		} else {
			d, err = portaudio.DefaultOutputDevice()
		}
		if err != nil {
			n := 0
			for _, d := range h.devices {
				if usable(d) {
					n++
				}
			}
			return nil, fmt.Errorf("%w: no default %s device (PortAudio found %d devices, %d with %s channels)",
				device.ErrNoDevice, dir, len(h.devices), n, dir)
		}
		return d, nil
	}
	for _, d := range h.devices {
		if d.Name == name && usable(d) {
			return d, nil
		}
	}
	if i, err := strconv.Atoi(name); err == nil && i >= 0 && i < len(h.devices) && usable(h.devices[i]) {
		return h.devices[i], nil
	}
	var match []*portaudio.DeviceInfo
	for _, d := range h.devices {
		if usable(d) && strings.Contains(strings.ToLower(d.Name), strings.ToLower(name)) {
			match = append(match, d)
		}
	}
	switch len(match) {
	case 1:
		return match[0], nil
	case 0:
		return nil, fmt.Errorf("%w: no %s device matches %q (see \"vqspeak devices\")", device.ErrNoDevice, dir, name)
	}
	names := make([]string, len(match))
	for i, d := range match {
		names[i] = strconv.Quote(d.Name)
	}
	return nil, fmt.Errorf("%w: %q matches %d %s devices: %s", device.ErrNoDevice, name, len(match), dir, strings.Join(names, ", "))
}

// bufferMillis is the duration of one device buffer in ms: each blocking
// read or write moves this much audio.
const bufferMillis = 10

// params picks the stream's rate, buffer size and latency.
func params(d *portaudio.DeviceInfo, cfg device.Config, input bool) (rate float64, frames int, lat time.Duration) {
	rate = cfg.SampleRate
	if rate <= 0 {
		rate = d.DefaultSampleRate
	}
	frames = int(math.Round(rate * bufferMillis / 1000))
	switch {
	case input && cfg.LowLatency:
		lat = d.DefaultLowInputLatency
	case input:
		lat = d.DefaultHighInputLatency
	case cfg.LowLatency:
		lat = d.DefaultLowOutputLatency
	default:
		lat = d.DefaultHighOutputLatency
	}
	return rate, frames, lat
}

// openStream opens a blocking mono stream, or a stereo one if the device
// refuses mono, and returns the channel count it got.
func openStream(d *portaudio.DeviceInfo, input bool, rate float64, frames int, lat time.Duration, buf *[]int16) (*portaudio.Stream, int, error) {
	maxCh := d.MaxOutputChannels
	if input {
		maxCh = d.MaxInputChannels
	}
	var err error
	for _, ch := range []int{1, 2} {
		if ch > maxCh {
			break
		}
		*buf = make([]int16, frames*ch)
		p := portaudio.StreamParameters{SampleRate: rate, FramesPerBuffer: frames}
		dp := portaudio.StreamDeviceParameters{Device: d, Channels: ch, Latency: lat}
		if input {
			p.Input = dp
		} else {
			p.Output = dp
		}
		var st *portaudio.Stream
		mu.Lock()
		st, err = portaudio.OpenStream(p, buf)
		mu.Unlock()
		if err == nil {
			return st, ch, nil
		}
		if !errors.Is(err, portaudio.InvalidChannelCount) {
			break
		}
	}
	return nil, 0, fmt.Errorf("opening %q at %v Hz: %w", d.Name, rate, err)
}

// source is a capture stream read by its own goroutine.
type source struct {
	*device.Capture
	h      *Host
	st     *portaudio.Stream
	buf    []int16
	ch     int
	name   string
	exited chan struct{}
	once   sync.Once
	err    error
}

// OpenSource opens a capture stream on the named input device.
func (h *Host) OpenSource(name string, cfg device.Config) (device.Source, error) {
	d, err := h.find(name, true)
	if err != nil {
		return nil, err
	}
	rate, frames, lat := params(d, cfg, true)
	c, err := device.NewCapture(rate, frames, cfg)
	if err != nil {
		return nil, err
	}
	s := &source{Capture: c, h: h, name: d.Name, exited: make(chan struct{})}
	if s.st, s.ch, err = openStream(d, true, rate, frames, lat, &s.buf); err != nil {
		return nil, err
	}
	if err := h.track(s); err != nil {
		s.st.Close()
		return nil, err
	}
	if err := s.st.Start(); err != nil {
		h.untrack(s)
		s.st.Close()
		return nil, fmt.Errorf("starting %q: %w", d.Name, err)
	}
	go s.run()
	return s, nil
}

// run is the I/O goroutine: read a device buffer, queue it, repeat.
func (s *source) run() {
	defer close(s.exited)
	for {
		select {
		case <-s.Closed():
			return
		default:
		}
		if err := s.st.Read(); err != nil {
			if !errors.Is(err, portaudio.InputOverflowed) {
				s.Fail(fmt.Errorf("reading %q: %w", s.name, err))
				return
			}
			s.AddXrun() // data was lost before this buffer; the buffer itself is good
		}
		if s.PutInt16(s.buf, s.ch) != nil {
			return
		}
	}
}

func (s *source) Latency() time.Duration {
	var l time.Duration
	if info := s.st.Info(); info != nil {
		l = info.InputLatency
	}
	return l + s.ResamplerDelay()
}

func (s *source) Close() error {
	s.once.Do(func() {
		s.Capture.Close()
		<-s.exited // at most one device buffer
		mu.Lock()
		s.st.Abort()
		s.err = s.st.Close()
		mu.Unlock()
		s.h.untrack(s)
	})
	return s.err
}

// sink is a playback stream written by its own goroutine.
type sink struct {
	*device.Playback
	h      *Host
	st     *portaudio.Stream
	buf    []int16
	ch     int
	name   string
	exited chan struct{}
	once   sync.Once
	err    error
}

// OpenSink opens a playback stream on the named output device. The device
// starts when the first buffer is ready, so that it does not begin with an
// underrun.
func (h *Host) OpenSink(name string, cfg device.Config) (device.Sink, error) {
	d, err := h.find(name, false)
	if err != nil {
		return nil, err
	}
	rate, frames, lat := params(d, cfg, false)
	p, err := device.NewPlayback(rate, frames, cfg)
	if err != nil {
		return nil, err
	}
	s := &sink{Playback: p, h: h, name: d.Name, exited: make(chan struct{})}
	if s.st, s.ch, err = openStream(d, false, rate, frames, lat, &s.buf); err != nil {
		return nil, err
	}
	if err := h.track(s); err != nil {
		s.st.Close()
		return nil, err
	}
	go s.run()
	return s, nil
}

// run is the I/O goroutine: take a device buffer, write it, repeat; after
// the last one, wait for the device to play it out.
func (s *sink) run() {
	defer close(s.exited)
	started := false
	for {
		last, err := s.TakeInt16(s.buf, s.ch)
		if err != nil {
			if started {
				s.st.Abort()
			}
			return
		}
		if !started {
			if err := s.st.Start(); err != nil {
				s.Fail(fmt.Errorf("starting %q: %w", s.name, err))
				return
			}
			started = true
		}
		if err := s.st.Write(); err != nil {
			if !errors.Is(err, portaudio.OutputUnderflowed) {
				s.Fail(fmt.Errorf("writing %q: %w", s.name, err))
				s.st.Abort()
				return
			}
			s.AddXrun()
		}
		if last {
			if err := s.st.Stop(); err != nil { // returns once the device has played everything
				s.Fail(fmt.Errorf("stopping %q: %w", s.name, err))
				return
			}
			s.SetDrained()
			return
		}
	}
}

func (s *sink) Latency() time.Duration {
	var l time.Duration
	if info := s.st.Info(); info != nil {
		l = info.OutputLatency
	}
	return l + s.ResamplerDelay()
}

func (s *sink) Close() error {
	s.once.Do(func() {
		s.Playback.Close()
		<-s.exited
		mu.Lock()
		s.err = s.st.Close()
		mu.Unlock()
		s.h.untrack(s)
	})
	return s.err
}
