package rvq

import (
	"math"
	"runtime"
)

// StageStats describes a codebook on a data set after 1..Stage+1 stages.
type StageStats struct {
	Stage       int
	Used        int     // entries of this stage chosen at least once
	Utilisation float64 // Used / Size
	Perplexity  float64 // exp(entropy) of this stage's index histogram, in [1,Size]
	// Distortion after stages 0..Stage: per-component mean weighted squared
	// error in normalised units.
	Distortion float64
	RMSE       float64 // after stages 0..Stage, unweighted, in feature units
	// MeanError is the mean over vectors of the unweighted Euclidean norm of
	// the error after stages 0..Stage, in feature units. Per-vector norms
	// averaged (rather than RMSE) is how frame-wise distances such as
	// mel-cepstral distortion are defined.
	MeanError float64
}

// Stats encodes every vector of data (len(data)/Dim vectors; a trailing
// partial vector is ignored) with the first stages stages and the given beam
// and reports, per stage, how the entries are used and the error of the
// reconstruction truncated after that stage. stages is clamped to
// [1,NumStages]. cb must be valid. The work is spread over GOMAXPROCS
// goroutines; sums are reduced in a fixed order, so the result does not
// depend on it.
func Stats(cb *Codebook, data []float32, stages, beam int) []StageStats {
	stages = min(max(stages, 1), cb.NumStages())
	d := cb.Dim
	n := len(data) / d
	nc := (n + chunk - 1) / chunk
	t := &trainer{dim: d, n: n, workers: runtime.GOMAXPROCS(0)}
	hist := make([]int64, stages*cb.Size)
	sqN := make([]float64, nc*stages) // per chunk and stage: weighted, normalised
	sqF := make([]float64, nc*stages) // unweighted, feature units
	nF := make([]float64, nc*stages)  // sum of per-vector error norms
	type scratch struct {
		s           *Searcher
		idx         []int
		hist        []int64
		xn, rn, rec []float32
	}
	ws := make([]*scratch, t.workers)
	for k := range ws {
		ws[k] = &scratch{s: NewSearcher(cb, beam), idx: make([]int, stages), hist: make([]int64, stages*cb.Size),
			xn: make([]float32, d), rn: make([]float32, d), rec: make([]float32, d)}
	}
	t.parallel(n, func(k, lo, hi int) {
		sc := ws[k]
		c := lo / chunk
		cn, cf, cm := sqN[c*stages:(c+1)*stages], sqF[c*stages:(c+1)*stages], nF[c*stages:(c+1)*stages]
		for i := lo; i < hi; i++ {
			x := data[i*d : i*d+d]
			sc.s.Encode(sc.idx, x, stages)
			cb.Normalize(sc.xn, x)
			copy(sc.rn, sc.xn)
			for st := 0; st < stages; st++ {
				sc.hist[st*cb.Size+sc.idx[st]]++
				subEntry(sc.rn, cb.Stages[st], sc.idx[st])
				cn[st] += float64(wnorm(sc.rn, sc.s.w))
				for j := range sc.rec {
					sc.rec[j] = sc.xn[j] - sc.rn[j]
				}
				cb.Denormalize(sc.rec, sc.rec)
				var v2 float64
				for j, v := range sc.rec {
					e := float64(x[j]) - float64(v)
					v2 += e * e
				}
				cf[st] += v2
				cm[st] += math.Sqrt(v2)
			}
		}
	})
	for _, sc := range ws {
		for i, h := range sc.hist {
			hist[i] += h
		}
	}
	out := make([]StageStats, stages)
	for st := range out {
		o := StageStats{Stage: st}
		var ent, sn, sf, sm float64
		for c := 0; c < nc; c++ {
			sn += sqN[c*stages+st]
			sf += sqF[c*stages+st]
			sm += nF[c*stages+st]
		}
		for _, c := range hist[st*cb.Size : (st+1)*cb.Size] {
			if c == 0 {
				continue
			}
			o.Used++
			p := float64(c) / float64(n)
			ent -= p * math.Log(p)
		}
		o.Utilisation = float64(o.Used) / float64(cb.Size)
		o.Perplexity = math.Exp(ent)
		if n > 0 {
			o.Distortion = sn / float64(n*d)
			o.RMSE = math.Sqrt(sf / float64(n*d))
			o.MeanError = sm / float64(n)
		}
		out[st] = o
	}
	return out
}
