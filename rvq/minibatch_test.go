package rvq

import (
	"bytes"
	"errors"
	"testing"
)

// countingSource is a SliceSource that records the largest read, to show
// that TrainMiniBatch never asks for more than a batch (or one vector when
// sampling).
type countingSource struct {
	SliceSource
	largest int
}

func (c *countingSource) ReadVectors(dst []float32, first int) error {
	c.largest = max(c.largest, len(dst)/c.Dim)
	return c.SliceSource.ReadVectors(dst, first)
}

func TestTrainMiniBatchMatchesLloyd(t *testing.T) {
	// The mixture of TestStagesLowerDistortionHeldOut: mini-batch training
	// must reach the quality of in-memory Lloyd training on held-out data
	// (within 10 %), keep every stage useful, and read in batches.
	const dim = 8
	train := mixture(2, 8000, dim, 50, 1)
	test := mixture(2, 9000, dim, 50, 1)[8000*dim:]
	opt := TrainOptions{Stages: 4, Size: 64, Seed: 3, Normalize: true, BatchSize: 500, Epochs: 3}
	full, _ := mustTrain(t, train, dim, opt)
	src := &countingSource{SliceSource: SliceSource{Data: train, Dim: dim}}
	mb, rep, err := TrainMiniBatch(src, dim, opt)
	if err != nil {
		t.Fatal(err)
	}
	if src.largest > opt.BatchSize {
		t.Errorf("read %d vectors at once, batch size %d", src.largest, opt.BatchSize)
	}
	if rep.Vectors != 8000 || len(rep.Stages) != 4 || len(rep.Refine) != 2 {
		t.Errorf("report %+v", rep)
	}
	stFull, stMB := Stats(full, test, 4, 1), Stats(mb, test, 4, 1)
	for s := range stMB {
		t.Logf("stage %d: mini-batch %.4f (util %.3f), Lloyd %.4f", s+1, stMB[s].Distortion, stMB[s].Utilisation, stFull[s].Distortion)
		if stMB[s].Distortion > 1.1*stFull[s].Distortion {
			t.Errorf("stage %d: mini-batch distortion %v, Lloyd %v", s+1, stMB[s].Distortion, stFull[s].Distortion)
		}
		if s > 0 && stMB[s].Distortion >= stMB[s-1].Distortion {
			t.Errorf("stage %d did not lower distortion", s+1)
		}
		if stMB[s].Utilisation < 0.95 {
			t.Errorf("stage %d utilisation %v", s+1, stMB[s].Utilisation)
		}
	}
	if d := Stats(mb, train, 4, 1)[3].Distortion; abs(d-rep.Distortion) > 1e-4*rep.Distortion {
		t.Errorf("reported distortion %v, Stats on the training data %v", rep.Distortion, d)
	}
}

func TestTrainMiniBatchDeterministic(t *testing.T) {
	data := mixture(9, 5000, 6, 20, 0.5)
	var first []byte
	for _, w := range []int{1, 3} {
		cb, _, err := TrainMiniBatch(SliceSource{Data: data, Dim: 6}, 6,
			TrainOptions{Stages: 2, Size: 24, Seed: 42, Workers: w, Normalize: true, Beam: 2, BatchSize: 1500})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := cb.MarshalBinary()
		if first == nil {
			first = b
		} else if !bytes.Equal(first, b) {
			t.Fatalf("workers %d gave different bytes", w)
		}
	}
}

func TestTrainMiniBatchRevives(t *testing.T) {
	// As TestReviveRaisesUtilisation: random seeds on duplicated points
	// leave dead entries unless revived.
	const dim = 4
	d := mixture(5, 6000, dim, 6, 0.5)
	for i := 0; i < 6000; i += 2 {
		p := float32(i / 2 % 4)
		copy(d[i*dim:i*dim+dim], []float32{10 + p, -10, p, 3})
	}
	data, test := d[:4000*dim], d[4000*dim:]
	util := func(noRevive bool) (float64, int) {
		cb, rep, err := TrainMiniBatch(SliceSource{Data: data, Dim: dim}, dim,
			TrainOptions{Stages: 1, Size: 64, Seed: 1, Init: Random, NoRevive: noRevive, RefinePasses: -1, BatchSize: 1000})
		if err != nil {
			t.Fatal(err)
		}
		return Stats(cb, test, 1, 1)[0].Utilisation, rep.Stages[0].Revived
	}
	with, revived := util(false)
	without, _ := util(true)
	t.Logf("utilisation with revival %.3f (%d revived), without %.3f", with, revived, without)
	if with < 0.95 || revived == 0 || without > 0.8 {
		t.Errorf("utilisation with revival %v (%d revived), without %v", with, revived, without)
	}
}

func TestTrainMiniBatchErrors(t *testing.T) {
	data := mixture(1, 100, 4, 3, 1)
	for _, tc := range []struct {
		src  VectorSource
		opt  TrainOptions
		want error
	}{
		{SliceSource{Data: data, Dim: 4}, TrainOptions{Stages: 1, Size: 200}, ErrData},
		{SliceSource{Data: data, Dim: 4}, TrainOptions{Stages: 0, Size: 8}, ErrOptions},
		{SliceSource{Data: append([]float32{float32(nan())}, data[1:]...), Dim: 4}, TrainOptions{Stages: 1, Size: 8}, ErrData},
		{&countingSource{SliceSource: SliceSource{Data: data[:40], Dim: 4}}, TrainOptions{Stages: 1, Size: 8}, ErrData},
	} {
		src := tc.src
		if c, ok := src.(*countingSource); ok { // claims more vectors than it holds
			src = lyingSource{c}
		}
		if _, _, err := TrainMiniBatch(src, 4, tc.opt); !errors.Is(err, tc.want) {
			t.Errorf("%+v: %v, want %v", tc.opt, err, tc.want)
		}
	}
}

type lyingSource struct{ *countingSource }

func (l lyingSource) Len() int { return 100 }
