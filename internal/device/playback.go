package device

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vqspeak/vqspeak/features/resample"
	"github.com/vqspeak/vqspeak/internal/pcm"
)

// Playback carries 16 kHz mono audio from a writer to a backend's I/O
// goroutine, which takes it one device buffer at a time at the device's rate
// and channel count. One writer calls Write and Drain; the I/O goroutine
// calls TakeInt16 (or TakeFloat32) and, after the last buffer has played,
// SetDrained. All buffers are allocated in NewPlayback.
type Playback struct {
	ring   *Ring
	rs     *resample.Resampler // nil when the device runs at 16 kHz
	rate   int
	chunk  []float32 // 16 kHz samples taken from the ring at a time
	staged []float32 // device-rate samples not yet handed out
	mono   []float32 // TakeInt16's scratch
	frames int

	draining atomic.Bool
	drained  chan struct{}
	dOnce    sync.Once
	written  atomic.Int64
	xruns    atomic.Int64

	mu  sync.Mutex
	err error
}

// NewPlayback prepares a playback path to a device running at deviceRate Hz
// that takes at most maxFrames frames per buffer.
func NewPlayback(deviceRate float64, maxFrames int, cfg Config) (*Playback, error) {
	rate, err := checkRate(deviceRate)
	if err != nil {
		return nil, err
	}
	chunk := maxFrames*Rate/rate + 1
	p := &Playback{
		ring:    NewRing(cfg.RingSamples()),
		rate:    rate,
		chunk:   make([]float32, chunk),
		staged:  make([]float32, 0, maxFrames+chunk*rate/Rate+8),
		mono:    make([]float32, maxFrames),
		frames:  maxFrames,
		drained: make(chan struct{}),
	}
	if rate != Rate {
		if p.rs, err = resample.New(Rate, rate); err != nil {
			return nil, fmt.Errorf("device: playback at %d Hz: %w", rate, err)
		}
	}
	return p, nil
}

// Write queues src, waiting while the ring is full.
func (p *Playback) Write(src []float32) error {
	for len(src) > 0 {
		if p.draining.Load() {
			return fmt.Errorf("device: write after Drain: %w", ErrClosed)
		}
		if !p.ring.WaitSpace(1) {
			return p.Err()
		}
		n := p.ring.Write(src)
		p.written.Add(int64(n))
		src = src[n:]
	}
	return nil
}

// Drain marks the end of the audio and waits until the I/O goroutine has
// played it all (SetDrained) or the playback is closed.
func (p *Playback) Drain() error {
	p.draining.Store(true)
	signal(p.ring.data) // wake a TakeInt16 waiting for data that will not come
	select {
	case <-p.drained:
		return nil
	case <-p.ring.Done():
		return p.Err()
	}
}

// TakeFloat32 fills dst (mono, at the device rate; at most maxFrames) with
// the next samples, waiting until the writer has supplied enough. After
// Drain it pads the end with silence and reports last: the I/O goroutine
// writes that buffer, waits for the device to play it and calls SetDrained.
// It returns ErrClosed once the playback is closed.
func (p *Playback) TakeFloat32(dst []float32) (last bool, err error) {
	if len(dst) > p.frames {
		return false, fmt.Errorf("device: %d frames exceed the %d the playback was made for", len(dst), p.frames)
	}
	for len(p.staged) < len(dst) {
		for p.ring.Len() == 0 && !p.draining.Load() {
			select {
			case <-p.ring.data:
			case <-p.ring.Done():
				return false, p.Err()
			}
		}
		if p.ring.Len() == 0 { // draining and nothing left
			if p.rs != nil {
				p.staged = p.rs.Flush(p.staged)
			}
			last = true
			break
		}
		want := len(p.chunk)
		if p.rs != nil {
			// Take only what the buffer needs, so that staged never outgrows
			// its capacity.
			want = min(want, (len(dst)-len(p.staged))*Rate/p.rate+1)
		}
		n := p.ring.Read(p.chunk[:want])
		if p.rs != nil {
			p.staged = p.rs.Process(p.staged, p.chunk[:n])
		} else {
			p.staged = append(p.staged, p.chunk[:n]...)
		}
	}
	n := copy(dst, p.staged)
	clear(dst[n:])
	p.staged = p.staged[:copy(p.staged, p.staged[n:])]
	return last, nil
}

// TakeInt16 is TakeFloat32 for interleaved 16-bit frames, the mono signal
// copied to every channel; len(dst) must be a multiple of channels.
func (p *Playback) TakeInt16(dst []int16, channels int) (last bool, err error) {
	n := len(dst) / channels
	if n > p.frames {
		return false, fmt.Errorf("device: %d frames exceed the %d the playback was made for", n, p.frames)
	}
	mono := p.mono[:n]
	last, err = p.TakeFloat32(mono)
	if err != nil {
		return false, err
	}
	for i, x := range mono {
		v := pcm.ToInt16(x)
		for c := range channels {
			dst[i*channels+c] = v
		}
	}
	return last, nil
}

// SetDrained tells Drain that the last buffer has been played.
func (p *Playback) SetDrained() { p.dOnce.Do(func() { close(p.drained) }) }

// Fail records the error that stopped the device and closes the playback,
// so that Write and Drain return it.
func (p *Playback) Fail(err error) {
	p.mu.Lock()
	if p.err == nil {
		p.err = err
	}
	p.mu.Unlock()
	p.ring.Close()
}

// Close ends the playback at once: a waiting Write, Drain or Take returns.
func (p *Playback) Close() { p.Fail(ErrClosed) }

// Closed is closed when the playback is.
func (p *Playback) Closed() <-chan struct{} { return p.ring.Done() }

// Err is the reason the playback stopped, or nil while it runs.
func (p *Playback) Err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// AddXrun counts one device underrun.
func (p *Playback) AddXrun() { p.xruns.Add(1) }

// Stats returns the samples written so far and the underruns.
func (p *Playback) Stats() Stats { return Stats{Samples: p.written.Load(), Xruns: p.xruns.Load()} }

// Buffered is the audio waiting in the ring.
func (p *Playback) Buffered() time.Duration { return samplesDuration(p.ring.Len(), Rate) }

// ResamplerDelay is the resampler's latency.
func (p *Playback) ResamplerDelay() time.Duration {
	if p.rs == nil {
		return 0
	}
	return time.Duration(p.rs.Delay() * float64(time.Second) / float64(p.rate))
}

// DeviceRate is the device-side rate.
func (p *Playback) DeviceRate() float64 { return float64(p.rate) }
