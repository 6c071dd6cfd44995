package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/netip"
	"syscall"
	"time"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/internal/audiofile"
	"github.com/vqspeak/vqspeak/stream"
	"github.com/vqspeak/vqspeak/stream/vqrtp"
)

// "vqspeak send" and "vqspeak receive": a one-way call over UDP/RTP, the
// library's VoIP path end to end (stream encoder → vqrtp → UDP → vqrtp →
// jitter buffer and concealment → WAV).

func init() {
	register(&command{
		name: "send",
		args: "[-to HOST:PORT] [-stages N | -bitrate BPS] [-ptime MS] [-fec] [-dtx] [-pt N] [-codebook FILE] IN.wav",
		summary: "Stream a WAV or FLAC file over UDP as RTP (VQSPEAK/16000), paced in real time.\n" +
			"The SDP lines that describe the stream are printed first.",
		flags: func(fs *flag.FlagSet) {
			fs.String("to", "127.0.0.1:5004", "destination `HOST:PORT`")
			fs.Int("stages", codec.DefaultStages, "RVQ stages per packet: 1 to 4 with the default codebook (4 = 3200 b/s)")
			fs.Int("bitrate", 0, "mode by payload `BPS`: 700 or 800, 1200, 1600 (40 ms frames, fmtp mode=; no -fec or -dtx) or 2000 to 3200 (as -stages 1 to 4); not with -stages")
			fs.Int("ptime", 20, "audio per RTP packet in `ms`: a multiple of 20 up to 240 (of 40, default 40, with -bitrate below 2000)")
			fs.Bool("fec", false, "add a low-rate copy of the previous packet to each one (+1600 b/s), to rebuild single losses")
			fs.Bool("dtx", false, "stop sending in silence; send a comfort-noise update every 320 ms instead")
			fs.Int("pt", 96, "RTP payload type (dynamic: 96 to 127)")
			fs.String("codebook", "", "codebook `FILE` (default: the embedded one, also named \"default\")")
		},
		run: runSend,
	})
	register(&command{
		name: "receive",
		args: "[-listen HOST:PORT] [-from HOST:PORT] [-pt N] [-bitrate BPS] [-o OUT.wav] [-duration D] [-idle D] [-depth N] [-codebook FILE]",
		summary: "Receive a VQSPEAK RTP stream over UDP, play it out through the adaptive jitter buffer\n" +
			"with loss concealment, and write the audio to a WAV file. Statistics go to stderr once a second.\n" +
			"Only one sender is heard: the -from address, or else the first that sends packets of payload\n" +
			"type -pt (named on stderr); packets from any other address are ignored.",
		flags: func(fs *flag.FlagSet) {
			fs.String("listen", "127.0.0.1:5004", "UDP `HOST:PORT` to listen on (port 0 picks a free one)")
			fs.String("from", "", "accept packets only from this `HOST:PORT` (default: the first sender heard)")
			fs.Int("pt", 96, "RTP payload type of the stream (as the sender's -pt and SDP)")
			fs.Int("bitrate", 0, "the sender's low-rate mode (fmtp mode=): 700 or 800, 1200, 1600 (40 ms frames); 0 or 2000 to 3200: the 20 ms modes")
			fs.String("o", "", "write the received audio to this WAV `FILE` (\"-\" = stdout; default: statistics only)")
			fs.Duration("duration", 0, "stop after this long (0: until the sender goes idle or Ctrl-C)")
			fs.Duration("idle", 2*time.Second, "stop when no packet has come for this long after the first (0: never)")
			fs.Int("depth", 0, "keep at least `N` packets (N × 20 ms, or 40 ms with -bitrate below 2000) in the jitter buffer, for links (or machines) with bursty delay;\n0 adapts from none to 4")
			fs.String("codebook", "", "codebook `FILE` (default: the embedded one, also named \"default\")")
		},
		run:    runReceive,
		writes: true,
	})
}

func callDuration(fs *flag.FlagSet, name string) time.Duration {
	return fs.Lookup(name).Value.(flag.Getter).Get().(time.Duration)
}

func runSend(e *env, fs *flag.FlagSet, args []string) error {
	if len(args) != 1 {
		return usagef("want one input file, got %d arguments", len(args))
	}
	cb, mode, err := encodeMode(fs)
	if err != nil {
		return err
	}
	stages, frameMs, fmtpMode := mode.Stages, 20, 0
	ptime := intFlag(fs, "ptime")
	if mode.LowRate() {
		frameMs, fmtpMode = int(mode.PacketDuration().Milliseconds()), mode.Bitrate(codec.DefaultIndexBits)
		if !flagSet(fs, "ptime") {
			ptime = frameMs
		}
		if boolFlag(fs, "fec") || boolFlag(fs, "dtx") {
			return usagef("-bitrate %d: the 40 ms modes have no -fec or -dtx", intFlag(fs, "bitrate"))
		}
	} else {
		mode = codec.Mode{} // the stages say it
	}
	if ptime < frameMs || ptime > 20*vqrtp.MaxFrames || ptime%frameMs != 0 {
		return usagef("-ptime %d: want a multiple of %d from %d to %d", ptime, frameMs, frameMs, 20*vqrtp.MaxFrames)
	}
	pt := intFlag(fs, "pt")
	if pt < 0 || pt > 127 {
		return usagef("-pt %d: an RTP payload type is 0 to 127", pt)
	}
	to := stringFlag(fs, "to")
	_, x, err := readSpeech(e, args[0])
	if err != nil {
		return err
	}
	conn, err := net.Dial("udp", to)
	if err != nil {
		return err
	}
	defer conn.Close()

	cfg := stream.EncoderConfig{
		Stages:    stages,
		FEC:       boolFlag(fs, "fec"),
		DTX:       boolFlag(fs, "dtx"),
		Timestamp: rand.Uint32(), // RFC 3550: random start
		Mode:      mode,
	}
	enc, err := stream.NewEncoder(cb, &cfg)
	if err != nil {
		return err
	}
	pz, err := vqrtp.NewModePacketizer(uint8(pt), rand.Uint32(), mode, ptime/frameMs)
	if err != nil {
		return err
	}
	pz.Timestamp = cfg.Timestamp
	params := vqrtp.Params{Stages: stages, Codebook: cb.Fingerprint(), PadBook: vqrtp.PadBookTag(cb), PTime: time.Duration(ptime) * time.Millisecond,
		FEC: cfg.FEC, DTX: cfg.DTX, Mode: fmtpMode}
	e.infof("sending %s (%.2f s) to %s as\n  m=audio %s RTP/AVP %d\n  %s\n  a=fmtp:%d %s\n",
		args[0], float64(len(x))/codec.SampleRate, to, portOf(to), pt, vqrtp.Rtpmap(uint8(pt)), pt, params.Fmtp())

	var packets, bytes, refused int64
	wire := make([]byte, 0, pz.MaxPacketSize())
	write := func(b []byte) error {
		if len(b) == 0 {
			return nil
		}
		_, err := conn.Write(b)
		if errors.Is(err, syscall.ECONNREFUSED) {
			refused++ // nobody listening yet: UDP goes on regardless
			err = nil
		}
		packets++
		bytes += int64(len(b))
		return err
	}
	emit := func(p stream.Packet) error {
		var err error
		if wire, err = pz.AppendFrameAt(wire[:0], p.Timestamp, p.Payload); err != nil {
			return err
		}
		return write(wire)
	}

	// Pace the input at real time: packet k's samples are pushed k·20 ms
	// after the start, so packets leave as a live encoder would send them.
	start := time.Now()
	tick := time.NewTicker(codec.PacketDuration / 2)
	defer tick.Stop()
	pushed := 0
	interrupted := false
	for pushed < len(x) && !interrupted {
		due := min(len(x), int(time.Since(start)/codec.PacketDuration+1)*codec.PacketSamples)
		if due > pushed {
			if err := enc.Push(x[pushed:due], emit); err != nil {
				return err
			}
			pushed = due
			continue
		}
		select {
		case <-e.ctx.Done():
			interrupted = true
		case <-tick.C:
		}
	}
	if err := enc.Flush(emit); err != nil {
		return err
	}
	if err := write(pz.Flush(wire[:0])); err != nil {
		return err
	}
	elapsed := time.Since(start)
	st := enc.Stats()
	e.infof("sent %d RTP packets (%d frames, %d comfort noise) in %.2f s: %d bytes, %.0f b/s with RTP headers\n",
		packets, st.Packets, st.ComfortNoise, elapsed.Seconds(), bytes, float64(8*bytes)/max(elapsed.Seconds(), 0.02))
	if refused > 0 {
		fmt.Fprintf(e.stderr, "warning: %d packets were refused: is a receiver listening on %s?\n", refused, to)
	}
	if interrupted {
		return fmt.Errorf("%w after %.2f s of %.2f s", errInterrupted, float64(pushed)/codec.SampleRate, float64(len(x))/codec.SampleRate)
	}
	return nil
}

// portOf is the port of a HOST:PORT address, for the SDP m= line.
func portOf(addr string) string {
	if _, port, err := net.SplitHostPort(addr); err == nil {
		return port
	}
	return "0"
}

// callReceiver is the state of one "vqspeak receive".
type callReceiver struct {
	*vqrtp.Receiver
	dec       *stream.Decoder
	lead      int64 // samples of prebuffer silence not to write
	pt        int   // the payload type accepted
	fixedPeer bool  // -from was given
}

// listen reads datagrams until pc is closed and hands them to the receiver.
func (r *callReceiver) listen(pc *net.UDPConn) {
	buf := make([]byte, 2048)
	for {
		n, from, err := pc.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		r.Receive(buf[:n], from, time.Now().UnixNano())
	}
}

func runReceive(e *env, fs *flag.FlagSet, args []string) error {
	if len(args) != 0 {
		return usagef("receive takes no arguments, got %d", len(args))
	}
	cb, err := loadCodebook(stringFlag(fs, "codebook"))
	if err != nil {
		return err
	}
	duration, idle := callDuration(fs, "duration"), callDuration(fs, "idle")
	if duration < 0 || idle < 0 {
		return usagef("-duration and -idle cannot be negative")
	}
	pt := intFlag(fs, "pt")
	if pt < 0 || pt > 127 {
		return usagef("-pt %d: an RTP payload type is 0 to 127", pt)
	}
	rcfg := vqrtp.ReceiverConfig{PayloadType: uint8(pt)}
	if from := stringFlag(fs, "from"); from != "" {
		a, err := net.ResolveUDPAddr("udp", from)
		if err != nil {
			return usagef("-from %s: %v", from, err)
		}
		if a.Port == 0 {
			return usagef("-from %s: want HOST:PORT, the sender's address and port", from)
		}
		rcfg.Peer = netip.AddrPortFrom(a.AddrPort().Addr().Unmap(), a.AddrPort().Port())
	}
	var mode codec.Mode // the 20 ms modes
	if bps := intFlag(fs, "bitrate"); bps != 0 {
		m, err := codec.ModeForBitrate(bps)
		if err != nil {
			return usagef("-bitrate %d: %v", bps, err)
		}
		if m.LowRate() {
			mode = m
		}
	}
	cfg := stream.DefaultDecoderConfig
	if n := intFlag(fs, "depth"); n != 0 {
		if n < 0 || n > stream.MaxDepth {
			return usagef("-depth %d: want 0 to %d packets", n, stream.MaxDepth)
		}
		cfg = stream.DecoderConfig{MinDepth: n, StartDepth: n, MaxDepth: min(stream.MaxDepth, n+4)}
	}
	dec, err := stream.NewModeDecoder(cb, mode, &cfg)
	if err != nil {
		return err
	}
	// Ctrl-C ends a call normally: the WAV holds what was received.
	outPath := stringFlag(fs, "o")
	var out *output
	if outPath != "" {
		if out, err = e.createOutput(outPath); err != nil {
			return err
		}
		defer out.Abort()
		e.warnExt(outPath, "a WAV file", ".wav")
	}
	laddr, err := net.ResolveUDPAddr("udp", stringFlag(fs, "listen"))
	if err != nil {
		return err
	}
	pc, err := net.ListenUDP("udp", laddr)
	if err != nil {
		return err
	}
	defer pc.Close()
	if rcfg.Peer.IsValid() {
		e.infof("listening on %s for %s\n", pc.LocalAddr(), rcfg.Peer)
	} else {
		e.infof("listening on %s\n", pc.LocalAddr())
	}
	// The first StartDepth slots played are the prebuffer, silence before
	// the first packet: they are not written.
	r := &callReceiver{Receiver: vqrtp.NewReceiver(dec, rcfg), dec: dec, pt: pt, fixedPeer: rcfg.Peer.IsValid(), lead: int64(cfg.StartDepth) * int64(dec.PacketSamples())}
	go r.listen(pc)

	if outPath == "" {
		_, err := r.play(e, nil, duration, idle)
		return err
	}
	ww, err := audiofile.NewWAVWriter(out.W, codec.SampleRate)
	if err != nil {
		return err
	}
	samples, err := r.play(e, ww, duration, idle)
	if err != nil {
		return err
	}
	if err := ww.Close(); err != nil {
		return err
	}
	if err := out.Commit(); err != nil {
		return err
	}
	e.infof("wrote %.2f s to %s\n", float64(samples)/codec.SampleRate, outName(outPath))
	return nil
}

// play pulls the jitter buffer at real time from the first packet on and
// writes the audio to ww (if not nil) until a stop condition, then trims
// what was played after the last packet ran out. It returns the samples
// written.
func (r *callReceiver) play(e *env, ww *audiofile.WAVWriter, duration, idle time.Duration) (int64, error) {
	statsTo := e.stderr
	if e.quiet {
		statsTo = io.Discard
	}
	begin := time.Now()
	// Pull little and often, as a sound card does: the jitter buffer
	// measures arrival times against this clock.
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	pcm := make([]float32, codec.SampleRate/10)
	// tail holds the newest samples unwritten, so that the concealment
	// played after the sender stopped can be cut off at the end.
	keep := int(max(idle, 2*time.Second)+time.Second) * codec.SampleRate / int(time.Second)
	tail := make([]float32, 0, 2*keep)
	var written, pulled int64 // samples written to ww (tail included), pulled
	endMark := int64(-1)      // written when the buffer ran dry after the last arrival
	var markStats stream.Stats
	var seen int64
	var playStart time.Time
	nextReport := begin.Add(time.Second)
	for stop := false; !stop; {
		select {
		case <-e.ctx.Done():
			stop = true
		case <-tick.C:
		}
		now := time.Now()
		if duration > 0 && now.Sub(begin) >= duration {
			stop = true
		}
		if playStart.IsZero() {
			if r.Arrivals() == 0 {
				continue
			}
			playStart = now
			if p, _ := r.Peer(); !r.fixedPeer {
				e.infof("receiving from %s; packets from other addresses are ignored (-from names the sender)\n", p)
			}
		}
		due := int64(now.Sub(playStart)) * codec.SampleRate / int64(time.Second)
		for pulled < due {
			if a := r.Arrivals(); a != seen {
				seen, endMark = a, -1
			}
			chunk := pcm[:min(due-pulled, int64(len(pcm)))]
			r.dec.Pull(chunk)
			from := pulled
			pulled += int64(len(chunk))
			if from < r.lead {
				chunk = chunk[min(r.lead-from, int64(len(chunk))):]
			}
			written += int64(len(chunk))
			if ww != nil {
				tail = append(tail, chunk...)
				if len(tail) >= 2*keep {
					if err := ww.WriteSamples(tail[:keep]); err != nil {
						return written, err
					}
					tail = tail[:copy(tail, tail[keep:])]
				}
			}
			if endMark < 0 {
				if markStats = r.dec.Stats(); markStats.Depth == 0 {
					// The last slot is playing: it ends at the next slot
					// boundary (every slot is PacketSamples long).
					ps := int64(r.dec.PacketSamples())
					rest := (ps - pulled%ps) % ps
					endMark = written + rest
				}
			}
		}
		if idle > 0 && now.Sub(time.Unix(0, r.LastArrival())) >= idle {
			stop = true
		}
		if now.After(nextReport) && !stop {
			nextReport = nextReport.Add(time.Second)
			r.report(statsTo, now.Sub(playStart), r.dec.Stats(), false)
		}
	}
	// What played after the sender stopped (concealment fading out) is cut:
	// the final statistics are those of the moment the buffer ran dry.
	final := r.dec.Stats()
	if endMark >= 0 && r.Arrivals() == seen {
		cut := max(0, min(int64(len(tail)), written-endMark))
		tail = tail[:int64(len(tail))-cut]
		written -= cut
		final = markStats
	}
	r.report(statsTo, 0, final, true)
	if ww == nil {
		return 0, nil
	}
	return written, ww.WriteSamples(tail)
}

// report prints one line of statistics.
func (r *callReceiver) report(w io.Writer, t time.Duration, st stream.Stats, final bool) {
	label := fmt.Sprintf("%6.1f s", t.Seconds())
	if final {
		label = "total"
	}
	fmt.Fprintf(w, "%s: received %d, lost %d, late %d, concealed %d, recovered %d, comfort noise %d, invalid %d, "+
		"stretched %d, skipped %d, jitter %.1f ms, buffer %d (target %d)\n",
		label, st.Received, max(st.Lost, 0), st.Late, st.Concealed, st.Recovered, st.ComfortNoise,
		st.Invalid+r.BadRTP(), st.Stretched, st.Skipped, float64(st.Jitter)*1000/codec.SampleRate, st.Depth, st.TargetDepth)
	if !final {
		return
	}
	if n := r.Foreign(); n > 0 {
		p, _ := r.Peer()
		fmt.Fprintf(w, "ignored %d packets from senders other than %s\n", n, p)
	}
	if n := r.OtherPayloadType(); n > 0 {
		fmt.Fprintf(w, "ignored %d packets of another payload type than %d (-pt)\n", n, r.pt)
	}
}
