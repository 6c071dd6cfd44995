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

// runTrainEnvModel is "vqspeak train -envmodel": it codes every training
// file at each stage count of the codebook, accumulates the envelope
// model's normal equations, solves them and measures the model on the
// held-out files (every tenth). Rows reach the statistics in file order,
// so the model is the same byte for byte whatever -workers says.
func runTrainEnvModel(e *env, fs *flag.FlagSet, args []string) error {
	if len(args) == 0 {
		return usagef("name at least one directory or file of speech")
	}
	workers := intFlag(fs, "workers")
	if workers < 0 {
		return usagef("-workers %d: want 0 (all cores) or more", workers)
	}
	if workers == 0 {
		workers = runtime.GOMAXPROCS(0)
	}
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
	outPath := "envmodel.vqem"
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
	e.warnExt(outPath, "an envelope model", ".vqem")
	trainFiles, heldOut := splitHeldOut(files)
	start := time.Now()
	rows := func(x []float32) ([]float32, error) { return codec.EnvelopeModelRows(nil, x, cb) }
	accumulate := func(files []string, label string) (*codec.EnvelopeModelStats, float64, error) {
		st := codec.NewEnvelopeModelStats(cb.NumStages())
		prog := e.newProgress(label)
		defer prog.end()
		secs, err := corpus.StreamRows(e.ctx, files, workers, rows, prog.update, func(r []float32) error {
			st.Add(r)
			return nil
		})
		if e.ctx.Err() != nil {
			return nil, 0, fmt.Errorf("%w while coding the speech: nothing written", errInterrupted)
		}
		return st, secs, err
	}
	st, secs, err := accumulate(trainFiles, "coding")
	if err != nil {
		return err
	}
	e.infof("%s, %.1f min of audio, %d rows per stage count (%v)\n",
		plural(int64(len(trainFiles)), "file"), secs/60, st.Rows()[0], time.Since(start).Round(time.Second))
	m, err := st.Solve(codec.EnvelopeModelLambda, codec.EnvelopeModelBlend)
	if err != nil {
		return err
	}
	if err := codec.WriteEnvelopeModel(out.W, m, cb); err != nil {
		return err
	}
	if err := out.Commit(); err != nil {
		return err
	}
	e.infof("wrote %s (codebook %x) after %v\n", outPath, cb.Fingerprint(), time.Since(start).Round(time.Second))
	held, _, err := accumulate(heldOut, "held-out")
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "held-out (every tenth file): %d files; middle-frame envelope error (sum over c1..c24, per frame):\n", len(heldOut))
	for s, r := range held.Error(m) {
		fmt.Fprintf(e.stdout, "  %d stages: %6d frames, %.4f without the model, %.4f with (%.2f dB)\n",
			s+1, r.Rows, r.Before, r.After, 10*math.Log10(r.Before/r.After))
	}
	return nil
}
