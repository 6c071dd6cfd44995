package rvq

import (
	"fmt"
	"math"
	"slices"
)

// VectorSource is training data read a batch at a time, for corpora whose
// vectors do not fit in memory (a file of float32 vectors, for example).
type VectorSource interface {
	// Len returns the number of vectors.
	Len() int
	// ReadVectors fills dst, whose length is a multiple of the dimension,
	// with consecutive vectors starting at index first.
	ReadVectors(dst []float32, first int) error
}

// SliceSource is a VectorSource over vectors held in memory.
type SliceSource struct {
	Data []float32
	Dim  int
}

// Len returns the number of vectors.
func (s SliceSource) Len() int { return len(s.Data) / s.Dim }

// ReadVectors copies vectors from first on into dst.
func (s SliceSource) ReadVectors(dst []float32, first int) error {
	if first < 0 || first*s.Dim+len(dst) > len(s.Data) {
		return fmt.Errorf("%w: vectors %d..%d of %d", ErrData, first, first+len(dst)/s.Dim, s.Len())
	}
	copy(dst, s.Data[first*s.Dim:])
	return nil
}

// Defaults of the mini-batch options.
const (
	defaultBatchSize = 4096
	defaultEpochs    = 3
)

// TrainMiniBatch learns a residual codebook like Train, from data read
// batch by batch, so that memory holds one batch, a seeding sample and the
// codebook whatever the size of the data. Each stage is seeded (opt.Init)
// from a sample of the residuals, trained by mini-batch k-means (Sculley,
// "Web-scale k-means clustering", 2010: per-entry learning rate 1/count)
// for opt.Epochs passes over the data in shuffled batch order, with dead
// entries revived after every pass, and finished by one exact Lloyd update;
// joint refinement passes then re-fit each stage to the residual of the
// others by one exact Lloyd update per stage. MaxIter, Tol and RefineIter
// do not apply.
//
// Every pass reads the whole source and recomputes the residuals through
// the stages already trained: it trades time for memory. For a given Seed
// the result is bit-identical whatever Workers is.
func TrainMiniBatch(src VectorSource, dim int, opt TrainOptions) (*Codebook, TrainReport, error) {
	var rep TrainReport
	n := src.Len()
	if err := checkOptions(dim, opt); err != nil {
		return nil, rep, err
	}
	if n < opt.Size {
		return nil, rep, fmt.Errorf("%w: %d vectors for %d entries", ErrData, n, opt.Size)
	}
	if opt.BatchSize <= 0 {
		opt.BatchSize = defaultBatchSize
	}
	if opt.Epochs <= 0 {
		opt.Epochs = defaultEpochs
	}
	t, cb := newTrainer(dim, n, opt)
	opt = t.opt
	rep.Vectors = n
	mb := newMiniBatch(t, src)
	if opt.Normalize {
		var err error
		if cb.Mean, cb.Scale, err = mb.meanStd(); err != nil {
			return nil, rep, err
		}
	}

	for s := 0; s < opt.Stages; s++ {
		prev := stagesOf(cb, s)
		sample, err := mb.residualSample(prev, max(opt.SeedSample, opt.Size))
		if err != nil {
			return nil, rep, err
		}
		cents := t.seed(sample, opt.Size)
		sr, err := mb.trainStage(s, prev, cents)
		if err != nil {
			return nil, rep, err
		}
		if t.cancelled() {
			cb, err := t.stopped(cb, s)
			return cb, rep, err
		}
		cb.Stages = append(cb.Stages, cents)
		rep.Stages = append(rep.Stages, sr)
	}

	best := cb.Clone()
	bestD, err := mb.distortion(best)
	if err != nil {
		return nil, rep, err
	}
	for pass := 0; pass < opt.RefinePasses; pass++ {
		for s := 0; s < opt.Stages; s++ {
			d, err := mb.refineStage(cb, s)
			if err != nil {
				return nil, rep, err
			}
			if t.cancelled() {
				_, err := t.stopped(cb, opt.Stages)
				return best, rep, err
			}
			if opt.Progress != nil {
				opt.Progress(s, -(pass + 1), d)
			}
		}
		d, err := mb.distortion(cb)
		if err != nil {
			return nil, rep, err
		}
		rep.Refine = append(rep.Refine, d)
		if d < bestD {
			best, bestD = cb.Clone(), d
		}
	}
	if t.cancelled() { // during the final encoding
		_, err := t.stopped(cb, opt.Stages)
		return best, rep, err
	}
	rep.Distortion = bestD
	return best, rep, nil
}

// checkOptions validates what Train and TrainMiniBatch share.
func checkOptions(dim int, opt TrainOptions) error {
	if dim < 1 || dim > MaxDim {
		return fmt.Errorf("%w: dim %d outside [1,%d]", ErrOptions, dim, MaxDim)
	}
	if opt.Size < 1 || opt.Size > MaxSize || opt.Stages < 1 || opt.Stages > MaxStages {
		return fmt.Errorf("%w: %d stages × %d entries outside [1,%d]×[1,%d]", ErrOptions, opt.Stages, opt.Size, MaxStages, MaxSize)
	}
	if opt.Weights != nil && len(opt.Weights) != dim {
		return fmt.Errorf("%w: %d weights for dim %d", ErrOptions, len(opt.Weights), dim)
	}
	for j, w := range opt.Weights {
		if !(w >= 0) || math.IsInf(float64(w), 0) {
			return fmt.Errorf("%w: weight %d is %v", ErrOptions, j, w)
		}
	}
	if opt.Init < KMeansPP || opt.Init > Random {
		return fmt.Errorf("%w: init %v", ErrOptions, opt.Init)
	}
	return nil
}

// stagesOf returns a codebook view holding the first s stages of cb (nil
// for none), for computing residuals through them.
func stagesOf(cb *Codebook, s int) *Codebook {
	if s == 0 {
		return nil
	}
	v := *cb
	v.Stages = cb.Stages[:s]
	return &v
}

// miniBatch holds the buffers of one batch and reads batches from the
// source, normalised, with the residual through earlier stages.
type miniBatch struct {
	t      *trainer
	src    VectorSource
	cb     *Codebook // for Normalize; Mean/Scale set once known
	x, r   []float32 // batch vectors (normalised) and their residuals
	assign []int32
	err    []float32
	idx    [][]int // per worker: stage indices
	q      [][]float32
}

func newMiniBatch(t *trainer, src VectorSource) *miniBatch {
	b := min(t.opt.BatchSize, t.n)
	mb := &miniBatch{t: t, src: src,
		x: make([]float32, b*t.dim), r: make([]float32, b*t.dim),
		assign: make([]int32, b), err: make([]float32, b),
		idx: make([][]int, t.workers), q: make([][]float32, t.workers),
	}
	for k := range mb.idx {
		mb.idx[k] = make([]int, MaxStages)
		mb.q[k] = make([]float32, t.dim)
	}
	return mb
}

// batches returns the number of batches in a pass.
func (mb *miniBatch) batches() int {
	return (mb.t.n + mb.t.opt.BatchSize - 1) / mb.t.opt.BatchSize
}

// read loads batch b into mb.x (normalised with norm's Mean/Scale when set)
// and returns its vector count.
func (mb *miniBatch) read(b int, norm *Codebook) (int, error) {
	t := mb.t
	first := b * t.opt.BatchSize
	m := min(t.opt.BatchSize, t.n-first)
	x := mb.x[:m*t.dim]
	if err := mb.src.ReadVectors(x, first); err != nil {
		return 0, fmt.Errorf("rvq: reading training vectors %d..%d: %w", first, first+m, err)
	}
	if i := firstNonFinite(x); i >= 0 {
		return 0, fmt.Errorf("%w: value %d (vector %d) is not finite", ErrData, i%t.dim, first+i/t.dim)
	}
	if norm != nil && norm.Mean != nil {
		for i := 0; i < m; i++ {
			v := x[i*t.dim : i*t.dim+t.dim]
			norm.Normalize(v, v)
		}
	}
	return m, nil
}

// residuals writes into mb.r the residual of each of the m batch vectors
// after greedy coding with prev (a copy of mb.x when prev is nil).
func (mb *miniBatch) residuals(prev *Codebook, m int) {
	t, dim := mb.t, mb.t.dim
	copy(mb.r[:m*dim], mb.x[:m*dim])
	if prev == nil {
		return
	}
	ss := make([]*Searcher, t.workers)
	t.parallel(m, func(k, lo, hi int) {
		if ss[k] == nil {
			ss[k] = NewSearcher(prev, 1)
		}
		ix := mb.idx[k][:len(prev.Stages)]
		for i := lo; i < hi; i++ {
			r := mb.r[i*dim : i*dim+dim]
			ss[k].EncodeNormalized(ix, r, len(ix))
			for st, e := range ix {
				subEntry(r, prev.Stages[st], e)
			}
		}
	})
}

// nearestAll assigns each of the m residuals in mb.r to its nearest entry.
func (mb *miniBatch) nearestAll(cents []float32, m int) {
	t, dim := mb.t, mb.t.dim
	cn := make([]float32, len(cents)/dim)
	weightedNorms(cn, cents, t.w, dim)
	t.parallel(m, func(k, lo, hi int) {
		q := mb.q[k]
		for i := lo; i < hi; i++ {
			r := mb.r[i*dim : i*dim+dim]
			makeQuery(q, r, t.w)
			a, _ := nearest(q, cents, cn)
			mb.assign[i] = int32(a)
			mb.err[i] = wdist(r, cents[a*dim:a*dim+dim], t.w)
		}
	})
}

// meanStd computes the per-dimension mean and standard deviation of the
// source in two passes, accumulated in float64 in index order.
func (mb *miniBatch) meanStd() (mean, scale []float32, err error) {
	t, dim := mb.t, mb.t.dim
	sum := make([]float64, dim)
	mean = make([]float32, dim)
	for pass := 0; pass < 2; pass++ {
		for b := 0; b < mb.batches() && !t.cancelled(); b++ {
			m, err := mb.read(b, nil)
			if err != nil {
				return nil, nil, err
			}
			for i := 0; i < m; i++ {
				for j, v := range mb.x[i*dim : i*dim+dim] {
					if pass == 0 {
						sum[j] += float64(v)
					} else {
						d := float64(v) - float64(mean[j])
						sum[j] += d * d
					}
				}
			}
		}
		if pass == 0 {
			for j := range sum {
				mean[j] = float32(sum[j] / float64(t.n))
			}
			clear(sum)
		}
	}
	scale = make([]float32, dim)
	for j := range sum {
		sd := math.Sqrt(sum[j] / float64(t.n))
		if !(sd > 1e-12) || float32(sd) == 0 {
			sd = 1
		}
		scale[j] = float32(sd)
	}
	mb.cb = &Codebook{Dim: dim, Mean: mean, Scale: scale}
	return mean, scale, nil
}

// residualSample reads a uniform random sample of m vectors (all of them
// if there are fewer) and returns their residuals after prev.
func (mb *miniBatch) residualSample(prev *Codebook, m int) ([]float32, error) {
	t, dim := mb.t, mb.t.dim
	m = min(m, t.n)
	// Floyd's algorithm: m distinct indices, sorted for sequential reads.
	pick := make(map[int]bool, m)
	for j := t.n - m; j < t.n; j++ {
		if v := t.rng.IntN(j + 1); pick[v] {
			pick[j] = true
		} else {
			pick[v] = true
		}
	}
	order := make([]int, 0, m)
	for v := range pick {
		order = append(order, v)
	}
	slices.Sort(order)
	out := make([]float32, m*dim)
	for i, v := range order {
		x := out[i*dim : i*dim+dim]
		if err := mb.src.ReadVectors(x, v); err != nil {
			return nil, fmt.Errorf("rvq: reading training vector %d: %w", v, err)
		}
		if j := firstNonFinite(x); j >= 0 {
			return nil, fmt.Errorf("%w: value %d (vector %d) is not finite", ErrData, j, v)
		}
		if mb.cb != nil {
			mb.cb.Normalize(x, x)
		}
	}
	if prev != nil {
		s := NewSearcher(prev, 1)
		ix := make([]int, len(prev.Stages))
		for i := 0; i < m; i++ {
			r := out[i*dim : i*dim+dim]
			s.EncodeNormalized(ix, r, len(ix))
			for st, e := range ix {
				subEntry(r, prev.Stages[st], e)
			}
		}
	}
	return out, nil
}

// trainStage fits cents to the residuals after prev: mini-batch epochs
// with revival, then one exact Lloyd update.
func (mb *miniBatch) trainStage(stage int, prev *Codebook, cents []float32) (StageReport, error) {
	t, dim, k := mb.t, mb.t.dim, len(cents)/mb.t.dim
	var sr StageReport
	counts := make([]int64, k)
	used := make([]int64, k)
	for epoch := 0; epoch < t.opt.Epochs; epoch++ {
		clear(used)
		var sum float64
		m := 0
		for _, b := range t.rng.Perm(mb.batches()) {
			if t.cancelled() {
				return sr, nil // the caller returns what is finished
			}
			var err error
			if m, err = mb.read(b, mb.cb); err != nil {
				return sr, err
			}
			mb.residuals(prev, m)
			mb.nearestAll(cents, m)
			for i := 0; i < m; i++ { // sequential: the result is the same on any core count
				a := int(mb.assign[i])
				sum += float64(mb.err[i])
				counts[a]++
				used[a]++
				eta := float32(1 / float64(counts[a]))
				c := cents[a*dim : a*dim+dim]
				for j, v := range mb.r[i*dim : i*dim+dim] {
					c[j] += eta * (v - c[j])
				}
			}
		}
		// Revive entries no vector chose in this pass at the worst-coded
		// vectors of the last batch; they learn afresh.
		if !t.opt.NoRevive {
			var dead []int
			for c, u := range used {
				if u == 0 {
					dead = append(dead, c)
				}
			}
			sr.Revived += mb.revive(cents, dead, m)
			for _, c := range dead {
				counts[c] = 0
			}
		}
		sr.Iterations++
		if t.opt.Progress != nil {
			t.opt.Progress(stage, sr.Iterations, sum/float64(t.n*dim))
		}
	}
	d, err := mb.lloydStep(cents, func(b, m int) error {
		mb.residuals(prev, m)
		return nil
	})
	if err != nil {
		return sr, err
	}
	sr.Iterations++
	sr.Distortion = d
	if t.opt.Progress != nil {
		t.opt.Progress(stage, sr.Iterations, d)
	}
	return sr, nil
}

// revive moves each dead entry to one of the worst-coded of the m vectors
// of the current batch (slightly perturbed) and returns how many it moved.
func (mb *miniBatch) revive(cents []float32, dead []int, m int) int {
	return mb.t.reseed(cents, dead, worstFirst(mb.err[:m], len(dead)), mb.r, mb.err)
}

// lloydStep makes one exact Lloyd update of cents over the whole source:
// prepare(b, m) fills mb.r with the targets of batch b; every entry moves to
// the mean of the targets nearest to it (entries nobody chose stay). It
// returns the distortion before the update.
func (mb *miniBatch) lloydStep(cents []float32, prepare func(b, m int) error) (float64, error) {
	t, dim, k := mb.t, mb.t.dim, len(cents)/mb.t.dim
	sums := make([]float64, k*dim)
	counts := make([]int64, k)
	var dsum float64
	for b := 0; b < mb.batches() && !t.cancelled(); b++ {
		m, err := mb.read(b, mb.cb)
		if err != nil {
			return 0, err
		}
		if err := prepare(b, m); err != nil {
			return 0, err
		}
		mb.nearestAll(cents, m)
		for i := 0; i < m; i++ {
			a := int(mb.assign[i])
			dsum += float64(mb.err[i])
			counts[a]++
			s := sums[a*dim : a*dim+dim]
			for j, v := range mb.r[i*dim : i*dim+dim] {
				s[j] += float64(v)
			}
		}
	}
	for c := 0; c < k; c++ {
		if counts[c] == 0 {
			continue
		}
		inv := 1 / float64(counts[c])
		e := cents[c*dim : c*dim+dim]
		for j := range e {
			e[j] = float32(sums[c*dim+j] * inv)
		}
	}
	return dsum / float64(t.n*dim), nil
}

// refineStage re-fits stage s of cb to x minus the other stages' entries
// (all stages chosen by the Beam search) with one exact Lloyd update, and
// returns the distortion before it.
func (mb *miniBatch) refineStage(cb *Codebook, s int) (float64, error) {
	t, dim, ns := mb.t, mb.t.dim, len(cb.Stages)
	ss := make([]*Searcher, t.workers)
	return mb.lloydStep(cb.Stages[s], func(_, m int) error {
		copy(mb.r[:m*dim], mb.x[:m*dim])
		t.parallel(m, func(k, lo, hi int) {
			if ss[k] == nil {
				ss[k] = NewSearcher(cb, t.opt.Beam) // stage s changes only after the pass
			}
			ix := mb.idx[k][:ns]
			for i := lo; i < hi; i++ {
				r := mb.r[i*dim : i*dim+dim]
				ss[k].EncodeNormalized(ix, r, ns)
				for st, e := range ix {
					if st != s {
						subEntry(r, cb.Stages[st], e)
					}
				}
			}
		})
		return nil
	})
}

// distortion encodes the whole source with cb (Beam) and returns the mean
// weighted squared error per component.
func (mb *miniBatch) distortion(cb *Codebook) (float64, error) {
	t, dim, ns := mb.t, mb.t.dim, len(cb.Stages)
	ss := make([]*Searcher, t.workers)
	var sum float64
	for b := 0; b < mb.batches() && !t.cancelled(); b++ {
		m, err := mb.read(b, mb.cb)
		if err != nil {
			return 0, err
		}
		t.parallel(m, func(k, lo, hi int) {
			if ss[k] == nil {
				ss[k] = NewSearcher(cb, t.opt.Beam)
			}
			ix := mb.idx[k][:ns]
			for i := lo; i < hi; i++ {
				mb.err[i] = ss[k].EncodeNormalized(ix, mb.x[i*dim:i*dim+dim], ns)
			}
		})
		for _, e := range mb.err[:m] {
			sum += float64(e)
		}
	}
	return sum / float64(t.n*dim), nil
}
