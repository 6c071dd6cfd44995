package main

import (
	"flag"
	"fmt"
	"math"

	"github.com/vqspeak/vqspeak/codec"
)

// runTrainEnvModel is "vqspeak train -envmodel": it codes every training
// file at each stage count of the codebook, accumulates the envelope
// model's normal equations, solves them and measures the model on the
// held-out files (every tenth). Rows reach the statistics in file order,
// so the model is the same byte for byte whatever -workers says.
func runTrainEnvModel(e *env, fs *flag.FlagSet, args []string) error {
	t, err := startSideTraining(e, fs, args, "envmodel.vqem", "an envelope model", ".vqem")
	if err != nil {
		return err
	}
	defer t.out.Abort()
	cb := t.cb
	rows := func(x []float32) ([]float32, error) { return codec.EnvelopeModelRows(nil, x, cb) }
	accumulate := func(files []string, label string) (*codec.EnvelopeModelStats, float64, error) {
		st := codec.NewEnvelopeModelStats(cb.NumStages())
		secs, err := t.code(files, label, rows, func(r []float32) error {
			st.Add(r)
			return nil
		})
		return st, secs, err
	}
	st, secs, err := accumulate(t.trainFiles, "coding")
	if err != nil {
		return err
	}
	e.infof("%s, %.1f min of audio, %d rows per stage count (%v)\n",
		plural(int64(len(t.trainFiles)), "file"), secs/60, st.Rows()[0], t.elapsed())
	m, err := st.Solve(codec.EnvelopeModelLambda, codec.EnvelopeModelBlend)
	if err != nil {
		return err
	}
	if err := codec.WriteEnvelopeModel(t.out.W, m, cb); err != nil {
		return err
	}
	if err := t.out.Commit(); err != nil {
		return err
	}
	e.infof("wrote %s (codebook %x) after %v\n", t.outPath, cb.Fingerprint(), t.elapsed())
	held, _, err := accumulate(t.heldOut, "held-out")
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "held-out (every tenth file): %d files; middle-frame envelope error (sum over c1..c24, per frame):\n", len(t.heldOut))
	for s, r := range held.Error(m) {
		fmt.Fprintf(e.stdout, "  %d stages: %6d frames, %.4f without the model, %.4f with (%.2f dB)\n",
			s+1, r.Rows, r.Before, r.After, 10*math.Log10(r.Before/r.After))
	}
	return nil
}
