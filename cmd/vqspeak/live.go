package main

// Live audio: record, play, loopback and devices. They need the PortAudio
// backend (build with -tags portaudio); without it they exist, explain how to
// rebuild and exit 1.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/codec/vqs"
	"github.com/vqspeak/vqspeak/internal/device"
	"github.com/vqspeak/vqspeak/internal/device/pa"
	"github.com/vqspeak/vqspeak/stream"
)

func init() {
	register(&command{
		name:    "record",
		args:    "[-stages N | -bitrate BPS] [-in DEVICE] [-duration D] [-fec] [-dtx] [OUT.vqs | -]",
		summary: "Record from the microphone into a .vqs file until Ctrl-C (or -duration).\nThe file is flushed every second, so it stays valid whatever stops the recording.\nWith \"-\", or no OUT when stdout is not a terminal, a live stream goes to stdout,\neach packet the moment it is coded: vqspeak record | vqspeak play -",
		flags: func(fs *flag.FlagSet) {
			fs.Int("stages", codec.DefaultStages, "RVQ stages per packet: 1 to 4 with the default codebook (4 = 3200 b/s)")
			fs.Int("bitrate", 0, "mode by payload `BPS`: 700 or 800, 1200, 1600 (40 ms packets, 50 ms latency; no -fec or -dtx) or 2000 to 3200 (as -stages 1 to 4); not with -stages")
			fs.Bool("fec", false, "live stream: send a low-rate copy of each packet in the next one, to rebuild single losses")
			fs.Bool("dtx", false, "live stream: send only a comfort-noise update every 320 ms during silence")
			fs.String("codebook", "", "codebook `FILE` (default: the embedded one, also named \"default\")")
			fs.String("in", "", "input `DEVICE`: name, part of a name or index from \"vqspeak devices\" (default: the system's)")
			fs.Duration("duration", 0, "stop after this much audio (0: at Ctrl-C)")
		},
		run:    runRecord,
		writes: true,
	})
	register(&command{
		name:    "play",
		args:    "[-out DEVICE] IN.vqs",
		summary: "Play a .vqs file on the speakers. \"-\" reads stdin.\nA live stream (vqspeak record -) goes through a jitter buffer paced by the device,\nwhich conceals a stalled pipe; it may be joined mid-way.",
		flags: func(fs *flag.FlagSet) {
			fs.String("codebook", "", "codebook `FILE` (default: the embedded one, also named \"default\")")
			fs.String("out", "", "output `DEVICE`: name, part of a name or index from \"vqspeak devices\" (default: the system's)")
		},
		run: runPlay,
	})
	register(&command{
		name:    "devices",
		args:    "",
		summary: "List the audio input and output devices with their default sample rates.",
		run:     runDevices,
	})
}

// openHost opens the audio system; tests may replace it.
var openHost = func() (device.Host, error) {
	h, err := pa.Open()
	if err != nil {
		return nil, err // not a typed nil inside the interface
	}
	return h, nil
}

// closeOnCancel closes c when ctx is cancelled (Ctrl-C), which wakes a Read,
// Write or Drain waiting on the device. The returned func disarms it.
func closeOnCancel(ctx context.Context, c io.Closer) func() bool {
	return context.AfterFunc(ctx, func() { c.Close() })
}

func runRecord(e *env, fs *flag.FlagSet, args []string) error {
	live := len(args) == 1 && args[0] == "-" || len(args) == 0 && !isTerminal(e.stdout)
	switch {
	case len(args) > 1:
		return usagef("want one output file, got %d arguments", len(args))
	case len(args) == 0 && !live:
		return usagef("want an output file, or \"-\" for a live stream on stdout (a pipe)")
	case live && isTerminal(e.stdout):
		return usagef("refusing to write a binary stream to a terminal: pipe it (vqspeak record | vqspeak play -) or name a file")
	case !live && (boolFlag(fs, "fec") || boolFlag(fs, "dtx")):
		return usagef("-fec and -dtx are for a live stream (record -)")
	}
	cb, mode, err := encodeMode(fs)
	if err != nil {
		return err
	}
	if mode.LowRate() && (boolFlag(fs, "fec") || boolFlag(fs, "dtx")) {
		return usagef("-bitrate %d: the 40 ms modes have no -fec or -dtx", intFlag(fs, "bitrate"))
	}
	dur := fs.Lookup("duration").Value.(flag.Getter).Get().(time.Duration)
	if dur < 0 {
		return usagef("-duration %v: want a positive duration or 0", dur)
	}
	limit := int64(dur * codec.SampleRate / time.Second)

	host, err := openHost()
	if err != nil {
		return err
	}
	defer host.Close()
	cfg := device.Config{}
	if live {
		cfg = device.Config{LowLatency: true, Buffer: pipeRing} // a live stream wants its audio now
	}
	src, err := host.OpenSource(stringFlag(fs, "in"), cfg)
	if err != nil {
		return deviceHint(err)
	}
	defer src.Close()
	defer closeOnCancel(e.ctx, src)()
	if live {
		cfg := stream.EncoderConfig{Mode: mode, FEC: boolFlag(fs, "fec"), DTX: boolFlag(fs, "dtx")}
		return recordPipe(e, src, e.stdout, cb, cfg, limit)
	}

	// Written in place, not through a temporary file: what was flushed
	// survives a crash or a kill.
	out := args[0]
	if _, err := os.Stat(out); err == nil && !e.force {
		return fmt.Errorf("output %s exists: add -f to overwrite it", out)
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	defer f.Close()
	fe, err := vqs.NewModeEncoder(f, cb, mode)
	if err != nil {
		return err
	}
	if isTerminal(e.stderr) {
		fmt.Fprintf(e.stderr, "recording %s at %.0f Hz into %s; Ctrl-C stops\n", deviceLabel(stringFlag(fs, "in")), src.DeviceRate(), out)
	}
	buf := make([]float32, mode.PacketSamples())
	var n, flushed int64
	var readErr error
	for limit == 0 || n < limit {
		chunk := buf
		if limit > 0 {
			chunk = buf[:min(int64(len(buf)), limit-n)]
		}
		if readErr = src.Read(chunk); readErr != nil {
			break
		}
		if err := fe.WriteSamples(chunk); err != nil {
			return fmt.Errorf("%s: %w", out, err)
		}
		n += int64(len(chunk))
		if n-flushed >= codec.SampleRate {
			if err := fe.Flush(); err != nil {
				return fmt.Errorf("%s: %w", out, err)
			}
			flushed = n
			if isTerminal(e.stderr) {
				fmt.Fprintf(e.stderr, "\r%s: %.0f s", out, float64(n)/codec.SampleRate)
			}
		}
	}
	if err := fe.Close(); err != nil {
		return fmt.Errorf("%s: %w", out, err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	if isTerminal(e.stderr) {
		fmt.Fprintln(e.stderr)
	}
	st := src.Stats()
	fmt.Fprintf(e.stderr, "%s: %.2f s recorded at %.0f Hz → %d packets, %s",
		out, float64(n)/codec.SampleRate, src.DeviceRate(), fe.Packets(), modeLabel(mode, cb))
	if st.Xruns > 0 {
		fmt.Fprintf(e.stderr, ", %d input overruns (audio lost)", st.Xruns)
	}
	fmt.Fprintln(e.stderr)
	if readErr != nil && !(errors.Is(readErr, device.ErrClosed) && e.ctx.Err() != nil) {
		return fmt.Errorf("recording stopped: %w (%s holds what came before)", readErr, out)
	}
	return nil
}

func runPlay(e *env, fs *flag.FlagSet, args []string) error {
	if len(args) != 1 {
		return usagef("want one input file, got %d arguments", len(args))
	}
	cb, err := loadCodebook(stringFlag(fs, "codebook"))
	if err != nil {
		return err
	}
	host, err := openHost()
	if err != nil {
		return err
	}
	defer host.Close()
	in, err := openInput(e, args[0])
	if err != nil {
		return err
	}
	defer in.Close()
	// A live stream arrives through a pipe and may be joined mid-way.
	newReader := vqs.NewPacketReader
	if isStream(e, args[0]) {
		newReader = vqs.JoinPacketReader
	}
	fr, err := newReader(in)
	if err != nil {
		return fmt.Errorf("%s: %w", args[0], err)
	}
	if fr.Header().Flags&vqs.FlagLive != 0 && isStream(e, args[0]) {
		return playLive(e, args[0], fr, cb, host, stringFlag(fs, "out"))
	}
	fd, err := newSampleDecoder(fr, cb)
	if err != nil {
		return fmt.Errorf("%s: %w", args[0], err)
	}
	sink, err := host.OpenSink(stringFlag(fs, "out"), device.Config{})
	if err != nil {
		return deviceHint(err)
	}
	defer sink.Close()
	defer closeOnCancel(e.ctx, sink)()

	pcm := make([]float32, 0, 8*codec.PacketSamples)
	var played int64
	for {
		var rerr error
		pcm, rerr = fd.ReadSamples(pcm[:0])
		if err := sink.Write(pcm); err != nil {
			return playErr(e, err)
		}
		played += int64(len(pcm))
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return fmt.Errorf("%s: %w", args[0], rerr)
		}
	}
	if err := sink.Drain(); err != nil {
		return playErr(e, err)
	}
	for _, d := range fd.Damage() {
		fmt.Fprintf(e.stderr, "%s: warning: %v\n", args[0], d)
	}
	st := sink.Stats()
	fmt.Fprintf(e.stderr, "%s: %.2f s played at %.0f Hz", args[0], float64(played)/codec.SampleRate, sink.DeviceRate())
	if st.Xruns > 0 {
		fmt.Fprintf(e.stderr, ", %d output underruns (gaps)", st.Xruns)
	}
	fmt.Fprintln(e.stderr)
	return nil
}

// playErr turns the ErrClosed of a Ctrl-C into a clean stop.
func playErr(e *env, err error) error {
	if errors.Is(err, device.ErrClosed) && e.ctx.Err() != nil {
		return nil
	}
	return err
}

func deviceLabel(name string) string {
	if name == "" {
		return "the default device"
	}
	return fmt.Sprintf("%q", name)
}

func runDevices(e *env, fs *flag.FlagSet, args []string) error {
	if len(args) != 0 {
		return usagef("takes no arguments")
	}
	host, err := openHost()
	if err != nil {
		return err
	}
	defer host.Close()
	devs, err := host.Devices()
	if err != nil {
		return err
	}
	if len(devs) == 0 {
		return errors.New("no audio devices found (ALSA, JACK or PulseAudio through PortAudio); without a sound card, docs/asoundrc.example in the repository shows how to try the live path with ALSA's file plugin")
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "INDEX\tNAME\tIN\tOUT\tRATE\tLATENCY (LOW–HIGH)\tAPI")
	for _, d := range devs {
		in, out := channels(d.MaxInputChannels, d.DefaultInput), channels(d.MaxOutputChannels, d.DefaultOutput)
		lat := "–"
		switch {
		case d.MaxInputChannels > 0:
			lat = fmt.Sprintf("%s–%s", ms(d.LowInputLatency), ms(d.HighInputLatency))
		case d.MaxOutputChannels > 0:
			lat = fmt.Sprintf("%s–%s", ms(d.LowOutputLatency), ms(d.HighOutputLatency))
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%.0f Hz\t%s\t%s\n", d.Index, d.Name, in, out, d.DefaultSampleRate, lat, d.HostAPI)
	}
	fmt.Fprintln(tw, "\n* = default device. Select one with -in or -out and its name, part of it, or its index.")
	return tw.Flush()
}

func channels(n int, isDefault bool) string {
	if n == 0 {
		return "–"
	}
	if isDefault {
		return fmt.Sprintf("%d*", n)
	}
	return fmt.Sprint(n)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.0f ms", d.Seconds()*1000) }

// deviceHint adds to a missing device what to do about it.
func deviceHint(err error) error {
	if !errors.Is(err, device.ErrNoDevice) {
		return err
	}
	return fmt.Errorf("%w\nList the devices with \"vqspeak devices\" and choose one with -in or -out. "+
		"Without a sound card, docs/asoundrc.example in the repository shows how to try the live path "+
		"with ALSA's file plugin; VQSPEAK_AUDIO_DEBUG=1 shows the audio system's own messages", err)
}
