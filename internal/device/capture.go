package device

import (
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vqspeak/vqspeak/features/resample"
	"github.com/vqspeak/vqspeak/internal/pcm"
)

// Capture carries audio from a backend's I/O goroutine, at the device's rate
// and channel count, to a reader at 16 kHz mono. The I/O goroutine calls
// PutInt16 (or PutFloat32) once per device buffer; one reader calls Read.
// All buffers are allocated in NewCapture.
type Capture struct {
	ring  *Ring
	rs    *resample.Resampler // nil when the device runs at 16 kHz
	rate  int
	mono  []float32
	out   []float32
	read  atomic.Int64
	xruns atomic.Int64

	mu  sync.Mutex
	err error
}

// NewCapture prepares a capture path from a device running at deviceRate Hz
// that delivers at most maxFrames frames per buffer.
func NewCapture(deviceRate float64, maxFrames int, cfg Config) (*Capture, error) {
	rate, err := checkRate(deviceRate)
	if err != nil {
		return nil, err
	}
	c := &Capture{ring: NewRing(cfg.RingSamples()), rate: rate, mono: make([]float32, maxFrames)}
	if rate != Rate {
		if c.rs, err = resample.New(rate, Rate); err != nil {
			return nil, fmt.Errorf("device: capture at %d Hz: %w", rate, err)
		}
	}
	c.out = make([]float32, 0, maxFrames*Rate/rate+4)
	return c, nil
}

// checkRate turns a device's rate into the integer rate the resampler takes.
func checkRate(r float64) (int, error) {
	if !(r >= 1000 && r <= 384000) || r != math.Round(r) {
		return 0, fmt.Errorf("device: unusable sample rate %v Hz", r)
	}
	return int(r), nil
}

// PutInt16 converts one device buffer of interleaved frames to 16 kHz mono
// and queues it, waiting while the ring is full (the caller is the I/O
// goroutine; waiting lets the device's own buffer absorb the delay). It
// returns ErrClosed once the capture is closed.
func (c *Capture) PutInt16(frames []int16, channels int) error {
	n := len(frames) / channels
	if n > len(c.mono) {
		return fmt.Errorf("device: %d frames exceed the %d the capture was made for", n, len(c.mono))
	}
	m := c.mono[:n]
	if channels == 1 {
		for i, v := range frames[:n] {
			m[i] = pcm.FromInt16(v)
		}
	} else {
		g := 1 / (32768 * float32(channels))
		for i := range m {
			var s int32
			for _, v := range frames[i*channels : (i+1)*channels] {
				s += int32(v)
			}
			m[i] = float32(s) * g
		}
	}
	return c.PutFloat32(m)
}

// PutFloat32 queues mono samples at the device rate. See PutInt16.
func (c *Capture) PutFloat32(mono []float32) error {
	for len(mono) > 0 {
		part := mono[:min(len(mono), len(c.mono))]
		mono = mono[len(part):]
		p := part
		if c.rs != nil {
			c.out = c.rs.Process(c.out[:0], part)
			p = c.out
		}
		for len(p) > 0 {
			if !c.ring.WaitSpace(1) {
				return ErrClosed
			}
			p = p[c.ring.Write(p):]
		}
	}
	return nil
}

// Read fills dst with 16 kHz samples, waiting for the device as needed.
func (c *Capture) Read(dst []float32) error {
	select {
	case <-c.ring.Done():
		return c.Err()
	default:
	}
	for len(dst) > 0 {
		if !c.ring.WaitData(len(dst)) {
			return c.Err()
		}
		n := c.ring.Read(dst)
		c.read.Add(int64(n))
		dst = dst[n:]
	}
	return nil
}

// Fail records the error that stopped the device and closes the capture, so
// that Read returns it.
func (c *Capture) Fail(err error) {
	c.mu.Lock()
	if c.err == nil {
		c.err = err
	}
	c.mu.Unlock()
	c.ring.Close()
}

// Close ends the capture: a waiting Read or PutInt16 returns.
func (c *Capture) Close() { c.Fail(ErrClosed) }

// Closed is closed when the capture is.
func (c *Capture) Closed() <-chan struct{} { return c.ring.Done() }

// Err is the reason the capture stopped, or nil while it runs.
func (c *Capture) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// AddXrun counts one device overrun.
func (c *Capture) AddXrun() { c.xruns.Add(1) }

// Stats returns the samples read so far and the overruns.
func (c *Capture) Stats() Stats { return Stats{Samples: c.read.Load(), Xruns: c.xruns.Load()} }

// Buffered is the captured audio waiting to be read.
func (c *Capture) Buffered() time.Duration { return samplesDuration(c.ring.Len(), Rate) }

// ResamplerDelay is the resampler's latency.
func (c *Capture) ResamplerDelay() time.Duration {
	if c.rs == nil {
		return 0
	}
	return time.Duration(c.rs.Delay() * float64(time.Second) / Rate)
}

// DeviceRate is the device-side rate.
func (c *Capture) DeviceRate() float64 { return float64(c.rate) }

func samplesDuration(n, rate int) time.Duration {
	return time.Duration(int64(n) * int64(time.Second) / int64(rate))
}
