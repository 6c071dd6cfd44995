package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/internal/device"
	"github.com/vqspeak/vqspeak/internal/netsim"
	"github.com/vqspeak/vqspeak/stream"
)

func init() {
	register(&command{
		name:    "loopback",
		args:    "[-stages N | -bitrate BPS] [-loss PCT] [-jitter MS] [-seed N] [-in DEVICE] [-out DEVICE]",
		summary: "Microphone → encoder → simulated network → jitter buffer → decoder → speakers, until Ctrl-C.\nPrints the bitrate, buffer depth, loss, concealment and latency once a second.",
		flags: func(fs *flag.FlagSet) {
			fs.Int("stages", codec.DefaultStages, "RVQ stages per packet: 1 to 4 with the default codebook (4 = 3200 b/s)")
			fs.Int("bitrate", 0, "mode by payload `BPS`: 700 or 800, 1200, 1600 (40 ms packets; no -fec) or 2000 to 3200 (as -stages 1 to 4); not with -stages")
			fs.String("codebook", "", "codebook `FILE` (default: the embedded one, also named \"default\")")
			fs.Float64("loss", 0, "percentage of packets the network loses at random")
			fs.Int("jitter", 0, "random network delay, up to this many `ms` per packet")
			fs.Uint64("seed", 1, "seed of the network's random loss and delay (a run is repeatable)")
			fs.Bool("fec", false, "send a low-rate copy of each packet in the next one, to rebuild single losses")
			fs.String("in", "", "input `DEVICE` (default: the system's)")
			fs.String("out", "", "output `DEVICE` (default: the system's)")
			fs.Duration("duration", 0, "stop after this much audio (0: at Ctrl-C)")
		},
		run: runLoopback,
	})
}

// loopbackRing is the program-side buffering of the loopback's streams: a
// capture ring that fills up is pure latency, so keep both short (the device
// buffers absorb scheduling hiccups; see package device).
const loopbackRing = 60 * time.Millisecond

// loopReport is one line of the loopback's statistics.
type loopReport struct {
	At        time.Duration // audio time at the end of the interval
	Bitrate   int           // payload bits per second sent during it
	Depth     int           // packets waiting in the jitter buffer
	Target    int           // depth the buffer steers to
	Sent      int64         // packets sent during the interval
	NetLost   int64         // of which the network dropped
	Late      int64         // arrived after their slot had played
	Concealed int64         // slots concealed during the interval
	Recovered int64         // slots rebuilt from FEC during the interval
	Stream    time.Duration // encoder delay + jitter buffering, as the stream layer reports it
	Net       time.Duration // mean network delay of the interval's packets
	Devices   time.Duration // device latencies as PortAudio reports them, resamplers included
	Rings     time.Duration // audio waiting in the program's rings
}

// Total is the mouth-to-ear latency.
func (r loopReport) Total() time.Duration { return r.Stream + r.Net + r.Devices + r.Rings }

func (r loopReport) String() string {
	loss := 0.0
	if r.Sent > 0 {
		loss = 100 * float64(r.NetLost) / float64(r.Sent)
	}
	s := fmt.Sprintf("%6.1f s  %4d b/s  buffer %d pkt (target %d)  loss %4.1f%%  late %d  concealed %d",
		r.At.Seconds(), r.Bitrate, r.Depth, r.Target, loss, r.Late, r.Concealed)
	if r.Recovered > 0 {
		s += fmt.Sprintf("  recovered %d", r.Recovered)
	}
	return s + fmt.Sprintf("  latency %s (stream %s + net %s + devices %s + rings %s)",
		ms(r.Total()), ms(r.Stream), ms(r.Net), ms(r.Devices), ms(r.Rings))
}

func runLoopback(e *env, fs *flag.FlagSet, args []string) error {
	if len(args) != 0 {
		return usagef("takes no arguments, only flags")
	}
	cb, mode, err := encodeMode(fs)
	if err != nil {
		return err
	}
	if mode.LowRate() && boolFlag(fs, "fec") {
		return usagef("-bitrate %d: the 40 ms modes have no -fec", intFlag(fs, "bitrate"))
	}
	loss := floatFlag(fs, "loss")
	if !(loss >= 0 && loss <= 100) {
		return usagef("-loss %v: want a percentage from 0 to 100", loss)
	}
	jitter := intFlag(fs, "jitter")
	if jitter < 0 || jitter > 2000 {
		return usagef("-jitter %d: want 0 to 2000 ms", jitter)
	}
	dur := fs.Lookup("duration").Value.(flag.Getter).Get().(time.Duration)
	if dur < 0 {
		return usagef("-duration %v: want a positive duration or 0", dur)
	}
	seed := fs.Lookup("seed").Value.(flag.Getter).Get().(uint64)

	enc, err := stream.NewEncoder(cb, &stream.EncoderConfig{Mode: mode, FEC: boolFlag(fs, "fec")})
	if err != nil {
		return err
	}
	dec, err := stream.NewModeDecoder(cb, mode, nil)
	if err != nil {
		return err
	}
	net := netsim.New(seed, loss/100, int64(jitter)*codec.SampleRate/1000)

	host, err := openHost()
	if err != nil {
		return err
	}
	defer host.Close()
	cfg := device.Config{LowLatency: true, Buffer: loopbackRing}
	src, err := host.OpenSource(stringFlag(fs, "in"), cfg)
	if err != nil {
		return deviceHint(err)
	}
	defer src.Close()
	sink, err := host.OpenSink(stringFlag(fs, "out"), cfg)
	if err != nil {
		return deviceHint(err)
	}
	defer sink.Close()
	defer closeOnCancel(e.ctx, src)()
	defer closeOnCancel(e.ctx, sink)()

	lb := &loopback{enc: enc, dec: dec, net: net, src: src, sink: sink, w: e.stdout,
		limit: int64(dur * codec.SampleRate / time.Second)}
	err = lb.run()
	fmt.Fprintf(e.stderr, "loopback: %s\n", lb.summary())
	if err != nil && !(errors.Is(err, device.ErrClosed) && e.ctx.Err() != nil) {
		return err
	}
	return nil
}

// loopback is the running pipeline. Time is the capture clock: t counts
// 16 kHz samples read from the microphone, and the network simulator runs
// on it.
type loopback struct {
	enc   *stream.Encoder
	dec   *stream.Decoder
	net   *netsim.Link
	src   device.Source
	sink  device.Sink
	w     io.Writer
	limit int64 // samples; 0 = no limit

	t                 int64
	last              loopReport // the previous report's running totals
	lastNet           netsim.Stats
	lastEnc           stream.EncoderStats
	lastDec           stream.Stats
	reports           []loopReport
	maxTotal, sumTotl time.Duration
}

// run moves audio until the source or the sink stops (Ctrl-C closes them).
// It allocates nothing per packet: emit and recv are bound once.
func (lb *loopback) run() error {
	mic := make([]float32, codec.PacketSamples)
	out := make([]float32, codec.PacketSamples)
	emit := func(p stream.Packet) error { lb.net.Send(p, lb.t); return nil }
	recv := func(p stream.Packet) error {
		lb.dec.Push(p) // a bad payload is counted in dec.Stats().Invalid
		return nil
	}
	next := int64(codec.SampleRate)
	for lb.limit == 0 || lb.t < lb.limit {
		if err := lb.src.Read(mic); err != nil {
			return err
		}
		lb.t += int64(len(mic))
		if err := lb.enc.Push(mic, emit); err != nil {
			return err
		}
		lb.net.Deliver(lb.t, recv)
		lb.dec.Pull(out)
		if err := lb.sink.Write(out); err != nil {
			return err
		}
		if lb.t >= next {
			next += codec.SampleRate
			r := lb.report()
			fmt.Fprintln(lb.w, r)
		}
	}
	return nil
}

// report measures the last interval and remembers it.
func (lb *loopback) report() loopReport {
	ns, es, ds := lb.net.Stats(), lb.enc.Stats(), lb.dec.Stats()
	interval := lb.t - int64(lb.last.At*codec.SampleRate/time.Second)
	r := loopReport{
		At:        time.Duration(lb.t) * time.Second / codec.SampleRate,
		Bitrate:   int((es.Bytes - lb.lastEnc.Bytes) * 8 * codec.SampleRate / max(interval, 1)),
		Depth:     ds.Depth,
		Target:    ds.TargetDepth,
		Sent:      ns.Sent - lb.lastNet.Sent,
		NetLost:   ns.Dropped - lb.lastNet.Dropped,
		Late:      ds.Late - lb.lastDec.Late,
		Concealed: ds.Concealed - lb.lastDec.Concealed,
		Recovered: ds.Recovered - lb.lastDec.Recovered,
		Stream:    stream.EndToEnd(lb.enc, lb.dec).Duration(),
		Devices:   lb.src.Latency() + lb.sink.Latency(),
		Rings:     lb.src.Buffered() + lb.sink.Buffered(),
	}
	if d := ns.Delivered - lb.lastNet.Delivered; d > 0 {
		r.Net = time.Duration((ns.DelaySum-lb.lastNet.DelaySum)/d) * time.Second / codec.SampleRate
	}
	lb.last, lb.lastNet, lb.lastEnc, lb.lastDec = r, ns, es, ds
	if r.Total() > lb.maxTotal {
		lb.maxTotal = r.Total()
	}
	lb.sumTotl += r.Total()
	lb.reports = append(lb.reports, r)
	return r
}

// summary describes the whole run.
func (lb *loopback) summary() string {
	ns, es, ds := lb.net.Stats(), lb.enc.Stats(), lb.dec.Stats()
	secs := float64(lb.t) / codec.SampleRate
	s := fmt.Sprintf("%.1f s, %d packets sent (%d b/s), network lost %d, decoder: lost %d, late %d, concealed %d, recovered %d",
		secs, es.Packets, int(float64(es.Bytes*8)/max(secs, 1e-9)), ns.Dropped, ds.Lost, ds.Late, ds.Concealed, ds.Recovered)
	if n := len(lb.reports); n > 0 {
		s += fmt.Sprintf("; latency mean %s, max %s", ms(lb.sumTotl/time.Duration(n)), ms(lb.maxTotal))
	}
	if x := lb.src.Stats().Xruns + lb.sink.Stats().Xruns; x > 0 {
		s += fmt.Sprintf("; %d device overruns/underruns", x)
	}
	return s
}
