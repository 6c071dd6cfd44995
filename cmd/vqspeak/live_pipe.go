package main

// Live audio through a byte pipe: "vqspeak record | vqspeak play". record
// writes a live .vqs stream (package vqs, live.go) to stdout, one write per
// packet; play pushes the packets into a jitter buffer as they arrive and
// pulls from it at the output device's pace.

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/codec/vqs"
	"github.com/vqspeak/vqspeak/internal/device"
	"github.com/vqspeak/vqspeak/rvq"
	"github.com/vqspeak/vqspeak/stream"
)

// pipeRing is the program-side buffering of the pipe's streams, short for
// the same reason as the loopback's.
const pipeRing = loopbackRing

// recordPipe records from src into a live stream on w until src stops
// (Ctrl-C closes it) or limit samples (0: no limit) are in.
func recordPipe(e *env, src device.Source, w io.Writer, cb *rvq.Codebook, cfg stream.EncoderConfig, limit int64) error {
	// A reader that goes away must give this process an EPIPE error to
	// report, not kill it with SIGPIPE.
	signal.Ignore(syscall.SIGPIPE)
	enc, err := stream.NewEncoder(cb, &cfg)
	if err != nil {
		return err
	}
	// The header records the mode: 20 ms packets and the stage count, or
	// a low-rate mode's 40 ms packets and its stage count.
	mode := enc.Mode()
	ps := uint32(mode.PacketSamples())
	lw, err := vqs.NewLiveWriter(w, vqs.Header{
		SampleRate:          codec.SampleRate,
		PacketSamples:       uint16(ps),
		Stages:              uint8(mode.Stages),
		CodebookFingerprint: cb.Fingerprint(),
	})
	if err != nil {
		return pipeErr(err)
	}
	emit := func(p stream.Packet) error {
		return lw.WritePacket(p.Timestamp/ps, p.Payload)
	}
	if isTerminal(e.stderr) {
		fmt.Fprintf(e.stderr, "recording %s at %.0f Hz to stdout; Ctrl-C stops\n", deviceLabel(""), src.DeviceRate())
	}
	buf := make([]float32, ps)
	var n int64
	var readErr error
	for limit == 0 || n < limit {
		chunk := buf
		if limit > 0 {
			chunk = buf[:min(int64(len(buf)), limit-n)]
		}
		if readErr = src.Read(chunk); readErr != nil {
			break
		}
		n += int64(len(chunk))
		if err := enc.Push(chunk, emit); err != nil {
			return pipeErr(err)
		}
	}
	// The lookahead's last packets: everything recorded is sent.
	if err := enc.Flush(emit); err != nil {
		return pipeErr(err)
	}
	st, secs := enc.Stats(), float64(n)/codec.SampleRate
	e.infof("record: %.2f s at %.0f Hz → %d packets, %s, %d b/s on the pipe (%d b/s of packets); capture latency %s\n",
		secs, src.DeviceRate(), st.Packets, liveModeLabel(mode), int(float64(lw.Bytes()*8)/max(secs, 1e-9)),
		int(float64(st.Bytes*8)/max(secs, 1e-9)), ms(src.Latency()))
	if x := src.Stats().Xruns; x > 0 {
		e.infof("record: %d input overruns (audio lost)\n", x)
	}
	if readErr != nil && !(errors.Is(readErr, device.ErrClosed) && e.ctx.Err() != nil) {
		return fmt.Errorf("recording stopped: %w", readErr)
	}
	return nil
}

// pipeErr says in plain words that the reader of the pipe went away.
func pipeErr(err error) error {
	if errors.Is(err, syscall.EPIPE) || errors.Is(err, io.ErrClosedPipe) {
		return errors.New("the reader of the stream has gone (broken pipe)")
	}
	return err
}

// livePlayer plays a live stream: a goroutine pushes packets into the
// jitter buffer the moment they arrive, and run pulls a packet's time (20
// or 40 ms, as the stream's mode says) at a time into
// the sink, whose blocking Write is the clock. A stalled pipe is thereby
// concealed, and a burst is absorbed and then shed by the buffer instead
// of growing the delay.
type livePlayer struct {
	fr   *vqs.PacketReader
	dec  *stream.Decoder
	sink device.Sink
	ps   uint32 // samples per packet: a slot

	done   chan struct{} // closed when the stream has ended
	err    error         // why it ended, if not at its end; read after done
	damage []error       // damage reports, read after done
	played int64         // samples written to the sink
	rings  time.Duration // sum over the writes of the audio waiting in the sink's ring
	writes int64
}

// pipeBuffer is the jitter buffer of a live stream of 20 ms packets: never
// less than one packet, since a pipe between processes (let alone ssh or
// nc) delivers with the jitter of two schedulers, and up to 160 ms for a
// network. A stream of 40 ms packets gets the same 160 ms
// (pipeBufferFor).
var pipeBuffer = stream.DecoderConfig{MinDepth: 1, StartDepth: 1, MaxDepth: 8}

// pipeBufferFor is pipeBuffer for packets of mode m: its depths count
// packets, so the most a 40 ms stream holds is 4 of them.
func pipeBufferFor(m codec.Mode) stream.DecoderConfig {
	c := pipeBuffer
	c.MaxDepth = max(c.MinDepth, c.MaxDepth*codec.PacketSamples/m.PacketSamples())
	return c
}

// newLivePlayer plays fr, whose header names the mode.
func newLivePlayer(fr *vqs.PacketReader, cb *rvq.Codebook, sink device.Sink) (*livePlayer, error) {
	m, err := fr.Header().Mode()
	if err != nil {
		return nil, err
	}
	cfg, ps := pipeBufferFor(m), uint32(m.PacketSamples())
	if !m.LowRate() {
		m = codec.Mode{} // the 20 ms modes: the packet length tells the stage count
	}
	dec, err := stream.NewModeDecoder(cb, m, &cfg)
	if err != nil {
		return nil, err
	}
	return &livePlayer{fr: fr, dec: dec, sink: sink, ps: ps, done: make(chan struct{})}, nil
}

// liveModeLabel names a live stream's mode, e.g. "4 stages" or "1600 b/s
// mode, 40 ms packets".
func liveModeLabel(m codec.Mode) string {
	if !m.LowRate() {
		return fmt.Sprintf("%d stages", m.Stages)
	}
	return fmt.Sprintf("%s b/s mode, %d ms packets", m.Name(), m.PacketDuration().Milliseconds())
}

// read moves packets from the stream into the jitter buffer until the
// stream ends. Its timestamps are the packets' slots, so slots DTX did not
// send play as comfort noise, and lost ones are concealed.
func (lp *livePlayer) read() {
	defer close(lp.done)
	buf := make([]byte, 0, vqs.MaxPacketLen)
	var seq uint16
	for {
		p, err := lp.fr.ReadPacket(buf[:0])
		switch err.(type) {
		case nil:
			lp.dec.Push(stream.Packet{Seq: seq, Timestamp: lp.fr.Slot() * lp.ps, Payload: p})
			seq++
			continue
		case *vqs.CorruptBlockError, *vqs.TruncatedBlockError:
			lp.damage = append(lp.damage, err)
			continue
		}
		if err != io.EOF {
			lp.err = err
		}
		return
	}
}

// run plays until the stream has ended and the buffer is empty, or stop
// is closed (Ctrl-C), and then lets the device play out what it holds.
func (lp *livePlayer) run(stop <-chan struct{}) error {
	go lp.read()
	out := make([]float32, lp.ps)
	for ended := false; ; {
		select {
		case <-lp.done:
			ended = true
		case <-stop:
			return lp.sink.Drain()
		default:
		}
		if ended && lp.dec.Stats().Depth == 0 {
			break
		}
		lp.dec.Pull(out)
		if err := lp.sink.Write(out); err != nil {
			return err
		}
		lp.played += int64(len(out))
		lp.rings += lp.sink.Buffered()
		lp.writes++
	}
	return lp.sink.Drain()
}

// playLive plays the live stream fr on the device.
func playLive(e *env, name string, fr *vqs.PacketReader, cb *rvq.Codebook, host device.Host, out string) error {
	if err := vqs.CheckCodebook(fr.Header(), cb); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	m, err := fr.Header().Mode()
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	sink, err := host.OpenSink(out, device.Config{LowLatency: true, Buffer: pipeRing})
	if err != nil {
		return deviceHint(err)
	}
	defer sink.Close()
	lp, err := newLivePlayer(fr, cb, sink)
	if err != nil {
		return err
	}
	// Ctrl-C: stop taking packets, play out what the device holds, exit 0.
	if err := lp.run(e.ctx.Done()); err != nil {
		return playErr(e, err)
	}
	select {
	case <-lp.done:
		for _, d := range lp.damage {
			fmt.Fprintf(e.stderr, "%s: warning: %v\n", name, d)
		}
		if lp.err != nil {
			return fmt.Errorf("%s: %w", name, lp.err)
		}
	default:
	}
	st := lp.dec.Stats()
	// Mouth to ear, as loopback counts it, but for the capture side, which
	// record reports.
	buf, ring := lp.dec.Delay().Duration(), lp.rings/time.Duration(max(lp.writes, 1))
	e.infof("%s: %.2f s played at %.0f Hz (live, %s): %d packets, concealed %d, recovered %d, late %d, shed %d; latency %s (codec %s + buffer %s + device %s + ring %s) + record's capture latency\n",
		name, float64(lp.played)/codec.SampleRate, sink.DeviceRate(), liveModeLabel(m), st.Received, st.Concealed, st.Recovered, st.Late, st.Skipped,
		ms(m.Latency()+buf+sink.Latency()+ring), ms(m.Latency()), ms(buf), ms(sink.Latency()), ms(ring))
	if x := sink.Stats().Xruns; x > 0 {
		e.infof("%s: %d output underruns (gaps)\n", name, x)
	}
	return nil
}

// isStream reports whether the input path ("-": stdin) is a pipe, a FIFO,
// a socket or a device rather than a regular file: where a live stream
// may be joined mid-way.
func isStream(e *env, path string) bool {
	var fi os.FileInfo
	var err error
	if path == "-" {
		f, ok := e.stdin.(*os.File)
		if !ok {
			return true // an in-process pipe (tests)
		}
		fi, err = f.Stat()
	} else {
		fi, err = os.Stat(path)
	}
	return err != nil || !fi.Mode().IsRegular()
}
