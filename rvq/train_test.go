package rvq

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

func TestTrainMixture(t *testing.T) {
	// 32 clusters (means ~N(0,16)) with noise variance 0.01 per component:
	// a 64-entry first stage should capture almost everything.
	const dim = 8
	data := mixture(1, 6000, dim, 32, 0.1)
	for _, init := range []InitMethod{KMeansPP, LBG, Random} {
		cb, rep := mustTrain(t, data, dim, TrainOptions{Stages: 3, Size: 64, Seed: 7, Init: init})
		t.Logf("%v: stages %+v refine %v final %v", init, rep.Stages, rep.Refine, rep.Distortion)
		// per-component variance of the data is about 16; noise 0.01
		// The data variance is about 16 per component, the noise 0.01.
		// k-means++ finds the clusters; splitting and random seeds may merge
		// a few, which the later stages then cover.
		if d := rep.Stages[0].Distortion; d > 1.6 || (init == KMeansPP && d > 0.05) {
			t.Errorf("%v: stage 0 distortion %v too high (noise floor 0.01)", init, d)
		}
		if rep.Distortion > 0.01 {
			t.Errorf("%v: final distortion %v, want < 0.01", init, rep.Distortion)
		}
		for s := 1; s < len(rep.Stages); s++ {
			if rep.Stages[s].Distortion >= rep.Stages[s-1].Distortion {
				t.Errorf("%v: stage %d did not lower distortion: %+v", init, s, rep.Stages)
			}
		}
		if rep.Distortion > rep.Stages[2].Distortion*(1+1e-9) {
			t.Errorf("%v: refinement made it worse: %v > %v", init, rep.Distortion, rep.Stages[2].Distortion)
		}
		st := Stats(cb, data, 3, 1)
		if abs(st[2].Distortion-rep.Distortion) > 1e-4*rep.Distortion {
			t.Errorf("%v: Stats distortion %v, report %v", init, st[2].Distortion, rep.Distortion)
		}
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func TestStagesLowerDistortionHeldOut(t *testing.T) {
	const dim = 8
	train := mixture(2, 8000, dim, 50, 1)
	test := mixture(2, 9000, dim, 50, 1)[8000*dim:] // same mixture, unseen draws
	cb, _ := mustTrain(t, train, dim, TrainOptions{Stages: 4, Size: 64, Seed: 3, Normalize: true})
	st := Stats(cb, test, 4, 1)
	prev := 1e9
	for _, s := range st {
		t.Logf("stage %d: dist %.4f rmse %.4f util %.3f perplexity %.1f", s.Stage, s.Distortion, s.RMSE, s.Utilisation, s.Perplexity)
		if s.Distortion >= prev {
			t.Errorf("stage %d distortion %v not below %v", s.Stage, s.Distortion, prev)
		}
		prev = s.Distortion
		if s.Utilisation < 0.95 {
			t.Errorf("stage %d utilisation %v < 0.95", s.Stage, s.Utilisation)
		}
		if s.Perplexity < 0.5*64 || s.Perplexity > 64 {
			t.Errorf("stage %d perplexity %v", s.Stage, s.Perplexity)
		}
	}
}

func TestReviveRaisesUtilisation(t *testing.T) {
	// Half the vectors are copies of four points, so random seeding puts
	// many entries on identical spots; all but one of each lose every member
	// (ties go to the lowest index) and stay dead unless revived.
	const dim = 4
	gen := func(seed uint64, n int) []float32 {
		d := mixture(seed, n, dim, 6, 0.5)
		for i := 0; i < n; i += 2 {
			p := float32(i / 2 % 4)
			copy(d[i*dim:i*dim+dim], []float32{10 + p, -10, p, 3})
		}
		return d
	}
	all := gen(5, 6000) // same mixture: train on 4000, measure on 2000 unseen
	data, test := all[:4000*dim], all[4000*dim:]
	util := func(noRevive bool) (float64, int) {
		cb, rep := mustTrain(t, data, dim, TrainOptions{Stages: 1, Size: 64, Seed: 1, Init: Random, NoRevive: noRevive, RefinePasses: -1})
		return Stats(cb, test, 1, 1)[0].Utilisation, rep.Stages[0].Revived
	}
	with, revived := util(false)
	without, _ := util(true)
	t.Logf("utilisation with revive %.3f (%d revived), without %.3f", with, revived, without)
	if with < 0.95 || revived == 0 {
		t.Errorf("utilisation with revive %v < 0.95 (%d revived)", with, revived)
	}
	if without > 0.8 {
		t.Errorf("test data should leave dead entries without revival: utilisation %v", without)
	}
}

func TestTrainDeterministicAcrossWorkers(t *testing.T) {
	data := mixture(9, 5000, 6, 20, 0.5) // > 4 chunks, so workers really split
	var first []byte
	for _, w := range []int{1, 3} {
		for _, init := range []InitMethod{KMeansPP, LBG} {
			cb, _ := mustTrain(t, data, 6, TrainOptions{Stages: 2, Size: 24, Seed: 42, Workers: w, Init: init, Normalize: true, Beam: 2})
			b, err := cb.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			if init == KMeansPP {
				if first == nil {
					first = b
				} else if !bytes.Equal(first, b) {
					t.Fatalf("workers %d gave different bytes", w)
				}
			}
		}
	}
	cb, _ := mustTrain(t, data, 6, TrainOptions{Stages: 2, Size: 24, Seed: 43, Workers: 1, Normalize: true, Beam: 2})
	if b, _ := cb.MarshalBinary(); bytes.Equal(b, first) {
		t.Fatal("a different seed gave the same codebook")
	}
}

func TestTrainWeights(t *testing.T) {
	// Heavily weighting dimension 0 must make it the better-coded one.
	const dim = 2
	data := mixture(3, 3000, dim, 200, 1)
	cb, _ := mustTrain(t, data, dim, TrainOptions{Stages: 1, Size: 8, Seed: 1, Weights: []float32{100, 1}, RefinePasses: -1})
	s := NewSearcher(cb, 1)
	idx := make([]int, 1)
	var e0, e1 float64
	rec := make([]float32, dim)
	for i := 0; i < 3000; i++ {
		x := data[i*dim : i*dim+dim]
		s.Encode(idx, x, 1)
		cb.Decode(rec, idx)
		e0 += float64((x[0] - rec[0]) * (x[0] - rec[0]))
		e1 += float64((x[1] - rec[1]) * (x[1] - rec[1]))
	}
	if e0*4 > e1 {
		t.Fatalf("weighted dim error %v not well below unweighted %v", e0, e1)
	}
}

func TestTrainErrors(t *testing.T) {
	data := mixture(1, 100, 4, 3, 1)
	tests := []struct {
		name string
		data []float32
		dim  int
		opt  TrainOptions
		want error
	}{
		{"no stages", data, 4, TrainOptions{Size: 4}, ErrOptions},
		{"size too big", data, 4, TrainOptions{Stages: 1, Size: 1 << 20}, ErrOptions},
		{"dim 0", data, 0, TrainOptions{Stages: 1, Size: 4}, ErrOptions},
		{"weights length", data, 4, TrainOptions{Stages: 1, Size: 4, Weights: []float32{1}}, ErrOptions},
		{"partial vector", data[:7], 4, TrainOptions{Stages: 1, Size: 1}, ErrData},
		{"too few vectors", data, 4, TrainOptions{Stages: 1, Size: 101}, ErrData},
		{"NaN", append([]float32{float32(nan())}, data[1:]...), 4, TrainOptions{Stages: 1, Size: 2}, ErrData},
	}
	for _, tc := range tests {
		if _, _, err := Train(tc.data, tc.dim, tc.opt); !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}
}

func nan() float64 { var z float64; return z / z }

// The bound-based skipping in Lloyd iterations must leave every vector with
// its nearest entry (up to float rounding), as a full search would.
func TestLloydBoundsExact(t *testing.T) {
	const n, dim, k = 4000, 5, 40
	data := mixture(11, n, dim, 10, 1)
	tr := &trainer{dim: dim, n: n, workers: 2, w: []float32{1, 2, 0.5, 1, 3}, rng: rand.New(rand.NewPCG(1, 1))}
	km := newKMeans(tr, k)
	cents := append([]float32(nil), data[:k*dim]...)
	for _, iters := range []int{1, 3, 12} {
		km.lloyd(data, cents, iters, -1, true, nil)
		for i := 0; i < n; i++ {
			x := data[i*dim : i*dim+dim]
			best := math.Inf(1)
			for c := 0; c < k; c++ {
				best = min(best, float64(wdist(x, cents[c*dim:c*dim+dim], tr.w)))
			}
			got := float64(wdist(x, cents[int(km.assign[i])*dim:int(km.assign[i])*dim+dim], tr.w))
			if got > best*(1+1e-3)+1e-6 || float64(km.err[i]) != got {
				t.Fatalf("iters %d vector %d: assigned distance %v, nearest %v, err %v", iters, i, got, best, km.err[i])
			}
		}
	}
}
