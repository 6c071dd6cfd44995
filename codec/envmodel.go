package codec

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sync"

	_ "embed"

	"github.com/vqspeak/vqspeak/features"
	"github.com/vqspeak/vqspeak/rvq"
)

// The envelope model: a packet carries one envelope, its end frame's, and
// the decoder used to give the middle frame the mean of the previous and
// this end envelope. Unquantised, that decimation alone costs 0.14 PESQ-WB.
// The model instead estimates the middle envelope from everything the
// decoder already has: the decoded end envelopes of this and the two
// previous packets and the decoded energies, pitch and voicing. It is
// linear (ridge regression, one matrix per stage count, trained by
// "vqspeak train -envmodel"), costs envIn·envOut multiply-adds a packet and
// changes no bit of the bitstream.
//
// It corrects the middle frame only, and only by a share (EnvelopeModelBlend)
// of the least-squares estimate: on the dev subset of the test set the full
// estimate and an end-frame correction lowered PESQ-WB although they lowered
// the envelope error (a least-squares estimate is smoother than speech).

const (
	// envSide is the number of scalar side inputs (see envInputs).
	envSide = 8
	// envIn is the length of the model's input: a constant 1, the three
	// envelopes, the side inputs and the energy-weighted envelope step.
	envIn = 1 + 3*EnvelopeDim + envSide + EnvelopeDim
	// envOut is the length of its output: the middle frame's envelope less
	// the mean of its neighbours'.
	envOut = EnvelopeDim
)

// envInputs fills x with the model's input for a packet: pp and p are the
// decoded end envelopes (c0..c24) of the packets two and one before, pVoiced
// whether the previous end frame was voiced, mid and end the decoded frames
// of this packet before the model is applied.
func envInputs(x *[envIn]float32, pp, p *[features.MCepOrder + 1]float32, pVoiced bool, mid, end *features.Frame) {
	x[0] = 1
	k := 1
	for i := 1; i <= EnvelopeDim; i++ {
		x[k] = pp[i]
		x[k+EnvelopeDim] = p[i]
		x[k+2*EnvelopeDim] = end.MCep[i]
		k++
	}
	k += 2 * EnvelopeDim
	pe, me, ee := p[0], mid.MCep[0], end.MCep[0]
	// w is where the middle frame's energy lies between its neighbours'
	// (0: at the previous frame's, 1: at this one's), where they differ
	// enough to say: at an onset or offset the envelope moves with it.
	var w float32
	if s := ee - pe; s > 0.5 || s < -0.5 {
		w = min(max((me-pe)/s, 0), 1) - 0.5
	}
	side := [envSide]float32{
		me - 0.5*(pe+ee),
		ee - pe,
		ee / 4,
		w,
		b2f(pVoiced),
		b2f(mid.F0 > 0),
		b2f(end.F0 > 0),
		voicingMean(&mid.Voicing) - voicingMean(&end.Voicing),
	}
	k += copy(x[k:], side[:])
	for i := 1; i <= EnvelopeDim; i++ {
		x[k] = w * (end.MCep[i] - p[i])
		k++
	}
}

func b2f(b bool) float32 {
	if b {
		return 1
	}
	return 0
}

func voicingMean(v *[features.NumVoicingBands]float32) float32 {
	var s float32
	for _, b := range v {
		s += b
	}
	return s / features.NumVoicingBands
}

// envModel holds one envOut × envIn matrix per stage count.
type envModel struct {
	w [][envOut * envIn]float32 // w[stages-1], row-major by output
}

// apply replaces the envelope (c1..c24) of mid, the middle frame decoded
// from a packet of the given stage count, by the model's estimate; end is
// the packet's end frame, p the previous packet's end envelope, pp the one
// before. Speech-free middle frames (which the model is not trained on) are
// left alone.
func (m *envModel) apply(stages int, pp, p *[features.MCepOrder + 1]float32, pVoiced bool, mid, end *features.Frame) {
	if m == nil || stages < 1 || stages > len(m.w) || mid.MCep[0] < silenceEnergy {
		return
	}
	var x [envIn]float32
	envInputs(&x, pp, p, pVoiced, mid, end)
	w := &m.w[stages-1]
	for o := range envOut {
		row := w[o*envIn : (o+1)*envIn]
		var y float32
		for i, v := range x {
			y += row[i] * v
		}
		mid.MCep[o+1] = 0.5*(p[o+1]+end.MCep[o+1]) + y
	}
}

// ridge solves min |XW − Y|² + λ Σ_i d_i |W_i|² for W (envIn × envOut) from
// xtx = XᵀX (envIn × envIn) and xty = XᵀY, with d_i = (XᵀX)_ii so that the
// penalty does not depend on the inputs' scales; the constant input (0) is
// not penalised. It returns the transpose, row-major by output, and false if
// the system is singular.
func ridge(xtx, xty []float64, lambda float64) ([]float32, bool) {
	n := envIn
	a := make([]float64, n*n)
	copy(a, xtx)
	for i := 1; i < n; i++ {
		a[i*n+i] += lambda*xtx[i*n+i] + 1e-9
	}
	if !choleskyLower(a, n) { // a = L Lᵀ, L in the lower triangle
		return nil, false
	}
	w := make([]float32, envOut*envIn)
	z := make([]float64, n)
	for o := range envOut {
		for i := range n { // L z = b
			s := xty[i*envOut+o]
			for k := range i {
				s -= a[i*n+k] * z[k]
			}
			z[i] = s / a[i*n+i]
		}
		for i := n - 1; i >= 0; i-- { // Lᵀ w = z
			s := z[i]
			for k := i + 1; k < n; k++ {
				s -= a[k*n+i] * z[k]
			}
			z[i] = s / a[i*n+i]
		}
		for i := range n {
			w[o*envIn+i] = float32(z[i])
		}
	}
	return w, true
}

// EnvelopeModelStats accumulates the normal equations of the envelope
// model from training rows (EnvelopeModelRows), one set per stage count.
type EnvelopeModelStats struct {
	xtx, xty [][]float64 // per stage count: XᵀX (envIn²), XᵀY (envIn × envOut)
	yty      [][]float64 // per stage count: Σ y² per output
	n        []int       // rows per stage count
}

// NewEnvelopeModelStats makes empty statistics for rows of up to stages
// stage counts.
func NewEnvelopeModelStats(stages int) *EnvelopeModelStats {
	s := &EnvelopeModelStats{}
	for range stages {
		s.xtx = append(s.xtx, make([]float64, envIn*envIn))
		s.xty = append(s.xty, make([]float64, envIn*envOut))
		s.yty = append(s.yty, make([]float64, envOut))
		s.n = append(s.n, 0)
	}
	return s
}

// EnvelopeModelRowLen is the length of one training row.
const EnvelopeModelRowLen = envIn + envOut

// Add accumulates rows, which hold whole groups of one row per stage count.
func (s *EnvelopeModelStats) Add(rows []float32) {
	stages := len(s.n)
	var x [envIn]float64
	for r := 0; r+EnvelopeModelRowLen <= len(rows); r += EnvelopeModelRowLen {
		st := (r / EnvelopeModelRowLen) % stages
		row := rows[r : r+EnvelopeModelRowLen]
		for i, v := range row[:envIn] {
			x[i] = float64(v)
		}
		y := row[envIn:]
		xtx, xty, yty := s.xtx[st], s.xty[st], s.yty[st]
		for i, xi := range x {
			if xi == 0 {
				continue
			}
			a := xtx[i*envIn : (i+1)*envIn]
			for j := range a[:i+1] {
				a[j] += xi * x[j]
			}
			b := xty[i*envOut : (i+1)*envOut]
			for o, v := range y {
				b[o] += xi * float64(v)
			}
		}
		for o, v := range y {
			yty[o] += float64(v) * float64(v)
		}
		s.n[st]++
	}
}

// symmetric returns XᵀX of stage count st with its upper triangle filled.
func (s *EnvelopeModelStats) symmetric(st int) []float64 {
	a := make([]float64, envIn*envIn)
	copy(a, s.xtx[st])
	for i := range envIn {
		for j := range i {
			a[j*envIn+i] = a[i*envIn+j]
		}
	}
	return a
}

// EnvelopeModelError is the mean squared envelope error per middle frame
// (summed over c1..c24), without and with a model.
type EnvelopeModelError struct {
	Rows          int
	Before, After float64
}

// Error measures m on the rows accumulated in s, per stage count.
func (s *EnvelopeModelStats) Error(m *EnvelopeModel) []EnvelopeModelError {
	out := make([]EnvelopeModelError, len(s.n))
	for st := range s.n {
		e := &out[st]
		e.Rows = s.n[st]
		if e.Rows == 0 || st >= len(m.w) {
			continue
		}
		a := s.symmetric(st)
		w := &m.w[st]
		for o := range envOut {
			// |Xw − y|² = wᵀ(XᵀX)w − 2 wᵀ(Xᵀy) + yᵀy
			row := w[o*envIn : (o+1)*envIn]
			var q, l float64
			for i := range envIn {
				var ai float64
				for j := range envIn {
					ai += a[i*envIn+j] * float64(row[j])
				}
				q += float64(row[i]) * ai
				l += float64(row[i]) * s.xty[st][i*envOut+o]
			}
			e.Before += s.yty[st][o]
			e.After += s.yty[st][o] + q - 2*l
		}
		e.Before /= float64(e.Rows)
		e.After /= float64(e.Rows)
	}
	return out
}

// EnvelopeModel is the decoder's envelope model (see envmodel.go).
type EnvelopeModel struct {
	envModel
	fp [8]byte // the codebook's fingerprint
}

// EnvelopeModelBlend is the share of the least-squares correction the
// trained model applies (see the top of envmodel.go): on the dev subset
// (every 8th test file) 0.5 raised PESQ-WB and PESQ-NB at 1, 2 and 4 stages,
// 1 lowered PESQ-WB at every stage count.
const EnvelopeModelBlend = 0.5

// EnvelopeModelLambda is the ridge penalty "vqspeak train -envmodel" uses:
// held-out error is flat from 1e-4 to 1e-2.
const EnvelopeModelLambda = 1e-3

// Solve fits the model to the statistics by ridge regression with
// penalty lambda (relative to each input's energy) and scales the fit by
// blend (EnvelopeModelBlend for the embedded model).
func (s *EnvelopeModelStats) Solve(lambda, blend float64) (*EnvelopeModel, error) {
	m := &EnvelopeModel{}
	for st := range s.n {
		w, ok := ridge(s.symmetric(st), s.xty[st], lambda)
		if !ok {
			return nil, fmt.Errorf("codec: envelope model for %d stages: singular system (%d rows)", st+1, s.n[st])
		}
		for i := range w {
			w[i] *= float32(blend)
		}
		m.w = append(m.w, [envOut * envIn]float32(w))
	}
	return m, nil
}

// Rows returns the number of training rows accumulated per stage count.
func (s *EnvelopeModelStats) Rows() []int { return slices.Clone(s.n) }

// defaultEnvModel is trained by "vqspeak train -envmodel" for the embedded
// codebook; README.md gives the command.
//
//go:embed default.vqem
var defaultEnvModel []byte

// DefaultEnvelopeModel returns the embedded envelope model, trained for
// DefaultCodebook.
func DefaultEnvelopeModel() *EnvelopeModel {
	m, err := ParseEnvelopeModel(defaultEnvModel, DefaultCodebook())
	if err != nil {
		panic("codec: embedded envelope model is unusable: " + err.Error()) // a build defect, caught by the tests
	}
	return m
}

// defaultModel is the embedded model and the codebook it was trained for.
// An empty embedded file (only while bootstrapping a new codebook's model)
// means no model.
var defaultModel = sync.OnceValues(func() (*envModel, *rvq.Codebook) {
	if len(defaultEnvModel) == 0 {
		return nil, DefaultCodebook()
	}
	return &DefaultEnvelopeModel().envModel, DefaultCodebook()
})

// modelFor returns the embedded model if cb is (a copy of) the default
// codebook, else nil. It compares the entries, not the fingerprint, so as
// not to encode and hash the codebook for every decoder.
func modelFor(cb *rvq.Codebook) *envModel {
	m, def := defaultModel()
	if cb.Dim != def.Dim || cb.Size != def.Size || len(cb.Stages) != len(def.Stages) ||
		!slices.Equal(cb.Mean, def.Mean) || !slices.Equal(cb.Scale, def.Scale) || !slices.Equal(cb.Weights, def.Weights) {
		return nil
	}
	for s := range cb.Stages {
		if !slices.Equal(cb.Stages[s], def.Stages[s]) {
			return nil
		}
	}
	return m
}

// SetEnvelopeModel makes d estimate middle-frame envelopes with m, which
// must have been trained for d's codebook; nil turns the model off (the
// middle envelope is then its neighbours' mean, as before the model).
// NewDecoder sets DefaultEnvelopeModel when its codebook is the default one.
func (d *Decoder) SetEnvelopeModel(m *EnvelopeModel) error {
	if m == nil {
		d.model = nil
		return nil
	}
	if m.fp != d.cb.Fingerprint() {
		return fmt.Errorf("%w: trained for codebook %x, the decoder's is %x", ErrEnvelopeModel, m.fp, d.cb.Fingerprint())
	}
	d.model = &m.envModel
	return nil
}

// The model file: "VQEM", format version 1, the stage count, envIn and
// envOut (uint16), the codebook fingerprint the model was trained with
// (8 bytes), then the matrices as little-endian float32, stage count 1 first.
const envModelMagic = "VQEM"

// envModelVersion changes whenever the inputs or outputs change meaning.
const envModelVersion = 1

// ErrEnvelopeModel reports a model file that cannot be used.
var ErrEnvelopeModel = errors.New("codec: envelope model not usable")

// marshal encodes m, trained with the codebook of fingerprint fp.
func (m *EnvelopeModel) marshal(fp [8]byte) []byte {
	b := []byte(envModelMagic)
	b = append(b, envModelVersion, byte(len(m.w)))
	b = binary.LittleEndian.AppendUint16(b, envIn)
	b = binary.LittleEndian.AppendUint16(b, envOut)
	b = append(b, fp[:]...)
	for s := range m.w {
		for _, v := range m.w[s] {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
		}
	}
	return b
}

// WriteEnvelopeModel writes m, trained for codebook cb, to w.
func WriteEnvelopeModel(w io.Writer, m *EnvelopeModel, cb *rvq.Codebook) error {
	_, err := w.Write(m.marshal(cb.Fingerprint()))
	return err
}

// ParseEnvelopeModel decodes a model file and checks it against cb: a
// model is only valid for the codebook it was trained with.
func ParseEnvelopeModel(b []byte, cb *rvq.Codebook) (*EnvelopeModel, error) {
	const head = len(envModelMagic) + 2 + 4 + 8
	if len(b) < head || string(b[:4]) != envModelMagic {
		return nil, fmt.Errorf("%w: not an envelope model file", ErrEnvelopeModel)
	}
	if b[4] != envModelVersion {
		return nil, fmt.Errorf("%w: format version %d, this build reads %d", ErrEnvelopeModel, b[4], envModelVersion)
	}
	stages := int(b[5])
	in, out := binary.LittleEndian.Uint16(b[6:]), binary.LittleEndian.Uint16(b[8:])
	if in != envIn || out != envOut || stages < 1 || stages > MaxStages {
		return nil, fmt.Errorf("%w: %d stages of %d×%d, want 1 to %d of %d×%d", ErrEnvelopeModel, stages, out, in, MaxStages, envOut, envIn)
	}
	if fp := cb.Fingerprint(); string(b[10:18]) != string(fp[:]) {
		return nil, fmt.Errorf("%w: trained for codebook %x, not %x", ErrEnvelopeModel, b[10:18], fp)
	}
	if len(b) != head+stages*envIn*envOut*4 {
		return nil, fmt.Errorf("%w: %d bytes, want %d", ErrEnvelopeModel, len(b), head+stages*envIn*envOut*4)
	}
	m := &EnvelopeModel{envModel: envModel{w: make([][envOut * envIn]float32, stages)}}
	copy(m.fp[:], b[10:18])
	p := b[head:]
	for s := range m.w {
		for i := range m.w[s] {
			v := math.Float32frombits(binary.LittleEndian.Uint32(p))
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) || math.Abs(float64(v)) > 1e3 {
				return nil, fmt.Errorf("%w: weight %g out of range", ErrEnvelopeModel, v)
			}
			m.w[s][i] = v
			p = p[4:]
		}
	}
	return m, nil
}
