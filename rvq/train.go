package rvq

import (
	"container/heap"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
)

// InitMethod selects how each stage's codebook is seeded before Lloyd
// iterations.
type InitMethod int

const (
	KMeansPP InitMethod = iota // D² sampling (k-means++) on a subsample
	LBG                        // binary splitting from the centroid (Linde–Buzo–Gray)
	Random                     // distinct random training vectors
)

func (m InitMethod) String() string {
	switch m {
	case KMeansPP:
		return "kmeans++"
	case LBG:
		return "lbg"
	case Random:
		return "random"
	}
	return fmt.Sprintf("InitMethod(%d)", int(m))
}

// TrainOptions controls Train. Zero values select the defaults noted.
type TrainOptions struct {
	Stages, Size int   // required: number of stages, entries per stage
	Seed         int64 // all randomness derives from it
	Init         InitMethod
	MaxIter      int     // Lloyd iterations per stage (default 25)
	Tol          float64 // stop when relative distortion change < Tol (default 1e-3; <0: run MaxIter)
	// NoRevive turns off dead-code revival (on by default: an entry with no
	// members is re-seeded near the worst-quantised vectors).
	NoRevive     bool
	RefinePasses int // joint refinement passes (default 2; <0: none)
	RefineIter   int // Lloyd iterations per stage within a refinement pass (default 3)
	Beam         int // beam for encoding during refinement and the final report (default 1, greedy)
	Weights      []float32
	Normalize    bool // learn per-dimension mean/std and quantise normalised vectors
	Workers      int  // goroutines for assignment (0 = GOMAXPROCS); never changes the result
	SeedSample   int  // vectors used for k-means++/LBG seeding (default 20000)
	// BatchSize and Epochs apply to TrainMiniBatch only: vectors per
	// mini-batch (default 4096) and passes over the data per stage
	// (default 3).
	BatchSize, Epochs int
	Meta              string
	// Context, if set, stops training when cancelled (Ctrl-C) within about
	// one work chunk; Train and TrainMiniBatch then return the stages
	// finished before it as a valid, shorter codebook (nil if none), or
	// the stage-wise codebook if refinement had begun, with an error that
	// wraps the context's.
	Context context.Context
	// Progress, if set, is called after each Lloyd iteration with the stage,
	// iteration (1-based) and distortion; during joint refinement iter is
	// -(pass+1) and it is called once per refined stage.
	Progress func(stage, iter int, distortion float64)
}

// StageReport describes the stage-wise (greedy) training of one stage.
type StageReport struct {
	Iterations int     // Lloyd updates run
	Distortion float64 // after this stage, training set, greedy encoding
	Revived    int     // dead entries re-seeded in total
}

// TrainReport summarises a training run. Distortions are per-component mean
// weighted squared errors in normalised units (1.0 ≈ coding every
// normalised vector as the mean).
type TrainReport struct {
	Vectors    int
	Stages     []StageReport
	Refine     []float64 // distortion after each refinement pass (Beam encoding)
	Distortion float64   // of the returned codebook with Beam encoding
}

type trainer struct {
	opt     TrainOptions
	dim, n  int
	w       []float32
	workers int
	rng     *rand.Rand
}

const chunk = 1024 // vectors per work item; fixed so results never depend on Workers

// cancelled reports that opt.Context was cancelled: loops stop, and the
// trainers return what is finished.
func (t *trainer) cancelled() bool {
	return t.opt.Context != nil && t.opt.Context.Err() != nil
}

// stopped is the error of a cancelled training, returned with the partial
// codebook: the first stages, or nil when none is finished.
func (t *trainer) stopped(cb *Codebook, stages int) (*Codebook, error) {
	err := fmt.Errorf("rvq: training stopped after %d of %d stages: %w", stages, t.opt.Stages, context.Cause(t.opt.Context))
	if stages == 0 {
		return nil, err
	}
	return stagesOf(cb, stages), err
}

// parallel runs f on fixed contiguous chunks of [0,n) over the workers. f
// receives the worker number (for scratch) and the chunk bounds.
func (t *trainer) parallel(n int, f func(worker, lo, hi int)) {
	nc := (n + chunk - 1) / chunk
	w := min(t.workers, nc)
	if w <= 1 {
		for c := 0; c < nc && !t.cancelled(); c++ {
			f(0, c*chunk, min(n, (c+1)*chunk))
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for k := 0; k < w; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				c := int(next.Add(1) - 1)
				if c >= nc || t.cancelled() {
					return
				}
				f(k, c*chunk, min(n, (c+1)*chunk))
			}
		}()
	}
	wg.Wait()
}

// Train learns a residual codebook from data (len(data)/dim vectors of dim
// values, at least Size of them; data is not modified). For a given Seed the
// result is bit-identical whatever Workers is.
func Train(data []float32, dim int, opt TrainOptions) (*Codebook, TrainReport, error) {
	var rep TrainReport
	if err := checkOptions(dim, opt); err != nil {
		return nil, rep, err
	}
	if len(data)%dim != 0 {
		return nil, rep, fmt.Errorf("%w: %d values is not a multiple of dim %d", ErrData, len(data), dim)
	}
	n := len(data) / dim
	if n < opt.Size {
		return nil, rep, fmt.Errorf("%w: %d vectors for %d entries", ErrData, n, opt.Size)
	}
	if i := firstNonFinite(data); i >= 0 {
		return nil, rep, fmt.Errorf("%w: value %d (vector %d) is not finite", ErrData, i, i/dim)
	}
	if opt.MaxIter <= 0 {
		opt.MaxIter = 25
	}
	if opt.Tol == 0 {
		opt.Tol = 1e-3
	}
	if opt.RefineIter <= 0 {
		opt.RefineIter = 3
	}
	t, cb := newTrainer(dim, n, opt)
	opt = t.opt
	rep.Vectors = n

	// xn: the normalised data (data itself when not normalising: it is only
	// read, and a copy would cost as much memory as the data); res: residual
	// after the stages so far.
	xn := data
	if opt.Normalize {
		xn = make([]float32, len(data))
		copy(xn, data)
		cb.Mean, cb.Scale = meanStd(data, dim)
		for i := 0; i < n; i++ {
			v := xn[i*dim : i*dim+dim]
			cb.Normalize(v, v)
		}
	}
	res := make([]float32, len(xn))
	copy(res, xn)
	idx := make([]int32, n*opt.Stages) // idx[i*Stages+s]
	km := newKMeans(t, opt.Size)

	for s := 0; s < opt.Stages; s++ {
		cents := t.seed(res, opt.Size)
		prog := func(it int, d float64) {
			if opt.Progress != nil {
				opt.Progress(s, it, d)
			}
		}
		iters, revived := km.lloyd(res, cents, opt.MaxIter, opt.Tol, !opt.NoRevive, prog)
		if t.cancelled() {
			cb, err := t.stopped(cb, s)
			return cb, rep, err
		}
		cb.Stages = append(cb.Stages, cents)
		for i := 0; i < n; i++ {
			a := km.assign[i]
			idx[i*opt.Stages+s] = a
			subEntry(res[i*dim:i*dim+dim], cents, int(a))
		}
		rep.Stages = append(rep.Stages, StageReport{Iterations: iters, Distortion: km.distortion(), Revived: revived})
	}

	best := cb.Clone()
	bestD := t.encodeAll(best, xn, res, idx)
	for pass := 0; pass < opt.RefinePasses; pass++ {
		for s := 0; s < opt.Stages; s++ {
			cents := cb.Stages[s]
			// res becomes the target x - sum of the other stages' entries.
			for i := 0; i < n; i++ {
				addEntry(res[i*dim:i*dim+dim], cents, int(idx[i*opt.Stages+s]))
			}
			km.lloyd(res, cents, opt.RefineIter, -1, !opt.NoRevive, nil)
			if t.cancelled() {
				_, err := t.stopped(cb, opt.Stages)
				return best, rep, err
			}
			for i := 0; i < n; i++ {
				a := km.assign[i]
				idx[i*opt.Stages+s] = a
				subEntry(res[i*dim:i*dim+dim], cents, int(a))
			}
			if opt.Progress != nil {
				opt.Progress(s, -(pass + 1), km.distortion())
			}
		}
		d := t.encodeAll(cb, xn, res, idx)
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

// newTrainer applies the defaults Train and TrainMiniBatch share and
// returns the trainer and the empty codebook it fills.
func newTrainer(dim, n int, opt TrainOptions) (*trainer, *Codebook) {
	if opt.RefinePasses == 0 {
		opt.RefinePasses = 2
	}
	opt.Beam = min(max(opt.Beam, 1), MaxBeam)
	if opt.SeedSample <= 0 {
		opt.SeedSample = 20000
	}
	t := &trainer{opt: opt, dim: dim, n: n, workers: opt.Workers}
	if t.workers <= 0 {
		t.workers = runtime.GOMAXPROCS(0)
	}
	t.rng = rand.New(rand.NewPCG(uint64(opt.Seed), 0x9e3779b97f4a7c15))
	cb := &Codebook{Dim: dim, Size: opt.Size, Meta: opt.Meta}
	if opt.Weights != nil {
		cb.Weights = append([]float32(nil), opt.Weights...)
	}
	t.w = cb.weightsOrOnes()
	return t, cb
}

func subEntry(r, cents []float32, a int) {
	c := cents[a*len(r) : a*len(r)+len(r)]
	c = c[:len(r)]
	for j := range r {
		r[j] -= c[j]
	}
}

func addEntry(r, cents []float32, a int) {
	c := cents[a*len(r) : a*len(r)+len(r)]
	c = c[:len(r)]
	for j := range r {
		r[j] += c[j]
	}
}

// meanStd returns per-dimension mean and standard deviation (1 where a
// dimension is constant), accumulated in float64 in index order.
func meanStd(data []float32, dim int) (mean, scale []float32) {
	n := len(data) / dim
	s := make([]float64, dim)
	for i := 0; i < n; i++ {
		for j, v := range data[i*dim : i*dim+dim] {
			s[j] += float64(v)
		}
	}
	mean = make([]float32, dim)
	for j := range s {
		mean[j] = float32(s[j] / float64(n))
	}
	clear(s)
	for i := 0; i < n; i++ {
		for j, v := range data[i*dim : i*dim+dim] {
			d := float64(v) - float64(mean[j])
			s[j] += d * d
		}
	}
	scale = make([]float32, dim)
	for j := range s {
		sd := math.Sqrt(s[j] / float64(n))
		if !(sd > 1e-12) || float32(sd) == 0 {
			sd = 1
		}
		scale[j] = float32(sd)
	}
	return mean, scale
}

// encodeAll encodes every normalised vector with the codebook (Beam), fills
// idx and res and returns the distortion.
func (t *trainer) encodeAll(cb *Codebook, xn, res []float32, idx []int32) float64 {
	dim, ns := t.dim, len(cb.Stages)
	ss := make([]*Searcher, t.workers)
	ib := make([][]int, t.workers)
	for k := range ss {
		ss[k] = NewSearcher(cb, t.opt.Beam)
		ib[k] = make([]int, ns)
	}
	errs := make([]float32, t.n)
	t.parallel(t.n, func(k, lo, hi int) {
		s, ix := ss[k], ib[k]
		for i := lo; i < hi; i++ {
			errs[i] = s.EncodeNormalized(ix, xn[i*dim:i*dim+dim], ns)
			r := res[i*dim : i*dim+dim]
			copy(r, xn[i*dim:i*dim+dim])
			for st, e := range ix {
				idx[i*ns+st] = int32(e)
				subEntry(r, cb.Stages[st], e)
			}
		}
	})
	var sum float64
	for _, e := range errs {
		sum += float64(e)
	}
	return sum / float64(t.n*dim)
}

// sample returns a deterministic subsample of at most m vectors of data.
func (t *trainer) sample(data []float32, m int) []float32 {
	dim, n := t.dim, len(data)/t.dim
	if n <= m {
		return append([]float32(nil), data...)
	}
	perm := make([]int32, n)
	for i := range perm {
		perm[i] = int32(i)
	}
	out := make([]float32, 0, m*dim)
	for i := 0; i < m; i++ {
		j := i + t.rng.IntN(n-i)
		perm[i], perm[j] = perm[j], perm[i]
		p := int(perm[i])
		out = append(out, data[p*dim:p*dim+dim]...)
	}
	return out
}

// seed returns k initial entries for the (residual) data.
func (t *trainer) seed(data []float32, k int) []float32 {
	dim := t.dim
	sub := t.sample(data, max(t.opt.SeedSample, k))
	m := len(sub) / dim
	cents := make([]float32, k*dim)
	switch t.opt.Init {
	case Random:
		perm := t.rng.Perm(m)
		for c := 0; c < k; c++ {
			copy(cents[c*dim:c*dim+dim], sub[perm[c]*dim:perm[c]*dim+dim])
		}
	case LBG:
		t.lbg(sub, cents, k)
	default:
		t.kmeansPP(sub, cents, k)
	}
	return cents
}

// kmeansPP seeds by D² sampling: each next entry is a vector drawn with
// probability proportional to its weighted squared distance to the nearest
// entry chosen so far.
func (t *trainer) kmeansPP(sub, cents []float32, k int) {
	dim, m := t.dim, len(sub)/t.dim
	minD := make([]float64, m)
	p := t.rng.IntN(m)
	copy(cents[:dim], sub[p*dim:p*dim+dim])
	for c := 0; c < k && !t.cancelled(); c++ {
		if c > 0 {
			var total float64
			for _, d := range minD {
				total += d
			}
			p = 0
			if total > 0 {
				r := t.rng.Float64() * total
				var acc float64
				p = m - 1
				for i, d := range minD {
					acc += d
					if acc > r && d > 0 {
						p = i
						break
					}
				}
			} else {
				p = t.rng.IntN(m) // all points coincide with entries
			}
			copy(cents[c*dim:c*dim+dim], sub[p*dim:p*dim+dim])
		}
		e := cents[c*dim : c*dim+dim]
		first := c == 0
		t.parallel(m, func(_, lo, hi int) {
			for i := lo; i < hi; i++ {
				d := float64(wdist(sub[i*dim:i*dim+dim], e, t.w))
				if first || d < minD[i] {
					minD[i] = d
				}
			}
		})
	}
}

// lbg seeds by splitting: start from the centroid, split every entry (the
// worst clusters first when k is not a power of two) and run a few Lloyd
// iterations after each split.
func (t *trainer) lbg(sub, cents []float32, k int) {
	dim, m := t.dim, len(sub)/t.dim
	for j := 0; j < dim; j++ {
		var acc float64
		for i := 0; i < m; i++ {
			acc += float64(sub[i*dim+j])
		}
		cents[j] = float32(acc / float64(m))
	}
	cur := 1
	clErr := []float64{0}
	cnt := []int64{int64(m)}
	for cur < k && !t.cancelled() {
		ns := min(cur, k-cur)
		order := make([]int, cur)
		for i := range order {
			order[i] = i
		}
		if ns < cur { // split the clusters with the largest total error
			sortByDesc(order, clErr)
		}
		for q := 0; q < ns; q++ {
			e := order[q]
			src := cents[e*dim : e*dim+dim]
			dst := cents[(cur+q)*dim : (cur+q)*dim+dim]
			spread := 1e-3
			if cnt[e] > 0 && clErr[e] > 0 {
				spread = 0.1 * math.Sqrt(clErr[e]/float64(cnt[e])/float64(dim))
			}
			for j := range src {
				d := float32(spread * (2*t.rng.Float64() - 1))
				dst[j] = src[j] + d
				src[j] -= d
			}
		}
		cur += ns
		km := newKMeans(t, cur)
		km.lloyd(sub, cents[:cur*dim], min(t.opt.MaxIter, 8), t.opt.Tol, !t.opt.NoRevive, nil)
		clErr = make([]float64, cur)
		cnt = make([]int64, cur)
		for i, a := range km.assign {
			clErr[a] += float64(km.err[i])
			cnt[a]++
		}
	}
}

func sortByDesc(order []int, key []float64) {
	// insertion-free: simple stable sort by key descending, index ascending
	sortSlice(order, func(a, b int) bool {
		if key[a] != key[b] {
			return key[a] > key[b]
		}
		return a < b
	})
}

// kmeans holds the per-vector state of Lloyd iterations for k entries.
type kmeans struct {
	t      *trainer
	k      int
	assign []int32
	err    []float32 // exact weighted squared error of each vector to its entry
	sums   []float64
	counts []int64
	cn     []float32
	q      [][]float32 // per worker

	// Hamerly bounds (see assignAll)
	upper, lower []float64
	shift, half  []float64
	old          []float32
}

func newKMeans(t *trainer, k int) *kmeans {
	km := &kmeans{t: t, k: k}
	km.sums = make([]float64, k*t.dim)
	km.counts = make([]int64, k)
	km.cn = make([]float32, k)
	km.shift = make([]float64, k)
	km.half = make([]float64, k)
	km.old = make([]float32, k*t.dim)
	km.q = make([][]float32, t.workers)
	for i := range km.q {
		km.q[i] = make([]float32, t.dim)
	}
	return km
}

// assignAll finds the nearest entry of every vector (in parallel; each
// vector's result depends only on its own state, never on the chunking).
//
// With bounds it uses Hamerly's test: u bounds the distance to the assigned
// entry from above, l the distance to any other entry from below, both kept
// up to date with the entry shifts of the last update, and s(a) is half the
// distance from entry a to its nearest other entry. If u < max(l, s(a)) the
// assignment cannot change and the search is skipped. Bounds use exact
// (direct) distances and a relative safety margin, so float rounding can only
// keep a point with an entry that is within rounding of the best.
func (km *kmeans) assignAll(data, cents []float32, bounds bool) {
	t, dim := km.t, km.t.dim
	n := len(data) / dim
	if len(km.assign) != n {
		km.assign = make([]int32, n)
		km.err = make([]float32, n)
		km.upper = make([]float64, n)
		km.lower = make([]float64, n)
	}
	weightedNorms(km.cn, cents, t.w, dim)
	var m1, m2 float64 // largest and second largest shift
	m1i := -1
	if bounds {
		for c, v := range km.shift {
			if v > m1 {
				m1, m2, m1i = v, m1, c
			} else if v > m2 {
				m2 = v
			}
		}
		t.parallel(km.k, func(_, lo, hi int) {
			for c := lo; c < hi; c++ {
				e := cents[c*dim : c*dim+dim]
				best := math.Inf(1)
				for o := 0; o < km.k; o++ {
					if o != c {
						best = min(best, float64(wdist(e, cents[o*dim:o*dim+dim], t.w)))
					}
				}
				km.half[c] = 0.5 * math.Sqrt(best)
			}
		})
	}
	const lo, hi = 1 - 1e-4, 1 + 1e-4 // safety margins for the bounds
	t.parallel(n, func(wk, from, to int) {
		q := km.q[wk]
		for i := from; i < to; i++ {
			x := data[i*dim : i*dim+dim]
			if bounds {
				a := int(km.assign[i])
				u := km.upper[i] + km.shift[a]
				l := km.lower[i] - m1
				if a == m1i {
					l = km.lower[i] - m2
				}
				bound := max(l, km.half[a]) * lo
				if u*hi < bound {
					km.upper[i], km.lower[i] = u, l
					km.err[i] = wdist(x, cents[a*dim:a*dim+dim], t.w)
					continue
				}
				e := wdist(x, cents[a*dim:a*dim+dim], t.w)
				if u = math.Sqrt(float64(e)); u*hi < bound {
					km.upper[i], km.lower[i] = u, l
					km.err[i] = e
					continue
				}
			}
			makeQuery(q, x, t.w)
			a, b := nearest2(q, cents, km.cn)
			km.assign[i] = int32(a)
			e := wdist(x, cents[a*dim:a*dim+dim], t.w)
			km.err[i] = e
			km.upper[i] = math.Sqrt(float64(e))
			km.lower[i] = math.Inf(1)
			if b >= 0 {
				km.lower[i] = math.Sqrt(float64(wdist(x, cents[b*dim:b*dim+dim], t.w)))
			}
		}
	})
}

// shifts records how far each entry moved since old.
func (km *kmeans) shifts(old, cents []float32) {
	dim := km.t.dim
	for c := range km.shift {
		km.shift[c] = math.Sqrt(float64(wdist(old[c*dim:c*dim+dim], cents[c*dim:c*dim+dim], km.t.w)))
	}
}

func (km *kmeans) distortion() float64 {
	var s float64
	for _, e := range km.err {
		s += float64(e)
	}
	return s / float64(len(km.err)*km.t.dim)
}

// update moves every entry to the mean of its members (float64 sums in
// vector order) and returns the entries left without members.
func (km *kmeans) update(data, cents []float32, dead []int) []int {
	dim := km.t.dim
	clear(km.sums)
	clear(km.counts)
	for i, a := range km.assign {
		s := km.sums[int(a)*dim : int(a)*dim+dim]
		x := data[i*dim : i*dim+dim]
		x = x[:len(s)]
		for j := range s {
			s[j] += float64(x[j])
		}
		km.counts[a]++
	}
	dead = dead[:0]
	for c := 0; c < km.k; c++ {
		if km.counts[c] == 0 {
			dead = append(dead, c)
			continue
		}
		inv := 1 / float64(km.counts[c])
		s := km.sums[c*dim : c*dim+dim]
		e := cents[c*dim : c*dim+dim]
		for j := range e {
			e[j] = float32(s[j] * inv)
		}
	}
	return dead
}

// revive re-seeds each dead entry at one of the vectors with the largest
// current error, slightly perturbed, so it takes over part of a crowded
// cluster.
func (km *kmeans) revive(data, cents []float32, dead []int) {
	km.t.reseed(cents, dead, worstFirst(km.err, len(dead)), data, km.err)
}

// worstFirst returns the indices of the n largest values of err, largest
// first, ties by index, for a deterministic pairing.
func worstFirst(err []float32, n int) []int {
	h := &errHeap{err: err}
	for i, e := range err {
		if len(h.idx) < n {
			heap.Push(h, i)
		} else if n > 0 && e > err[h.idx[0]] {
			h.idx[0] = i
			heap.Fix(h, 0)
		}
	}
	worst := h.idx
	sortSlice(worst, func(a, b int) bool {
		if err[a] != err[b] {
			return err[a] > err[b]
		}
		return a < b
	})
	return worst
}

// reseed moves dead[q] onto vector worst[q] of data, perturbed by 1 % of
// that vector's RMS error err, and returns how many entries moved.
func (t *trainer) reseed(cents []float32, dead, worst []int, data []float32, err []float32) int {
	dim := t.dim
	moved := 0
	for q, c := range dead {
		if q >= len(worst) {
			break
		}
		p := worst[q]
		spread := 0.01 * math.Sqrt(float64(err[p])/float64(dim))
		e := cents[c*dim : c*dim+dim]
		x := data[p*dim : p*dim+dim]
		for j := range e {
			e[j] = x[j] + float32(spread*(2*t.rng.Float64()-1))
		}
		moved++
	}
	return moved
}

// lloyd runs at most maxIter Lloyd updates from cents (updated in place),
// stopping when the relative distortion change falls below tol. On return
// assign/err describe the final entries. It returns the updates run and the
// entries revived.
func (km *kmeans) lloyd(data, cents []float32, maxIter int, tol float64, revive bool, progress func(int, float64)) (iters, revived int) {
	km.assignAll(data, cents, false)
	d := km.distortion()
	var dead []int
	for it := 1; it <= maxIter; it++ {
		copy(km.old, cents)
		dead = km.update(data, cents, dead)
		nr := 0
		if revive && len(dead) > 0 {
			km.revive(data, cents, dead)
			nr = len(dead)
			revived += nr
		}
		km.shifts(km.old, cents)
		km.assignAll(data, cents, true)
		nd := km.distortion()
		iters = it
		if km.t.cancelled() {
			break
		}
		if progress != nil {
			progress(it, nd)
		}
		conv := nr == 0 && d > 0 && (d-nd) < tol*d
		d = nd
		if conv || d == 0 {
			break
		}
	}
	return iters, revived
}

// errHeap is a min-heap of vector indices keyed by err (lowest error, then
// highest index, on top), used to keep the largest errors.
type errHeap struct {
	idx []int
	err []float32
}

func (h *errHeap) Len() int { return len(h.idx) }
func (h *errHeap) Less(a, b int) bool {
	ea, eb := h.err[h.idx[a]], h.err[h.idx[b]]
	if ea != eb {
		return ea < eb
	}
	return h.idx[a] > h.idx[b]
}
func (h *errHeap) Swap(a, b int) { h.idx[a], h.idx[b] = h.idx[b], h.idx[a] }
func (h *errHeap) Push(x any)    { h.idx = append(h.idx, x.(int)) }
func (h *errHeap) Pop() any {
	x := h.idx[len(h.idx)-1]
	h.idx = h.idx[:len(h.idx)-1]
	return x
}

// sortSlice sorts x by a strict total order (so the result is unique).
func sortSlice(x []int, less func(a, b int) bool) {
	slices.SortFunc(x, func(a, b int) int {
		switch {
		case less(a, b):
			return -1
		case less(b, a):
			return 1
		}
		return 0
	})
}
