package rvq

import (
	"context"
	"errors"
	"io"
	"testing"
)

// TestTrainCancel cancels training during stage 2 (Ctrl-C in "vqspeak
// train"): both trainers return at once with the finished first stage as
// a valid one-stage codebook and an error wrapping context.Canceled.
func TestTrainCancel(t *testing.T) {
	const dim = 8
	data := mixture(5, 6000, dim, 32, 0.1)
	for _, mini := range []bool{false, true} {
		ctx, cancel := context.WithCancel(context.Background())
		opt := TrainOptions{Stages: 3, Size: 64, Seed: 1, Context: ctx, BatchSize: 512}
		var after int // progress calls after the cancellation
		opt.Progress = func(stage, iter int, _ float64) {
			if ctx.Err() != nil {
				after++
			}
			if stage == 1 && iter == 1 {
				cancel()
			}
		}
		var (
			cb  *Codebook
			err error
		)
		if mini {
			cb, _, err = TrainMiniBatch(SliceSource{Data: data, Dim: dim}, dim, opt)
		} else {
			cb, _, err = Train(data, dim, opt)
		}
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("minibatch %v: err %v, want context.Canceled", mini, err)
		}
		if cb == nil || cb.NumStages() != 1 {
			t.Fatalf("minibatch %v: got %v, want the finished first stage", mini, cb)
		}
		if after > 1 {
			t.Errorf("minibatch %v: %d iterations ran after the cancellation", mini, after)
		}
		if _, err := cb.WriteTo(io.Discard); err != nil {
			t.Errorf("minibatch %v: partial codebook does not serialise: %v", mini, err)
		}
	}
}
