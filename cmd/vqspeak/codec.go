package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/codec/vqs"
	"github.com/vqspeak/vqspeak/internal/audiofile"
	"github.com/vqspeak/vqspeak/internal/corpus"
	"github.com/vqspeak/vqspeak/rvq"
)

func init() {
	register(&command{
		name:    "encode",
		args:    "[-stages N] [-compact] [-codebook FILE] IN.wav OUT.vqs",
		summary: "Encode a WAV or FLAC file (any rate, mono or stereo) into a .vqs file. \"-\" reads stdin or writes stdout.",
		flags: func(fs *flag.FlagSet) {
			fs.Int("stages", codec.DefaultStages, "RVQ stages per packet: 1 to 4 with the default codebook (4 = 3200 b/s, 1 = 2000 b/s)")
			fs.String("codebook", "", "codebook `FILE` (default: the embedded one)")
			// issue 8: compact storage
			fs.Bool("compact", false, "entropy-code the packets in one-second blocks: a smaller file for storage, not for live streaming")
		},
		run: runEncode,
	})
	register(&command{
		name:    "decode",
		args:    "[-codebook FILE] [-strict] IN.vqs OUT.wav",
		summary: "Decode a .vqs file into a 16 kHz 16-bit WAV file. \"-\" reads stdin or writes stdout.\nDamaged parts are concealed and reported; -strict makes damage an error.",
		flags: func(fs *flag.FlagSet) {
			fs.String("codebook", "", "codebook `FILE` (default: the embedded one)")
			fs.Bool("strict", false, "exit with an error if any part of the file is damaged or missing")
		},
		run: runDecode,
	})
}

// loadCodebook reads a codebook file, or returns the embedded default.
func loadCodebook(path string) (*rvq.Codebook, error) {
	if path == "" {
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
	a, x, err := corpus.Read(in)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	if a.Truncated {
		fmt.Fprintf(e.stderr, "%s: warning: the input is truncated (it ends before its header says it does); using the %.2f s present\n",
			path, a.Duration())
	}
	return a, x, nil
}

// writeOutput writes through a temporary file renamed on success, so that a
// failure never leaves a half-written output; "-" writes to stdout.
func writeOutput(e *env, path string, write func(io.Writer) error) error {
	if path == "-" {
		return write(e.stdout)
	}
	return audiofile.WriteFileAtomic(path, write)
}

func runEncode(e *env, fs *flag.FlagSet, args []string) error {
	if len(args) != 2 {
		return usagef("want an input and an output file, got %d arguments", len(args))
	}
	cb, stages, err := codebookAndStages(fs)
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
	var (
		packets     int64
		encoded     int64 // samples given to the encoder
		interrupted bool
	)
	err = writeOutput(e, args[1], func(w io.Writer) error {
		newEncoder := vqs.NewEncoder
		if boolFlag(fs, "compact") { // issue 8: compact storage
			newEncoder = vqs.NewCompactEncoder
		}
		fe, err := newEncoder(w, cb, stages)
		if err != nil {
			return err
		}
		encoded, interrupted, err = src.EncodeInto(e.ctx, fe)
		if err != nil {
			return fmt.Errorf("%s: %w", args[0], err)
		}
		err = fe.Close() // encodes the lookahead still held back: more packets
		packets = fe.Packets()
		return err
	})
	if err != nil {
		return err
	}
	if src.Truncated() {
		fmt.Fprintf(e.stderr, "%s: warning: the input is truncated (it ends before its header says it does); used the %.2f s present\n",
			args[0], src.Duration())
	}
	fmt.Fprintf(e.stderr, "%s: %s, %.2f s → %d packets, %d stages, %d b/s\n",
		args[0], src.Format(), src.Duration(), packets, stages, codec.Bitrate(cb, stages))
	if interrupted {
		return fmt.Errorf("interrupted: %s is a valid file holding the first %.2f s (%d packets)",
			args[1], float64(encoded)/codec.SampleRate, packets)
	}
	return nil
}

func runDecode(e *env, fs *flag.FlagSet, args []string) error {
	if len(args) != 2 {
		return usagef("want an input and an output file, got %d arguments", len(args))
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
	fd, err := vqs.NewDecoder(in, cb)
	if err != nil {
		return fmt.Errorf("%s: %w", args[0], err)
	}
	// Decoded a packet at a time straight into the WAV: memory stays flat
	// however long the file is.
	var samples int64
	err = writeOutput(e, args[1], func(w io.Writer) error {
		ww, err := audiofile.NewWAVWriter(w, codec.SampleRate)
		if err != nil {
			return err
		}
		var pcm []float32
		for {
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
		samples = ww.Samples()
		return ww.Close()
	})
	damage := fd.Damage()
	for _, d := range damage {
		fmt.Fprintf(e.stderr, "%s: warning: %v\n", args[0], d)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "%s: %.2f s, %d packets decoded\n", args[0],
		float64(samples)/codec.SampleRate, fd.Stats().Packets)
	if len(damage) > 0 && boolFlag(fs, "strict") {
		return fmt.Errorf("%s is damaged (%d problems, %d packets lost): %s holds what could be recovered",
			args[0], len(damage), fd.Stats().LostPackets, args[1])
	}
	return nil
}
