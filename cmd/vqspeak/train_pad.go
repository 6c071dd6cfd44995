package main

import (
	"flag"
	"fmt"
	"math"

	"github.com/vqspeak/vqspeak/codec"
)

// runTrainPad is "vqspeak train -pad": it codes every training file at
// each stage count whose packets have spare bits, collects what the
// encoder's search leaves of its target (weighted as the search weighs it),
// trains the pad stages by k-means and measures them on the held-out files
// (every tenth). Rows reach the trainer in file order, so the pad book is
// the same byte for byte for the same -seed whatever -workers says.
func runTrainPad(e *env, fs *flag.FlagSet, args []string) error {
	iters := intFlag(fs, "iter")
	if iters < 1 {
		return usagef("-iter %d: want at least 1", iters)
	}
	seed := int64Flag(fs, "seed")
	t, err := startSideTraining(e, fs, args, "pad.vqpd", "a pad book", ".vqpd")
	if err != nil {
		return err
	}
	defer t.out.Abort()
	cb := t.cb
	rows := func(x []float32) ([]float32, error) { return codec.PadTrainingRows(nil, x, cb) }
	collect := func(files []string, label string) ([]float32, float64, error) {
		var all []float32
		secs, err := t.code(files, label, rows, func(r []float32) error {
			all = append(all, r...)
			return nil
		})
		return all, secs, err
	}
	data, secs, err := collect(t.trainFiles, "coding")
	if err != nil {
		return err
	}
	e.infof("%s, %.1f min of audio, %d rows (%v)\n",
		plural(int64(len(t.trainFiles)), "file"), secs/60, len(data)/codec.PadRowLen, t.elapsed())
	book, err := codec.TrainPadBook(data, cb, uint64(seed), iters)
	if err != nil {
		return err
	}
	if err := codec.WritePadBook(t.out.W, book); err != nil {
		return err
	}
	if err := t.out.Commit(); err != nil {
		return err
	}
	e.infof("wrote %s (codebook %x) after %v\n", t.outPath, cb.Fingerprint(), t.elapsed())
	held, _, err := collect(t.heldOut, "held-out")
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "held-out (every tenth file): %d files; weighted envelope error after the search (sum over c1..c24, per packet):\n", len(t.heldOut))
	for _, r := range codec.PadError(held, book, cb) {
		fmt.Fprintf(e.stdout, "  %d stages + %d pad bits: %6d packets, %.4f without the pad stage, %.4f with (%.2f dB)\n",
			r.Stages, r.Bits, r.Rows, r.Before, r.After, 10*math.Log10(r.Before/r.After))
	}
	return nil
}
