package main

import (
	"bytes"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/codec/vqs"
	"github.com/vqspeak/vqspeak/internal/audiofile"
	"github.com/vqspeak/vqspeak/internal/device"
	"github.com/vqspeak/vqspeak/stream"
)

// tickSink is an output device whose clock is the test: each Write of
// a packet's time (20 or 40 ms) is one tick, and onTick runs inside it, before the next Pull.
type tickSink struct {
	played  []float32
	ticks   int
	onTick  func(tick int)
	drained bool
}

func (s *tickSink) Write(p []float32) error {
	s.played = append(s.played, p...)
	s.ticks++
	s.onTick(s.ticks)
	return nil
}
func (s *tickSink) Drain() error            { s.drained = true; return nil }
func (s *tickSink) Latency() time.Duration  { return 0 }
func (s *tickSink) Buffered() time.Duration { return 0 }
func (s *tickSink) DeviceRate() float64     { return codec.SampleRate }
func (s *tickSink) Stats() device.Stats     { return device.Stats{} }
func (s *tickSink) Close() error            { return nil }

// frameWriter keeps every Write as one frame.
type frameWriter struct{ frames [][]byte }

func (w *frameWriter) Write(p []byte) (int, error) {
	w.frames = append(w.frames, bytes.Clone(p))
	return len(p), nil
}

// liveFrames encodes x into a live stream and returns its writes (the
// header, then one per packet) and each packet's slot.
func liveFrames(t *testing.T, x []float32, cfg stream.EncoderConfig) ([][]byte, []int) {
	t.Helper()
	cb := codec.DefaultCodebook()
	enc, err := stream.NewEncoder(cb, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	var w frameWriter
	m := enc.Mode()
	ps := uint32(m.PacketSamples())
	lw, err := vqs.NewLiveWriter(&w, vqs.Header{SampleRate: codec.SampleRate, PacketSamples: uint16(ps),
		Stages: uint8(m.Stages), CodebookFingerprint: cb.Fingerprint()})
	if err != nil {
		t.Fatal(err)
	}
	var slots []int
	emit := func(p stream.Packet) error {
		slots = append(slots, int(p.Timestamp/ps))
		return lw.WritePacket(p.Timestamp/ps, p.Payload)
	}
	if err := enc.Push(x, emit); err != nil {
		t.Fatal(err)
	}
	if err := enc.Flush(emit); err != nil {
		t.Fatal(err)
	}
	return w.frames, slots
}

// playTicked plays a live stream with the injected clock: packet k is
// written into the pipe at tick due(k), and each tick waits until the
// player has taken in what was written. It returns the player, the sink
// and the buffer's delay at each tick, in samples.
func playTicked(t *testing.T, frames [][]byte, due func(k int) int) (*livePlayer, *tickSink, []int) {
	return playTickedStop(t, frames, due, nil)
}

// playTickedStop is playTicked with a Ctrl-C: stop is closed at the tick
// it returns true for.
func playTickedStop(t *testing.T, frames [][]byte, due func(k int) int, stopAt func(tick int) bool) (*livePlayer, *tickSink, []int) {
	t.Helper()
	packets := len(frames) - 1
	pr, pw := io.Pipe()
	go pw.Write(frames[0])
	fr, err := vqs.JoinPacketReader(pr)
	if err != nil {
		t.Fatal(err)
	}
	sink := &tickSink{}
	lp, err := newLivePlayer(fr, codec.DefaultCodebook(), sink)
	if err != nil {
		t.Fatal(err)
	}
	var delay []int
	next := 0 // next packet to deliver
	closed := false
	stop := make(chan struct{})
	sink.onTick = func(tick int) {
		if stopAt != nil && stopAt(tick) {
			close(stop)
			return
		}
		delay = append(delay, lp.dec.Delay().Samples)
		for ; next < packets && due(next) <= tick; next++ {
			pw.Write(frames[1+next])
		}
		if next == packets && !closed {
			// The end of the stream arrives at this tick too.
			pw.Close()
			<-lp.done
			closed = true
		}
		for deadline := time.Now().Add(5 * time.Second); lp.dec.Stats().Received < int64(next); {
			if time.Now().After(deadline) {
				t.Fatalf("tick %d: %d packets delivered, %d received", tick, next, lp.dec.Stats().Received)
			}
			time.Sleep(20 * time.Microsecond)
		}
	}
	if err := lp.run(stop); err != nil {
		t.Fatal(err)
	}
	if stopAt != nil {
		pw.Close()
	}
	<-lp.done
	if !sink.drained || lp.err != nil || len(lp.damage) > 0 {
		t.Errorf("end of stream: drained %v, error %v, damage %v", sink.drained, lp.err, lp.damage)
	}
	return lp, sink, delay
}

// TestLivePlayerStall drives the live player with an injected clock: packet
// k arrives at tick k, except that the pipe stalls for 200 ms and then
// delivers those ten packets in one burst. The stall is concealed (the
// stalled packets come too late and are dropped), the burst does not grow
// the delay, and at the end of the stream the player drains and returns.
func TestLivePlayerStall(t *testing.T) {
	a, err := audiofile.ReadFile(clip)
	if err != nil {
		t.Fatal(err)
	}
	x := append(append(append([]float32(nil), a.Samples...), a.Samples...), a.Samples...) // 13 s
	frames, slots := liveFrames(t, x, stream.EncoderConfig{})
	packets := len(frames) - 1
	const stallAt, stall = 100, 10 // at 2 s, 200 ms
	lp, sink, delay := playTicked(t, frames, func(k int) int {
		if k >= stallAt && k < stallAt+stall {
			return slots[stallAt+stall]
		}
		return slots[k]
	})
	st := lp.dec.Stats()
	t.Logf("%d packets, %d ticks: %+v", packets, sink.ticks, st)
	if st.Concealed < stall/2 || st.Concealed > stall+2 {
		t.Errorf("concealed %d slots for a %d-packet stall", st.Concealed, stall)
	}
	if sink.ticks < packets || sink.ticks > packets+pipeBuffer.MaxDepth+2 {
		t.Errorf("%d ticks played for %d packets", sink.ticks, packets)
	}
	before := delay[stallAt-1]
	peak := 0
	for _, d := range delay[stallAt:] {
		peak = max(peak, d)
	}
	after := delay[len(delay)-pipeBuffer.MaxDepth-5]
	t.Logf("buffer delay: %d ms before the stall; after it %d ms at most, %d / %d / %d ms 0.5 / 2 / 5 s later, %d ms at the end",
		before/16, peak/16, delay[stallAt+stall+25]/16, delay[stallAt+stall+100]/16, delay[stallAt+stall+250]/16, after/16)
	if peak > pipeBuffer.MaxDepth*codec.PacketSamples {
		t.Errorf("the delay grew to %d ms, past the buffer's maximum", peak/16)
	}
	if after > before {
		t.Errorf("the delay stayed grown: %d ms before the stall, %d ms at the end", before/16, after/16)
	}
	if st.Late < stall-2 {
		t.Errorf("%d late packets: the stalled packets should have been concealed and dropped on arrival", st.Late)
	}
}

// TestLivePlayerDTX: a stream with DTX, every packet on time: the slots
// DTX did not send play as comfort noise, not as losses.
func TestLivePlayerDTX(t *testing.T) {
	a, err := audiofile.ReadFile(clip)
	if err != nil {
		t.Fatal(err)
	}
	// The clip, a second of faint noise, the clip again.
	gap := make([]float32, codec.SampleRate)
	for i := range gap {
		gap[i] = 1e-4 * float32(i%7-3)
	}
	x := append(append(append([]float32(nil), a.Samples...), gap...), a.Samples...)
	frames, slots := liveFrames(t, x, stream.EncoderConfig{DTX: true})
	lp, sink, _ := playTicked(t, frames, func(k int) int { return slots[k] })
	st := lp.dec.Stats()
	t.Logf("%d packets for %d slots, %d ticks: %+v", len(slots), slots[len(slots)-1]+1, sink.ticks, st)
	if st.ComfortNoise < 40 || st.Concealed > 0 || st.Lost > 0 || st.Late > 0 {
		t.Errorf("DTX through the pipe: %+v; want comfort noise for the unsent slots and nothing concealed", st)
	}
	if want := slots[len(slots)-1] + 1; sink.ticks < want || sink.ticks > want+pipeBuffer.MaxDepth {
		t.Errorf("%d ticks for %d slots", sink.ticks, want)
	}
}

// TestLivePlayerStop: Ctrl-C stops the player at once; it drains the
// device and returns no error.
func TestLivePlayerStop(t *testing.T) {
	a, err := audiofile.ReadFile(clip)
	if err != nil {
		t.Fatal(err)
	}
	frames, slots := liveFrames(t, a.Samples, stream.EncoderConfig{})
	_, sink, _ := playTickedStop(t, frames, func(k int) int { return slots[k] }, func(tick int) bool { return tick == 50 })
	if sink.ticks != 50 || !sink.drained {
		t.Errorf("stopped at tick 50: %d ticks played, drained %v", sink.ticks, sink.drained)
	}
}

// TestLivePlayerLowRate: a live stream of each 40 ms mode plays through
// the live player in 40 ms ticks: on time, nothing is concealed and what
// is played is the file decoder's output (stream.FileDecoder) delayed by
// the player's buffer, until the buffer sheds that delay; a 200 ms stall is concealed and the
// delay does not stay grown.
func TestLivePlayerLowRate(t *testing.T) {
	a, err := audiofile.ReadFile(clip)
	if err != nil {
		t.Fatal(err)
	}
	cb := codec.DefaultCodebook()
	for _, m := range []codec.Mode{codec.Mode800, codec.Mode1200, codec.Mode1600} {
		t.Run(m.Name(), func(t *testing.T) {
			frames, slots := liveFrames(t, a.Samples, stream.EncoderConfig{Mode: m})
			lp, sink, _ := playTicked(t, frames, func(k int) int { return slots[k] })
			st := lp.dec.Stats()
			if st.Concealed > 0 || st.Late > 0 || st.Received != int64(len(slots)) || lp.dec.Mode() != m {
				t.Errorf("on time: %+v, mode %v", st, lp.dec.Mode())
			}
			if len(sink.played)%m.PacketSamples() != 0 || sink.ticks < len(slots) || sink.ticks > len(slots)+2 {
				t.Errorf("%d samples in %d ticks for %d packets", len(sink.played), sink.ticks, len(slots))
			}
			fr, err := vqs.NewPacketReader(bytes.NewReader(bytes.Join(frames, nil)))
			if err != nil {
				t.Fatal(err)
			}
			fd, err := stream.NewFileDecoder(fr, cb)
			if err != nil {
				t.Fatal(err)
			}
			var want []float32
			for err == nil {
				want, err = fd.ReadSamples(want)
			}
			// The player plays a slot before the first packet arrives (the
			// sink's first tick delivers packets 0 and 1), then holds one
			// packet of buffer, then the codec delay; the file decoder drops
			// all three.
			got := sink.played[2*m.PacketSamples()+codec.Delay:]
			if len(got) < len(want)-m.PacketSamples() {
				t.Fatalf("played %d samples after the delay, the file decoder gives %d", len(got), len(want))
			}
			// Until the buffer sheds its packet of delay (after 25 slots).
			n := 20 * m.PacketSamples()
			for i := range n {
				if got[i] != want[i] {
					t.Fatalf("sample %d: played %v, file decoder %v", i, got[i], want[i])
				}
			}

			// A stall of 200 ms (5 packets) at 1 s, then a burst.
			const stallAt, stall = 25, 5
			lp, _, delay := playTicked(t, frames, func(k int) int {
				if k >= stallAt && k < stallAt+stall {
					return slots[stallAt+stall]
				}
				return slots[k]
			})
			st = lp.dec.Stats()
			t.Logf("stall: %+v", st)
			if st.Concealed < stall/2 || st.Concealed > stall+2 {
				t.Errorf("concealed %d slots for a %d-packet stall", st.Concealed, stall)
			}
			if max := pipeBufferFor(m).MaxDepth * m.PacketSamples(); slices.Max(delay) > max {
				t.Errorf("the delay grew to %d ms, past the buffer's %d ms", slices.Max(delay)/16, max/16)
			}
		})
	}
}
