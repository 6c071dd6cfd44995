// Package rvq is a residual vector quantizer: codebooks, greedy and beam
// (M-best) encoding, k-means training with k-means++ or LBG seeding, dead-code
// revival and joint stage refinement, utilisation statistics and a versioned,
// checksummed codebook file format.
//
// The package knows nothing about audio: vectors are rows of float32 of a
// fixed dimension. A Codebook carries its own affine normalisation and
// per-dimension distance weights so that callers pass vectors in their own
// (feature) units and all distances are computed in normalised, weighted
// units.
package rvq

import (
	"errors"
	"fmt"
	"math"
)

// Limits on codebook shape; the file reader refuses anything larger, so a
// corrupt header can never ask for an absurd allocation.
const (
	MaxDim    = 1024
	MaxSize   = 65536
	MaxStages = 16
	MaxMeta   = 1 << 16 // bytes of Meta
	MaxBeam   = 256
)

// Errors returned by the package. Callers match them with errors.Is; the
// returned errors wrap them with context (which field, which offset).
var (
	ErrBadMagic   = errors.New("rvq: not a codebook file (bad magic)")
	ErrVersion    = errors.New("rvq: unsupported codebook file version")
	ErrChecksum   = errors.New("rvq: codebook checksum mismatch")
	ErrTruncated  = errors.New("rvq: codebook data truncated")
	ErrCorrupt    = errors.New("rvq: corrupt codebook data")
	ErrInvalid    = errors.New("rvq: invalid codebook")
	ErrIndexRange = errors.New("rvq: index out of range")
	ErrOptions    = errors.New("rvq: invalid training options")
	ErrData       = errors.New("rvq: unusable training data")
)

// Codebook is a set of residual stages. Entry i of stage s is
// Stages[s][i*Dim:(i+1)*Dim]. Quantisation happens in normalised units
// x_n = (x-Mean)/Scale (nil Mean/Scale mean 0/1), and distances are
// sum_j Weights[j]*(a_j-b_j)² (nil Weights mean all 1).
//
// A Codebook is read-only once built: any number of goroutines, Searchers,
// encoders and decoders may share one (it must not be modified meanwhile).
type Codebook struct {
	Dim, Size int
	Mean      []float32
	Scale     []float32
	Weights   []float32
	Stages    [][]float32 // each Size*Dim, row-major
	Meta      string      // free-form: what the vectors are
}

// NumStages returns the number of residual stages.
func (cb *Codebook) NumStages() int { return len(cb.Stages) }

// Entry returns entry i of the given stage (a view, not a copy).
func (cb *Codebook) Entry(stage, i int) []float32 {
	return cb.Stages[stage][i*cb.Dim : (i+1)*cb.Dim : (i+1)*cb.Dim]
}

// Validate reports whether the codebook is well-formed: shape within the
// limits, every slice the right length, all values finite, Scale non-zero
// and Weights non-negative.
func (cb *Codebook) Validate() error {
	if cb == nil {
		return fmt.Errorf("%w: nil", ErrInvalid)
	}
	if cb.Dim < 1 || cb.Dim > MaxDim {
		return fmt.Errorf("%w: dim %d outside [1,%d]", ErrInvalid, cb.Dim, MaxDim)
	}
	if cb.Size < 1 || cb.Size > MaxSize {
		return fmt.Errorf("%w: size %d outside [1,%d]", ErrInvalid, cb.Size, MaxSize)
	}
	if len(cb.Stages) < 1 || len(cb.Stages) > MaxStages {
		return fmt.Errorf("%w: %d stages outside [1,%d]", ErrInvalid, len(cb.Stages), MaxStages)
	}
	if len(cb.Meta) > MaxMeta {
		return fmt.Errorf("%w: meta is %d bytes, limit %d", ErrInvalid, len(cb.Meta), MaxMeta)
	}
	for _, v := range []struct {
		name string
		x    []float32
	}{{"mean", cb.Mean}, {"scale", cb.Scale}, {"weights", cb.Weights}} {
		if v.x == nil {
			continue
		}
		if len(v.x) != cb.Dim {
			return fmt.Errorf("%w: %s has %d values, dim is %d", ErrInvalid, v.name, len(v.x), cb.Dim)
		}
		if i := firstNonFinite(v.x); i >= 0 {
			return fmt.Errorf("%w: %s[%d] is not finite", ErrInvalid, v.name, i)
		}
	}
	for j, s := range cb.Scale {
		if s == 0 {
			return fmt.Errorf("%w: scale[%d] is zero", ErrInvalid, j)
		}
	}
	for j, w := range cb.Weights {
		if w < 0 {
			return fmt.Errorf("%w: weights[%d] is negative", ErrInvalid, j)
		}
	}
	for s, st := range cb.Stages {
		if len(st) != cb.Size*cb.Dim {
			return fmt.Errorf("%w: stage %d has %d values, want %d", ErrInvalid, s, len(st), cb.Size*cb.Dim)
		}
		if i := firstNonFinite(st); i >= 0 {
			return fmt.Errorf("%w: stage %d value %d is not finite", ErrInvalid, s, i)
		}
	}
	return nil
}

func firstNonFinite(x []float32) int {
	for i, v := range x {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return i
		}
	}
	return -1
}

func grow(dst []float32, n int) []float32 {
	if cap(dst) < n {
		return make([]float32, n)
	}
	return dst[:n]
}

// Normalize writes (x-Mean)/Scale into dst (allocated if too small) and
// returns it. dst may alias x.
func (cb *Codebook) Normalize(dst, x []float32) []float32 {
	d := cb.Dim
	x = x[:d]
	dst = grow(dst, d)
	copy(dst, x)
	if cb.Mean != nil {
		m := cb.Mean[:d]
		for j := range dst {
			dst[j] -= m[j]
		}
	}
	if cb.Scale != nil {
		s := cb.Scale[:d]
		for j := range dst {
			dst[j] /= s[j]
		}
	}
	return dst
}

// Denormalize writes xn*Scale+Mean into dst (allocated if too small) and
// returns it. dst may alias xn.
func (cb *Codebook) Denormalize(dst, xn []float32) []float32 {
	d := cb.Dim
	xn = xn[:d]
	dst = grow(dst, d)
	copy(dst, xn)
	if cb.Scale != nil {
		s := cb.Scale[:d]
		for j := range dst {
			dst[j] *= s[j]
		}
	}
	if cb.Mean != nil {
		m := cb.Mean[:d]
		for j := range dst {
			dst[j] += m[j]
		}
	}
	return dst
}

// Valid reports whether idx can be decoded: at most NumStages indices, each
// in [0,Size).
func (cb *Codebook) Valid(idx []int) bool {
	if len(idx) > len(cb.Stages) {
		return false
	}
	for _, i := range idx {
		if uint(i) >= uint(cb.Size) {
			return false
		}
	}
	return true
}

// DecodeNormalized writes the sum of the entries named by idx (one per stage,
// len(idx) stages) into dst in normalised units. It is safe for concurrent use
// and allocates only if dst is too small.
func (cb *Codebook) DecodeNormalized(dst []float32, idx []int) ([]float32, error) {
	if len(idx) > len(cb.Stages) {
		return dst, fmt.Errorf("%w: %d indices for %d stages", ErrIndexRange, len(idx), len(cb.Stages))
	}
	d := cb.Dim
	dst = grow(dst, d)
	clear(dst)
	for s, i := range idx {
		if uint(i) >= uint(cb.Size) {
			return dst, fmt.Errorf("%w: stage %d index %d, size %d", ErrIndexRange, s, i, cb.Size)
		}
		e := cb.Stages[s][i*d : i*d+d]
		e = e[:len(dst)]
		for j := range dst {
			dst[j] += e[j]
		}
	}
	return dst, nil
}

// Decode writes the reconstruction of idx (the first len(idx) stages) into
// dst in feature units and returns it. Fewer indices than stages give the
// coarser reconstruction, which is what bitrate scaling needs. It is safe for
// concurrent use, allocates only if dst is too small, and returns
// ErrIndexRange (dst unspecified) for an index outside the codebook.
func (cb *Codebook) Decode(dst []float32, idx []int) ([]float32, error) {
	dst, err := cb.DecodeNormalized(dst, idx)
	if err != nil {
		return dst, err
	}
	return cb.Denormalize(dst, dst), nil
}

// Clone returns a deep copy.
func (cb *Codebook) Clone() *Codebook {
	c := &Codebook{Dim: cb.Dim, Size: cb.Size, Meta: cb.Meta}
	cp := func(x []float32) []float32 {
		if x == nil {
			return nil
		}
		return append([]float32(nil), x...)
	}
	c.Mean, c.Scale, c.Weights = cp(cb.Mean), cp(cb.Scale), cp(cb.Weights)
	c.Stages = make([][]float32, len(cb.Stages))
	for s := range cb.Stages {
		c.Stages[s] = cp(cb.Stages[s])
	}
	return c
}

// weightsOrOnes returns the distance weights, all ones when nil.
func (cb *Codebook) weightsOrOnes() []float32 {
	if cb.Weights != nil {
		return cb.Weights
	}
	w := make([]float32, cb.Dim)
	for j := range w {
		w[j] = 1
	}
	return w
}
