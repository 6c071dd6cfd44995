package rvq

import "math"

// boundChunk is how many entries scoreBound24 scores between updates of the
// beam's threshold.
const boundChunk = 96

// Searcher encodes vectors against one Codebook. It holds pre-allocated
// scratch so Encode never allocates; it is NOT safe for concurrent use (make
// one per goroutine). It snapshots the entry norms of the codebook: after
// changing the codebook's values, make a new Searcher.
type Searcher struct {
	cb   *Codebook
	beam int
	w    []float32   // distance weights (ones when the codebook has none)
	cn   [][]float32 // per stage, ||c_i||²_w
	ct   [][]float32 // per stage, ||c_i[boundSplit:]||_w (dim == kernelDim only)
	cmax []float32   // per stage, the largest cn
	th   [][]float32 // per stage, transposeHeads (simdHeads only)
	surv []int32     // scratch of scoreBound24
	xn   []float32   // normalised input / greedy residual
	q    []float32   // 2·w·r
	sc   []float32   // scores of one parent against a whole stage

	// beam state: live paths (residuals, index paths, exact distances) and the
	// next generation, swapped each stage; top is the sorted candidate list.
	res, res2     []float32
	path, path2   []int32
	pdist, pdist2 []float32
	topD          []float32
	topP, topE    []int32
}

// NewSearcher prepares a searcher for cb keeping the beam best partial paths
// per stage (beam <= 1 is greedy; beam is capped at MaxBeam). cb must be
// valid (see Codebook.Validate); NewSearcher panics otherwise, since a
// codebook that passed ReadCodebook or Train always is.
func NewSearcher(cb *Codebook, beam int) *Searcher {
	if err := cb.Validate(); err != nil {
		panic(err)
	}
	beam = min(max(beam, 1), MaxBeam)
	d, ns := cb.Dim, cb.NumStages()
	s := &Searcher{cb: cb, beam: beam, w: cb.weightsOrOnes()}
	s.cn = make([][]float32, ns)
	for st := range s.cn {
		s.cn[st] = make([]float32, cb.Size)
		weightedNorms(s.cn[st], cb.Stages[st], s.w, d)
	}
	if d == kernelDim && beam > 1 {
		s.ct = make([][]float32, ns)
		s.cmax = make([]float32, ns)
		for st := range s.ct {
			s.ct[st] = make([]float32, cb.Size)
			tailNorms(s.ct[st], cb.Stages[st], s.w, d)
			for _, v := range s.cn[st] {
				s.cmax[st] = max(s.cmax[st], v)
			}
		}
		s.surv = make([]int32, boundChunk)
		if simdHeads {
			s.th = make([][]float32, ns)
			for st := range s.th {
				s.th[st] = transposeHeads(cb.Stages[st], d, cb.Size)
			}
		}
	}
	s.xn = make([]float32, d)
	s.q = make([]float32, d)
	if beam > 1 {
		s.sc = make([]float32, cb.Size)
		s.res, s.res2 = make([]float32, beam*d), make([]float32, beam*d)
		s.path, s.path2 = make([]int32, beam*ns), make([]int32, beam*ns)
		s.pdist, s.pdist2 = make([]float32, beam), make([]float32, beam)
		s.topD = make([]float32, beam)
		s.topP, s.topE = make([]int32, beam), make([]int32, beam)
	}
	return s
}

// Beam returns the number of paths kept per stage (1 = greedy).
func (s *Searcher) Beam() int { return s.beam }

// Encode quantises x (feature units, len Dim) with the first stages stages,
// writes the chosen entries to idx[:stages] and returns the weighted squared
// error sum_j w_j (xn_j - x̂n_j)² in normalised units. It panics if stages is
// outside [1,NumStages] or idx is shorter than stages.
func (s *Searcher) Encode(idx []int, x []float32, stages int) (dist float32) {
	s.cb.Normalize(s.xn, x)
	return s.encodeNormalized(idx, s.xn, stages)
}

// EncodeNormalized is Encode for a vector already in normalised units.
func (s *Searcher) EncodeNormalized(idx []int, xn []float32, stages int) (dist float32) {
	copy(s.xn, xn[:s.cb.Dim])
	return s.encodeNormalized(idx, s.xn, stages)
}

// encodeNormalized searches for r (which it overwrites with the residual in
// greedy mode).
func (s *Searcher) encodeNormalized(idx []int, r []float32, stages int) float32 {
	if stages < 1 || stages > len(s.cb.Stages) {
		panic("rvq: Encode: stages out of range")
	}
	idx = idx[:stages]
	if s.beam == 1 {
		return s.greedy(idx, r)
	}
	return s.beamSearch(idx, r)
}

func (s *Searcher) greedy(idx []int, r []float32) float32 {
	d := s.cb.Dim
	for st := range idx {
		makeQuery(s.q, r, s.w)
		stage := s.cb.Stages[st]
		i, _ := nearest(s.q, stage, s.cn[st])
		idx[st] = i
		c := stage[i*d : i*d+d]
		c = c[:len(r)]
		for j := range r {
			r[j] -= c[j]
		}
	}
	return wnorm(r, s.w)
}

func (s *Searcher) beamSearch(idx []int, xn []float32) float32 {
	d, ns, m := s.cb.Dim, len(s.cb.Stages), s.beam
	copy(s.res[:d], xn)
	s.pdist[0] = wnorm(xn, s.w)
	live := 1
	// the candidate list in locals, so the scan below keeps them in
	// registers instead of reloading them from s after every store
	topD, topP, topE := s.topD[:m], s.topP[:m], s.topE[:m]
	for st := range idx {
		stage := s.cb.Stages[st]
		n := 0 // candidates in top, sorted by ascending distance
		// once the list is full, the distance a candidate must beat
		full, worst := false, float32(0)
		for p := 0; p < live; p++ {
			r := s.res[p*d : p*d+d]
			makeQuery(s.q, r, s.w)
			base := s.pdist[p]
			bounded := s.ct != nil
			var qt, margin float32
			if bounded {
				qt = 2 * float32(math.Sqrt(float64(wnorm(r[boundSplit:], s.w[boundSplit:]))))
				// the bound and the score are both within a few float32
				// roundings of (sqrt(base)+sqrt(cmax))²; 1e-5 of that is far
				// more than their errors, so a skipped entry's score is
				// >= worst for certain
				m := math.Sqrt(float64(base)) + math.Sqrt(float64(s.cmax[st]))
				margin = float32(1e-5 * m * m)
			} else {
				scoreAll(s.sc, s.q, stage, s.cn[st])
			}
			if !bounded {
				for i, v := range s.sc {
					v += base
					if full && v >= worst {
						continue
					}
					// insert after any equal distance: earlier (parent, entry) wins ties
					k := n
					if n == m {
						k = m - 1
					} else {
						n++
					}
					for k > 0 && topD[k-1] > v {
						topD[k], topP[k], topE[k] = topD[k-1], topP[k-1], topE[k-1]
						k--
					}
					topD[k], topP[k], topE[k] = v, int32(p), int32(i)
					if n == m {
						full, worst = true, topD[m-1]
					}
				}
				continue
			}
			// the same scan over the entries the bound did not skip (a
			// skipped entry's distance is >= worst: the scan would skip it)
			for lo := 0; lo < len(s.sc); lo += boundChunk {
				hi := min(lo+boundChunk, len(s.sc))
				thr := float32(math.Inf(1))
				if full {
					thr = worst - base + margin
				}
				sc := s.sc[lo:hi]
				var th []float32
				if s.th != nil {
					th = s.th[st][lo*boundSplit:] // lo is a multiple of 8
				}
				ns := scoreBound24(sc, s.q, stage[lo*d:hi*d], s.cn[st][lo:hi], s.ct[st][lo:hi], qt, thr, s.surv, th)
				for _, i := range s.surv[:ns] {
					v := sc[i] + base
					if full && v >= worst {
						continue
					}
					k := n
					if n == m {
						k = m - 1
					} else {
						n++
					}
					for k > 0 && topD[k-1] > v {
						topD[k], topP[k], topE[k] = topD[k-1], topP[k-1], topE[k-1]
						k--
					}
					topD[k], topP[k], topE[k] = v, int32(p), i+int32(lo)
					if n == m {
						full, worst = true, topD[m-1]
					}
				}
			}
		}
		for c := 0; c < n; c++ {
			p, e := int(s.topP[c]), int(s.topE[c])
			src := s.res[p*d : p*d+d]
			dst := s.res2[c*d : c*d+d]
			ent := stage[e*d : e*d+d]
			src, ent = src[:len(dst)], ent[:len(dst)]
			for j := range dst {
				dst[j] = src[j] - ent[j]
			}
			copy(s.path2[c*ns:c*ns+st], s.path[p*ns:p*ns+st])
			s.path2[c*ns+st] = int32(e)
			s.pdist2[c] = wnorm(dst, s.w) // exact, so no drift accumulates
		}
		s.res, s.res2 = s.res2, s.res
		s.path, s.path2 = s.path2, s.path
		s.pdist, s.pdist2 = s.pdist2, s.pdist
		live = n
	}
	best := 0
	for p := 1; p < live; p++ {
		if s.pdist[p] < s.pdist[best] {
			best = p
		}
	}
	for st := range idx {
		idx[st] = int(s.path[best*ns+st])
	}
	return s.pdist[best]
}
