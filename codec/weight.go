package codec

import (
	"math"
	"slices"
	"sync"

	"github.com/vqspeak/vqspeak/features"
	"github.com/vqspeak/vqspeak/rvq"
)

// The encoder's perceptual weighting (issue 11). A mel-cepstrum's squared
// Euclidean distance is the squared log-spectral distance averaged over the
// warped frequency axis, on which, at α = 0.42, 3–8 kHz takes a third. PESQ-NB
// hears only 0.3–3.4 kHz and PESQ-WB weighs the band above least, so the
// encoder's RVQ search weights the log-spectral error at f by envWeight(f):
// it chooses among the same codes, so the packets' format, the codebook and
// the decoder are unchanged (README, "Perceptual weighting in the encoder").
const (
	weightFrom = 3000.0 // Hz: full weight below
	weightTo   = 4000.0 // Hz: weightHigh from here up, linear in between
	weightHigh = 0.25
)

// envWeight is the weight of the squared log-spectral error at f Hz.
func envWeight(f float64) float64 {
	switch {
	case f <= weightFrom:
		return 1
	case f >= weightTo:
		return weightHigh
	}
	return 1 + (f-weightFrom)/(weightTo-weightFrom)*(weightHigh-1)
}

// warpedGrid calls fn for n points evenly spaced on the warped axis (0, π),
// with the point's warped angle and its frequency in Hz.
func warpedGrid(n int, fn func(wt, f float64)) {
	a := features.MCepAlpha
	for k := range n {
		wt := (float64(k) + 0.5) * math.Pi / float64(n)
		w := wt - 2*math.Atan(a*math.Sin(wt)/(1+a*math.Cos(wt))) // the inverse warping
		fn(wt, w/math.Pi*SampleRate/2)
	}
}

const weightGrid = 4096 // points of the numerical integrals

// weightGram is M with M_ij = 2/π ∫₀^π W(f(ω̃)) cos(iω̃) cos(jω̃) dω̃,
// i, j = 1..EnvelopeDim: the weighted squared log-spectral distance of a
// change Δc of c1..c24 is ΔcᵀMΔc/2 (the identity when W is 1), row-major.
func weightGram(weight func(f float64) float64) []float64 {
	const d = EnvelopeDim
	m := make([]float64, d*d)
	var cs [d]float64
	warpedGrid(weightGrid, func(wt, f float64) {
		g := weight(f) * 2 / weightGrid
		for i := range cs {
			cs[i] = math.Cos(float64(i+1) * wt)
		}
		for i := range d {
			for j := i; j < d; j++ {
				m[i*d+j] += g * cs[i] * cs[j]
			}
		}
	})
	for i := range d {
		for j := range i {
			m[i*d+j] = m[j*d+i]
		}
	}
	return m
}

// cholesky returns the upper-triangular U with UᵀU = m (d × d, row-major,
// positive definite): Lᵀ of choleskyLower's factor, as float32.
func cholesky(m []float64, d int) []float32 {
	a := slices.Clone(m)
	if !choleskyLower(a, d) {
		panic("codec: the weighting's Gram matrix is not positive definite")
	}
	u := make([]float32, d*d)
	for i := range d {
		for j := i; j < d; j++ {
			u[i*d+j] = float32(a[j*d+i])
		}
	}
	return u
}

// choleskyLower factors the symmetric positive-definite n × n matrix a
// (row-major) in place into L with L Lᵀ = a, L in the lower triangle (the
// upper triangle is left as it was). It reports false when a is not
// positive definite. The encoder's weighting and the envelope model's
// training both solve with it.
func choleskyLower(a []float64, n int) bool {
	for j := range n {
		s := a[j*n+j]
		for k := range j {
			s -= a[j*n+k] * a[j*n+k]
		}
		if !(s > 0) {
			return false
		}
		a[j*n+j] = math.Sqrt(s)
		for i := j + 1; i < n; i++ {
			s := a[i*n+j]
			for k := range j {
				s -= a[i*n+k] * a[j*n+k]
			}
			a[i*n+j] = s / a[j*n+j]
		}
	}
	return true
}

// weighting is the factor U of the encoder's weighted distance |UΔc|²,
// shared by every encoder.
var weighting = sync.OnceValue(func() []float32 {
	return cholesky(weightGram(envWeight), EnvelopeDim)
})

// applyUpper replaces x by Ux in place (U upper triangular, so row i reads
// only x[i:], which is not yet overwritten).
func applyUpper(x, u []float32) {
	d := len(x)
	for i := range d {
		row := u[i*d+i : i*d+d]
		var s float32
		for j, v := range row {
			s += v * x[i+j]
		}
		x[i] = s
	}
}

// envSearcher is the encoder's RVQ search under the weighted distance: an
// rvq.Searcher over a copy of the codebook whose entries are multiplied by
// U, given the target multiplied by U. The indices it returns are for the
// original codebook (U is linear, so a residual path's distance is the same
// in both). It allocates only in newEnvSearcher.
type envSearcher struct {
	s *rvq.Searcher
	u []float32
	x []float32
}

// searchWeighting is the factor U the encoder searches cb under, or nil
// for a codebook searched unweighted: one with its own normalisation or
// distance weights (the codec's never have them). The encoder's search, the
// pad stages and their training all follow it.
func searchWeighting(cb *rvq.Codebook) []float32 {
	if cb.Dim != EnvelopeDim || cb.Mean != nil || cb.Scale != nil || cb.Weights != nil {
		return nil
	}
	return weighting()
}

// newEnvSearcher makes the search of cb, weighted as searchWeighting says.
func newEnvSearcher(cb *rvq.Codebook, beam int) *envSearcher {
	u := searchWeighting(cb)
	if u == nil {
		return &envSearcher{s: rvq.NewSearcher(cb, beam)}
	}
	return &envSearcher{s: rvq.NewSearcher(weightedCodebook(cb), beam), u: u, x: make([]float32, EnvelopeDim)}
}

// lastWeighted caches the weighted copy of the last codebook weighted, for
// the encoders of a program, which nearly always share one codebook's
// values (DefaultCodebook returns a new copy each time): making the copy
// takes several times as long as the rest of NewEncoder.
var lastWeighted struct {
	sync.Mutex
	src, w *rvq.Codebook // src: a copy of the codebook w was made from
}

// weightedCodebook returns a codebook whose entries are cb's multiplied by
// U. It is read-only and may be shared.
func weightedCodebook(cb *rvq.Codebook) *rvq.Codebook {
	c := &lastWeighted
	c.Lock()
	defer c.Unlock()
	if c.src != nil && sameEntries(c.src, cb) {
		return c.w
	}
	u := weighting()
	w := cb.Clone()
	d := cb.Dim
	for _, st := range w.Stages {
		for e := 0; e+d <= len(st); e += d {
			applyUpper(st[e:e+d], u)
		}
	}
	c.src, c.w = cb.Clone(), w
	return w
}

// sameEntries reports whether a and b have the same shape and entries.
func sameEntries(a, b *rvq.Codebook) bool {
	if a.Dim != b.Dim || a.Size != b.Size || len(a.Stages) != len(b.Stages) {
		return false
	}
	for s := range a.Stages {
		if !slices.Equal(a.Stages[s], b.Stages[s]) {
			return false
		}
	}
	return true
}

// Encode is rvq.Searcher.Encode under the weighted distance.
func (e *envSearcher) Encode(idx []int, x []float32, stages int) float32 {
	if e.u == nil {
		return e.s.Encode(idx, x, stages)
	}
	copy(e.x, x)
	applyUpper(e.x, e.u)
	return e.s.Encode(idx, e.x, stages)
}

// WeightEnvelopes multiplies every EnvelopeDim-vector of v (as
// EnvelopeVectors makes them) by the factor U of the encoder's weighted
// distance, in place: plain squared distances between the results are the
// weighted distances the encoder searches with. k-means on them is k-means
// under that distance, and UnweightCodebook maps its centroids back
// exactly (`vqspeak train -weighted`).
func WeightEnvelopes(v []float32) {
	u := weighting()
	for i := 0; i+EnvelopeDim <= len(v); i += EnvelopeDim {
		applyUpper(v[i:i+EnvelopeDim], u)
	}
}

// UnweightCodebook multiplies every entry of cb, a codebook trained on
// vectors WeightEnvelopes weighted, by U⁻¹ in place, so that it codes
// envelopes as the encoder forms them (the encoder multiplies them by U
// again to search).
func UnweightCodebook(cb *rvq.Codebook) {
	u := weighting()
	d := EnvelopeDim
	for _, st := range cb.Stages {
		for e := 0; e+d <= len(st); e += d {
			solveUpper(st[e:e+d], u)
		}
	}
}
