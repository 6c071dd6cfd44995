package main

import (
	"flag"
	"fmt"
	"math"
	"runtime"
	"strings"
	"time"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/internal/corpus"
)

// runTrainPad is "vqspeak train -pad": it codes every training file at
// each stage count whose packets have spare bits, collects what the
// encoder's search leaves of its target (weighted as the search weighs it),
// trains the pad stages by k-means and measures them on the held-out files
// (every tenth). Rows reach the trainer in file order, so the pad book is
// the same byte for byte for the same -seed whatever -workers says.
func runTrainPad(e *env, fs *flag.FlagSet, args []string) error {
	workers := intFlag(fs, "workers")
	if workers < 0 {
		return usagef("-workers %d: want 0 (all cores) or more", workers)
	}
	if workers == 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	iters := intFlag(fs, "iter")
	if iters < 1 {
		return usagef("-iter %d: want at least 1", iters)
	}
	seed := int64Flag(fs, "seed")
	cb, err := loadCodebook(stringFlag(fs, "codebook"))
	if err != nil {
		return err
	}
	files, err := corpus.Files(args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("no .wav or .flac files in %s", strings.Join(args, " "))
	}
	outPath := "pad.vqpd"
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "o" {
			outPath = f.Value.String()
		}
	})
	out, err := e.createOutput(outPath, files...)
	if err != nil {
		return err
	}
	defer out.Abort()
	e.warnExt(outPath, "a pad book", ".vqpd")
	trainFiles, heldOut := splitHeldOut(files)
	start := time.Now()
	rows := func(x []float32) ([]float32, error) { return codec.PadTrainingRows(nil, x, cb) }
	collect := func(files []string, label string) ([]float32, float64, error) {
		var all []float32
		prog := e.newProgress(label)
		defer prog.end()
		secs, err := corpus.StreamRows(e.ctx, files, workers, rows, prog.update, func(r []float32) error {
			all = append(all, r...)
			return nil
		})
		if e.ctx.Err() != nil {
			return nil, 0, fmt.Errorf("%w while coding the speech: nothing written", errInterrupted)
		}
		return all, secs, err
	}
	data, secs, err := collect(trainFiles, "coding")
	if err != nil {
		return err
	}
	e.infof("%s, %.1f min of audio, %d rows (%v)\n",
		plural(int64(len(trainFiles)), "file"), secs/60, len(data)/codec.PadRowLen, time.Since(start).Round(time.Second))
	book, err := codec.TrainPadBook(data, cb, uint64(seed), iters)
	if err != nil {
		return err
	}
	if err := codec.WritePadBook(out.W, book); err != nil {
		return err
	}
	if err := out.Commit(); err != nil {
		return err
	}
	e.infof("wrote %s (codebook %x) after %v\n", outPath, cb.Fingerprint(), time.Since(start).Round(time.Second))
	held, _, err := collect(heldOut, "held-out")
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "held-out (every tenth file): %d files; weighted envelope error after the search (sum over c1..c24, per packet):\n", len(heldOut))
	for _, r := range codec.PadError(held, book, cb) {
		fmt.Fprintf(e.stdout, "  %d stages + %d pad bits: %6d packets, %.4f without the pad stage, %.4f with (%.2f dB)\n",
			r.Stages, r.Bits, r.Rows, r.Before, r.After, 10*math.Log10(r.Before/r.After))
	}
	return nil
}
