package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/codec/vqs"
	"github.com/vqspeak/vqspeak/features/resample"
	"github.com/vqspeak/vqspeak/internal/audiofile"
	"github.com/vqspeak/vqspeak/internal/corpus"
	"github.com/vqspeak/vqspeak/rvq"
	"github.com/vqspeak/vqspeak/stream"
)

func init() {
	register(&command{
		name: "encode",
		args: "[-stages N | -bitrate BPS] [-compact] [-codebook FILE] [-strict] IN.wav OUT.vqs",
		summary: "Encode a WAV or FLAC file (4 to 384 kHz, mono or stereo) into a .vqs file. \"-\" reads stdin or writes stdout.\n" +
			"A damaged FLAC frame is skipped, replaced by silence and reported; -strict makes damage an error.",
		flags: func(fs *flag.FlagSet) {
			fs.Int("stages", codec.DefaultStages, "RVQ stages per packet: 1 to 4 with the default codebook (4 = 3200 b/s, 1 = 2000 b/s)")
			fs.Int("bitrate", 0, "mode by payload `BPS`: 700 or 800, 1200, 1600 (40 ms packets, 50 ms latency) or 2000, 2400, 2800, 3200 (20 ms packets: -stages 1 to 4); not with -stages, the low-rate ones not with -compact")
			fs.String("codebook", "", "codebook `FILE` (default: the embedded one, also named \"default\")")
			// issue 8: compact storage
			fs.Bool("compact", false, "entropy-code the packets in one-second blocks: a smaller file for storage, not for live streaming")
			fs.Bool("strict", false, "exit with an error, writing nothing, if any frame of the input is damaged")
		},
		run:    runEncode,
		writes: true,
	})
	register(&command{
		name:    "decode",
		args:    "[-codebook FILE] [-strict] IN.vqs OUT.wav",
		summary: "Decode a .vqs file into a 16 kHz 16-bit WAV file. \"-\" reads stdin or writes stdout.\nDamaged parts are concealed and reported; -strict makes damage an error.",
		flags: func(fs *flag.FlagSet) {
			fs.String("codebook", "", "codebook `FILE` (default: the embedded one, also named \"default\")")
			fs.Bool("strict", false, "exit with an error, writing nothing, if any part of the file is damaged or missing")
		},
		run:    runDecode,
		writes: true,
	})
}

// loadCodebook reads a codebook file, or returns the embedded default
// (path "" or "default", as in "vqspeak codebook").
func loadCodebook(path string) (*rvq.Codebook, error) {
	if path == "" || path == "default" {
		return codec.DefaultCodebook(), nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cb, err := rvq.ReadCodebook(f)
	if err != nil {
		return nil, fmt.Errorf("codebook %s: %w", path, err)
	}
	if err := codec.CheckCodebook(cb); err != nil {
		return nil, fmt.Errorf("codebook %s: %w", path, err)
	}
	return cb, nil
}

// codebookAndStages loads the codebook the -codebook flag names and checks
// the -stages flag against it.
func codebookAndStages(fs *flag.FlagSet) (*rvq.Codebook, int, error) {
	cb, err := loadCodebook(stringFlag(fs, "codebook"))
	if err != nil {
		return nil, 0, err
	}
	stages := intFlag(fs, "stages")
	if stages < 1 || stages > cb.NumStages() {
		return nil, 0, usagef("-stages %d: the codebook has 1 to %d stages", stages, cb.NumStages())
	}
	return cb, stages, nil
}

// encodeMode loads the codebook and picks the mode from -bitrate or -stages.
func encodeMode(fs *flag.FlagSet) (*rvq.Codebook, codec.Mode, error) {
	bps := intFlag(fs, "bitrate")
	if !flagSet(fs, "bitrate") { // -bitrate 0 is an unknown mode, not the default

		cb, stages, err := codebookAndStages(fs)
		return cb, codec.StagesMode(stages), err
	}
	if flagSet(fs, "stages") {
		return nil, codec.Mode{}, usagef("-bitrate and -stages both choose the mode: give one")
	}
	m, err := codec.ModeForBitrate(bps)
	if err != nil {
		return nil, codec.Mode{}, usagef("-bitrate %d: %v", bps, err)
	}
	if m.LowRate() && fs.Lookup("compact") != nil && boolFlag(fs, "compact") {
		return nil, codec.Mode{}, usagef("-bitrate %d: compact files hold 20 ms packets only (-bitrate 2000 or more)", bps)
	}
	cb, err := loadCodebook(stringFlag(fs, "codebook"))
	if err != nil {
		return nil, codec.Mode{}, err
	}
	if m.Stages > cb.NumStages() {
		return nil, codec.Mode{}, usagef("-bitrate %d needs %d stages, the codebook has %d", bps, m.Stages, cb.NumStages())
	}
	return cb, m, nil
}

// modeLabel describes a mode with codebook cb, e.g. "1600 b/s mode: 40 ms
// packets, 4 stages, 1600 b/s".
func modeLabel(m codec.Mode, cb *rvq.Codebook) string {
	if !m.LowRate() {
		return fmt.Sprintf("%d stages, %d b/s", m.Stages, m.Bitrate(codec.IndexBits(cb)))
	}
	return fmt.Sprintf("%s b/s mode: %d ms packets, %d stages, %d b/s", m.Name(), m.PacketDuration().Milliseconds(), m.Stages, m.Bitrate(codec.IndexBits(cb)))
}

// flagSet reports whether flag name was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// openInput opens a path, "-" meaning stdin.
func openInput(e *env, path string) (io.ReadCloser, error) {
	if path == "-" {
		return io.NopCloser(e.stdin), nil
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		return nil, fmt.Errorf("%s is a directory, not a file", path)
	}
	return os.Open(path)
}

// readSpeech reads a WAV or FLAC input and converts it to 16 kHz mono.
func readSpeech(e *env, path string) (*audiofile.Audio, []float32, error) {
	in, err := openInput(e, path)
	if err != nil {
		return nil, nil, err
	}
	defer in.Close()
	a, err := audiofile.Read(in)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	if a.Truncated {
		fmt.Fprintf(e.stderr, "%s: warning: the input is truncated (it ends before its header says it does); using the %.2f s present\n",
			path, a.Duration())
	}
	x := a.Samples
	if a.Rate != codec.SampleRate {
		x = resample.All(x, a.Rate, codec.SampleRate) // audiofile checked the rate
	}
	return a, x, nil
}

func runEncode(e *env, fs *flag.FlagSet, args []string) error {
	if len(args) != 2 {
		return usagef("want an input and an output file, got %s", plural(int64(len(args)), "argument"))
	}
	cb, mode, err := encodeMode(fs)
	if err != nil {
		return err
	}
	in, err := openInput(e, args[0])
	if err != nil {
		return err
	}
	defer in.Close()
	src, err := corpus.Open(in)
	if err != nil {
		return fmt.Errorf("%s: %w", args[0], err)
	}
	out, err := e.createOutput(args[1], args[0])
	if err != nil {
		return err
	}
	defer out.Abort()
	e.warnExt(args[1], "a .vqs file", ".vqs")
	var fe *vqs.Encoder
	if boolFlag(fs, "compact") { // issue 8: compact storage
		fe, err = vqs.NewCompactEncoder(out.W, cb, mode.Stages)
	} else {
		fe, err = vqs.NewModeEncoder(out.W, cb, mode)
	}
	if err != nil {
		return err
	}
	encoded, interrupted, err := src.EncodeInto(e.ctx, fe)
	if err != nil {
		return fmt.Errorf("%s: %w", args[0], err)
	}
	if err := fe.Close(); err != nil { // encodes the lookahead still held back: more packets
		return err
	}
	damage := src.Damage()
	for _, d := range damage {
		fmt.Fprintf(e.stderr, "%s: warning: %v\n", args[0], d)
	}
	if len(damage) > 0 && boolFlag(fs, "strict") {
		left := "nothing written"
		if args[1] == "-" {
			left = "stdout holds what was encoded"
		}
		return fmt.Errorf("%s is damaged (%s): %s", args[0], plural(int64(len(damage)), "damaged frame"), left)
	}
	if interrupted && out.replaces {
		return out.keepExisting()
	}
	if err := out.Commit(); err != nil {
		return err
	}
	packets := fe.Packets()
	if src.Truncated() {
		fmt.Fprintf(e.stderr, "%s: warning: the input is truncated (it ends before its header says it does); used the %.2f s present\n",
			args[0], src.Duration())
	}
	length := fmt.Sprintf("%.2f s", src.Duration())
	if interrupted {
		length = fmt.Sprintf("%.2f s read before the interrupt", src.Duration())
	}
	e.infof("%s: %s, %s → %s, %s\n",
		args[0], src.Format(), length, plural(packets, "packet"), modeLabel(mode, cb))
	if interrupted {
		return fmt.Errorf("%w: %s is a valid file holding the first %.2f s (%s)",
			errInterrupted, args[1], float64(encoded)/codec.SampleRate, plural(packets, "packet"))
	}
	return nil
}

func runDecode(e *env, fs *flag.FlagSet, args []string) error {
	if len(args) != 2 {
		return usagef("want an input and an output file, got %s", plural(int64(len(args)), "argument"))
	}
	cb, err := loadCodebook(stringFlag(fs, "codebook"))
	if err != nil {
		return err
	}
	in, err := openInput(e, args[0])
	if err != nil {
		return err
	}
	defer in.Close()
	fr, err := vqs.NewPacketReader(in)
	if err != nil {
		return fmt.Errorf("%s: %w", args[0], err)
	}
	fd, err := newSampleDecoder(fr, cb)
	if err != nil {
		return fmt.Errorf("%s: %w", args[0], err)
	}
	out, err := e.createOutput(args[1], args[0])
	if err != nil {
		return err
	}
	defer out.Abort()
	e.warnExt(args[1], "a WAV file", ".wav")
	// Decoded a packet at a time straight into the WAV: memory stays flat
	// however long the file is.
	ww, err := audiofile.NewWAVWriter(out.W, codec.SampleRate)
	if err != nil {
		return err
	}
	var pcm []float32
	interrupted := false
	for {
		if e.ctx.Err() != nil {
			interrupted = true
			break
		}
		pcm, err = fd.ReadSamples(pcm[:0])
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("%s: %w", args[0], err)
		}
		if err := ww.WriteSamples(pcm); err != nil {
			return err
		}
	}
	if err := ww.Close(); err != nil {
		return err
	}
	damage := fd.Damage()
	for _, d := range damage {
		fmt.Fprintf(e.stderr, "%s: warning: %v\n", args[0], d)
	}
	if len(damage) > 0 && boolFlag(fs, "strict") {
		// Nothing is written (the temporary file goes), as for any failure;
		// only stdout cannot take back what it was given.
		left := "nothing written"
		if args[1] == "-" {
			left = "stdout holds what could be recovered"
		}
		return fmt.Errorf("%s is damaged (%s, %s lost): %s",
			args[0], plural(int64(len(damage)), "problem"), plural(fd.Stats().LostPackets, "packet"), left)
	}
	if interrupted && out.replaces {
		return out.keepExisting()
	}
	if err := out.Commit(); err != nil {
		return err
	}
	secs := float64(ww.Samples()) / codec.SampleRate
	e.infof("%s: %.2f s, %s decoded\n", args[0], secs, plural(fd.Stats().Packets, "packet"))
	if interrupted {
		return fmt.Errorf("%w: %s is a valid WAV file holding the first %.2f s", errInterrupted, args[1], secs)
	}
	return nil
}

// sampleDecoder decodes a .vqs stream into 16 kHz samples: vqs.Decoder
// for files, stream.FileDecoder for live streams (record -), whose
// payloads may carry FEC and DTX.
type sampleDecoder interface {
	ReadSamples(dst []float32) ([]float32, error)
	Damage() []error
	Stats() vqs.Stats
}

func newSampleDecoder(fr *vqs.PacketReader, cb *rvq.Codebook) (sampleDecoder, error) {
	if fr.Header().Flags&vqs.FlagLive != 0 {
		return stream.NewFileDecoder(fr, cb)
	}
	return vqs.NewPacketDecoder(fr, cb)
}
