package device

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/vqspeak/vqspeak/features/resample"
)

// TestRingConcurrent moves a numbered sequence through a small ring in
// random chunk sizes from one goroutine to another: every sample arrives,
// in order.
func TestRingConcurrent(t *testing.T) {
	const total = 200000
	q := NewRing(97)
	go func() {
		rng := rand.New(rand.NewPCG(1, 2))
		buf := make([]float32, 150)
		for i := 0; i < total; {
			n := min(1+rng.IntN(len(buf)), total-i)
			for k := range n {
				buf[k] = float32(i + k)
			}
			p := buf[:n]
			for len(p) > 0 {
				if !q.WaitSpace(1) {
					return
				}
				p = p[q.Write(p):]
			}
			i += n
		}
	}()
	rng := rand.New(rand.NewPCG(3, 4))
	buf := make([]float32, 200)
	for i := 0; i < total; {
		want := min(1+rng.IntN(len(buf)), total-i)
		if !q.WaitData(want) {
			t.Fatal("ring closed")
		}
		n := q.Read(buf[:want])
		for k, v := range buf[:n] {
			if v != float32(i+k) {
				t.Fatalf("sample %d: got %v", i+k, v)
			}
		}
		i += n
	}
	if q.Len() != 0 {
		t.Errorf("ring holds %d samples after the transfer", q.Len())
	}
}

func TestRingClose(t *testing.T) {
	q := NewRing(4)
	q.Write([]float32{1, 2, 3, 4})
	done := make(chan bool)
	go func() { done <- q.WaitSpace(1) }()
	time.Sleep(time.Millisecond)
	q.Close()
	if <-done {
		t.Error("WaitSpace on a full, closed ring reported space")
	}
	if !q.WaitData(4) || q.WaitData(5) != true { // WaitData clips to Cap; the data stays readable
		t.Error("data written before Close is not readable")
	}
}

// tone is a sine at f Hz sampled at rate.
func tone(n int, f, rate float64, amp float32) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = amp * float32(math.Sin(2*math.Pi*f*float64(i)/rate))
	}
	return x
}

func maxAbsDiff(a, b []float32) float64 {
	var m float64
	for i := range min(len(a), len(b)) {
		m = max(m, math.Abs(float64(a[i]-b[i])))
	}
	return m
}

// TestCapture feeds stereo 16-bit buffers at 48 kHz, as a backend's I/O
// goroutine would, and reads 16 kHz mono: it must equal the whole-signal
// resampling of the same input (up to 16-bit quantisation), whatever the
// buffer and read sizes.
func TestCapture(t *testing.T) {
	for _, tc := range []struct {
		rate           float64
		frames, chunk  int
		channels, read int
	}{
		{48000, 480, 480, 2, 320},
		{44100, 441, 300, 1, 160},
		{16000, 160, 160, 1, 320},
		{22050, 512, 512, 2, 1000},
	} {
		x := tone(int(tc.rate), 440, tc.rate, 0.5) // one second
		c, err := NewCapture(tc.rate, tc.frames, Config{Buffer: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			buf := make([]int16, tc.chunk*tc.channels)
			for i := 0; i+tc.chunk <= len(x); i += tc.chunk {
				for k := range tc.chunk {
					v := int16(math.Round(float64(x[i+k]) * 32768))
					for ch := range tc.channels {
						buf[k*tc.channels+ch] = v
					}
				}
				if c.PutInt16(buf, tc.channels) != nil {
					return
				}
			}
		}()
		want := resample.All(x, int(tc.rate), Rate)
		n := len(want) - 200 // leave out the tail the streaming resampler holds back
		got := make([]float32, n)
		for i := 0; i < n; i += tc.read {
			if err := c.Read(got[i:min(i+tc.read, n)]); err != nil {
				t.Fatal(err)
			}
		}
		c.Close()
		if d := maxAbsDiff(got, want[:n]); d > 1e-3 {
			t.Errorf("%v Hz, %d ch: max difference %.2g from offline resampling", tc.rate, tc.channels, d)
		}
		if s := c.Stats(); s.Samples != int64(n) {
			t.Errorf("Stats.Samples = %d, want %d", s.Samples, n)
		}
		if err := c.Read(got[:1]); !errors.Is(err, ErrClosed) {
			t.Errorf("Read after Close: %v, want ErrClosed", err)
		}
	}
}

// TestPlayback writes 16 kHz audio and takes device buffers at 44.1 kHz in
// stereo: the concatenated buffers equal the offline resampling, and after
// Drain the last buffer is flagged and padded with silence.
func TestPlayback(t *testing.T) {
	for _, tc := range []struct {
		rate             float64
		frames, channels int
	}{
		{44100, 441, 2},
		{48000, 480, 1},
		{16000, 160, 1},
	} {
		x := tone(Rate, 300, Rate, 0.25)
		p, err := NewPlayback(tc.rate, tc.frames, Config{Buffer: 40 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		out := make(chan []float32)
		go func() {
			var got []float32
			buf := make([]int16, tc.frames*tc.channels)
			for {
				last, err := p.TakeInt16(buf, tc.channels)
				if err != nil {
					break
				}
				for i := 0; i < len(buf); i += tc.channels {
					if buf[i] != buf[i+tc.channels-1] {
						t.Errorf("channels differ at frame %d", i/tc.channels)
					}
					got = append(got, float32(buf[i])/32768)
				}
				if last {
					p.SetDrained()
					break
				}
			}
			out <- got
		}()
		for i := 0; i < len(x); i += 333 {
			if err := p.Write(x[i:min(i+333, len(x))]); err != nil {
				t.Fatal(err)
			}
		}
		if err := p.Drain(); err != nil {
			t.Fatal(err)
		}
		got := <-out
		want := resample.All(x, Rate, int(tc.rate))
		if len(got) < len(want) || len(got) >= len(want)+tc.frames+1 {
			t.Errorf("%v Hz: played %d samples, want %d plus less than a buffer of padding", tc.rate, len(got), len(want))
		}
		if d := maxAbsDiff(got, want); d > 1e-3 {
			t.Errorf("%v Hz: max difference %.2g from offline resampling", tc.rate, d)
		}
		for _, v := range got[len(want):] {
			if v != 0 {
				t.Errorf("%v Hz: padding is not silent", tc.rate)
				break
			}
		}
		if err := p.Write(x[:10]); !errors.Is(err, ErrClosed) {
			t.Errorf("Write after Drain: %v, want ErrClosed", err)
		}
	}
}

// TestCloseWakesWaiters: Close must release a Read waiting for a device
// that sends nothing and a Write waiting for one that takes nothing.
func TestCloseWakesWaiters(t *testing.T) {
	c, _ := NewCapture(48000, 480, Config{})
	p, _ := NewPlayback(48000, 480, Config{Buffer: 40 * time.Millisecond})
	errs := make(chan error, 3)
	go func() { errs <- c.Read(make([]float32, 320)) }()
	go func() { errs <- p.Write(make([]float32, 5000)) }()
	go func() {
		p2, _ := NewPlayback(48000, 480, Config{})
		go p2.Close()
		errs <- p2.Drain()
	}()
	time.Sleep(5 * time.Millisecond)
	c.Close()
	p.Close()
	for range 3 {
		select {
		case err := <-errs:
			if !errors.Is(err, ErrClosed) {
				t.Errorf("got %v, want ErrClosed", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("a waiter was not woken by Close")
		}
	}
}

// TestNoAllocs: the per-buffer paths of both directions allocate nothing.
func TestNoAllocs(t *testing.T) {
	c, _ := NewCapture(44100, 441, Config{Buffer: time.Second})
	in := make([]int16, 441*2)
	dst := make([]float32, 160)
	if a := testing.AllocsPerRun(50, func() {
		c.PutInt16(in, 2)
		c.Read(dst[:c.ring.Len()])
	}); a != 0 {
		t.Errorf("capture: %v allocations per buffer", a)
	}
	p, _ := NewPlayback(44100, 441, Config{Buffer: time.Second})
	src := make([]float32, 160)
	out := make([]int16, 441*2)
	p.Write(src) // the first buffer needs a little more, for the resampler's delay
	if a := testing.AllocsPerRun(50, func() {
		p.Write(src)
		p.TakeInt16(out, 2)
	}); a != 0 {
		t.Errorf("playback: %v allocations per buffer", a)
	}
}

func BenchmarkCapture44k(b *testing.B) {
	c, _ := NewCapture(44100, 441, Config{Buffer: time.Second})
	in := make([]int16, 441*2)
	dst := make([]float32, 200)
	b.ReportAllocs()
	b.SetBytes(int64(len(in) * 2))
	for b.Loop() {
		c.PutInt16(in, 2)
		c.Read(dst[:c.ring.Len()])
	}
}

func BenchmarkPlayback44k(b *testing.B) {
	p, _ := NewPlayback(44100, 441, Config{Buffer: time.Second})
	src := make([]float32, 160)
	out := make([]int16, 441*2)
	p.Write(src)
	b.ReportAllocs()
	b.SetBytes(int64(len(out) * 2))
	for b.Loop() {
		p.Write(src)
		p.TakeInt16(out, 2)
	}
}
