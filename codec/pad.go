package codec

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"sync"

	_ "embed"

	"github.com/vqspeak/vqspeak/features"
	"github.com/vqspeak/vqspeak/rvq"
)

// Pad stages: a 20 ms packet is 24 side bits and B bits per RVQ stage,
// zero-padded to a whole byte, so with the default 10-bit codebook 1, 2 and
// 3 stages leave 6, 4 and 2 bits that used to be zero. A pad book spends
// them on one more, small residual stage for the end envelope: 2^bits
// entries trained (by "vqspeak train -pad") on what the encoder's search
// leaves after that many stages, under the encoder's weighted distance.
// Entry 0 is the zero vector, so a pad field of 0 means "no correction"
// and every packet made before pad books existed decodes as it did.

// PadBits is how many bits a 20 ms packet with the given stage count has
// left over after its indices, for a codebook of 2^indexBits entries.
func PadBits(stages, indexBits int) int {
	return PacketSize(stages, indexBits)*8 - sideBits - stages*indexBits
}

// maxPadBits bounds the pad field (and a pad stage's size, 2^maxPadBits).
const maxPadBits = 7

// PadBook holds the pad stage of each stage count: the entries added to the
// decoded envelope residual. It is tied to the codebook it was trained for
// (by its fingerprint).
type PadBook struct {
	fp [8]byte // the codebook's fingerprint
	id [8]byte // the book's own: see Fingerprint
	// e[s-1] holds 2^bits entries of EnvelopeDim values for packets of s
	// stages, entry 0 zero; nil: that stage count has no pad stage.
	e [MaxStages][]float32
}

// Bits is the pad field's width for packets of the given stage count, 0
// when the book has no pad stage for them.
func (b *PadBook) Bits(stages int) int {
	if b == nil || stages < 1 || stages > MaxStages || b.e[stages-1] == nil {
		return 0
	}
	return bitsFor(len(b.e[stages-1]) / EnvelopeDim)
}

func bitsFor(n int) int {
	k := 0
	for 1<<k < n {
		k++
	}
	return k
}

// CodebookFingerprint is the fingerprint of the codebook the pad book was
// trained for.
func (b *PadBook) CodebookFingerprint() [8]byte { return b.fp }

// Fingerprint identifies the pad book: the first 8 bytes of the SHA-256 of
// its file (WritePadBook). A .vqs file made with a pad book names it.
func (b *PadBook) Fingerprint() [8]byte { return b.id }

// add adds pad entry k of stage count s to env; it reports whether the book
// has that entry (entry 0, no correction, is always there).
func (b *PadBook) add(env []float32, s, k int) bool {
	if k == 0 {
		return true
	}
	if b == nil || s < 1 || s > MaxStages || (k+1)*EnvelopeDim > len(b.e[s-1]) {
		return false
	}
	for i, v := range b.e[s-1][k*EnvelopeDim : (k+1)*EnvelopeDim] {
		env[i] += v
	}
	return true
}

// ErrPadBook reports a pad book that cannot be used.
var ErrPadBook = errors.New("codec: pad book not usable")

// The pad book file: "VQPD", format version 1, the codebook fingerprint
// (8 bytes), then for each stage count 1 to MaxStages its pad width (one
// byte, 0 for none) followed by entries 1 to 2^bits−1 (entry 0 is zero and
// not stored) as little-endian float32, EnvelopeDim each.
const (
	padMagic   = "VQPD"
	padVersion = 1
)

// WritePadBook writes b to w.
func WritePadBook(w io.Writer, b *PadBook) error {
	_, err := w.Write(b.marshal())
	return err
}

// marshal is the file form of b.
func (b *PadBook) marshal() []byte {
	out := append([]byte(padMagic), padVersion)
	out = append(out, b.fp[:]...)
	for s := range MaxStages {
		bits := b.Bits(s + 1)
		out = append(out, byte(bits))
		if bits == 0 {
			continue
		}
		for _, v := range b.e[s][EnvelopeDim:] {
			out = binary.LittleEndian.AppendUint32(out, math.Float32bits(v))
		}
	}
	return out
}

// setID computes b's fingerprint.
func (b *PadBook) setID() {
	h := sha256.Sum256(b.marshal())
	copy(b.id[:], h[:])
}

// ParsePadBook decodes a pad book file and checks it against cb: a pad book
// is only valid for the codebook it was trained with, and only for stage
// counts whose packets have that many pad bits.
func ParsePadBook(data []byte, cb *rvq.Codebook) (*PadBook, error) {
	const head = len(padMagic) + 1 + 8
	if len(data) < head || string(data[:4]) != padMagic {
		return nil, fmt.Errorf("%w: not a pad book file", ErrPadBook)
	}
	if data[4] != padVersion {
		return nil, fmt.Errorf("%w: format version %d, this build reads %d", ErrPadBook, data[4], padVersion)
	}
	b := &PadBook{}
	copy(b.fp[:], data[5:13])
	if fp := cb.Fingerprint(); b.fp != fp {
		return nil, fmt.Errorf("%w: trained for codebook %x, not %x", ErrPadBook, b.fp, fp)
	}
	p := data[head:]
	for s := range MaxStages {
		if len(p) < 1 {
			return nil, fmt.Errorf("%w: truncated", ErrPadBook)
		}
		bits := int(p[0])
		p = p[1:]
		if bits == 0 {
			continue
		}
		if bits > maxPadBits || bits > PadBits(s+1, IndexBits(cb)) {
			return nil, fmt.Errorf("%w: %d pad bits for %d-stage packets, which have %d", ErrPadBook, bits, s+1, PadBits(s+1, IndexBits(cb)))
		}
		n := (1<<bits - 1) * EnvelopeDim
		if len(p) < 4*n {
			return nil, fmt.Errorf("%w: truncated", ErrPadBook)
		}
		b.e[s] = make([]float32, EnvelopeDim+n)
		for i := range n {
			v := math.Float32frombits(binary.LittleEndian.Uint32(p[4*i:]))
			if math.IsNaN(float64(v)) || math.Abs(float64(v)) > 100 {
				return nil, fmt.Errorf("%w: entry value %g out of range", ErrPadBook, v)
			}
			b.e[s][EnvelopeDim+i] = v
		}
		p = p[4*n:]
	}
	if len(p) != 0 {
		return nil, fmt.Errorf("%w: %d bytes after the last stage", ErrPadBook, len(p))
	}
	b.setID()
	return b, nil
}

// padSearch is the encoder's pad stage search: the pad entries of each
// stage count multiplied by the weighting factor U (or as they are when the
// search is unweighted), and a scratch vector.
type padSearch struct {
	book *PadBook
	w    [MaxStages][]float32
	u    []float32
	r    []float32
}

func newPadSearch(b *PadBook, u []float32) *padSearch {
	if b == nil {
		return nil
	}
	ps := &padSearch{book: b, u: u, r: make([]float32, EnvelopeDim)}
	for s, e := range b.e {
		if e == nil {
			continue
		}
		ps.w[s] = append([]float32(nil), e...)
		if u != nil {
			for k := 0; k < len(e); k += EnvelopeDim {
				applyUpper(ps.w[s][k:k+EnvelopeDim], u)
			}
		}
	}
	return ps
}

// choose returns the pad entry of stage count s nearest target − decoded
// under the weighted distance, and adds it to decoded.
func (ps *padSearch) choose(s int, target, decoded []float32) uint8 {
	if ps == nil || s < 1 || s > MaxStages || ps.w[s-1] == nil {
		return 0
	}
	for i := range ps.r {
		ps.r[i] = target[i] - decoded[i]
	}
	if ps.u != nil {
		applyUpper(ps.r, ps.u)
	}
	w := ps.w[s-1]
	best, bestD := 0, float32(math.Inf(1))
	for k := 0; k*EnvelopeDim < len(w); k++ {
		var d float32
		for i, v := range w[k*EnvelopeDim : (k+1)*EnvelopeDim] {
			e := ps.r[i] - v
			d += e * e
		}
		if d < bestD {
			best, bestD = k, d
		}
	}
	ps.book.add(decoded, s, best)
	return uint8(best)
}

// PadRowLen is the length of one row of PadTrainingRows: the stage count,
// then the weighted residual.
const PadRowLen = 1 + EnvelopeDim

// PadTrainingRows appends to dst, for every packet of x (a 16 kHz signal)
// whose end frame is not silent and for each stage count from 1 to
// cb.NumStages() whose packets have pad bits, a row of PadRowLen values:
// the stage count, then what the encoder's search leaves of its target
// after that many stages, multiplied by the weighting factor U (so that
// the pad stage is trained under the distance the encoder searches with).
func PadTrainingRows(dst, x []float32, cb *rvq.Codebook) ([]float32, error) {
	var encs []*Encoder
	for s := 1; s <= cb.NumStages() && s <= MaxStages; s++ {
		if PadBits(s, IndexBits(cb)) == 0 {
			continue
		}
		e, err := NewEncoder(cb, s)
		if err != nil {
			return dst, err
		}
		e.pad = nil
		e.padTrain = make([]float32, EnvelopeDim)
		encs = append(encs, e)
	}
	err := eachPacket(x, func(mid, end *features.Frame) error {
		for _, e := range encs {
			e.mid, e.end = *mid, *end
			e.quantise()
			if end.MCep[0] < silenceEnergy {
				continue
			}
			if u := e.search.u; u != nil {
				applyUpper(e.padTrain, u)
			}
			dst = append(dst, float32(e.stages))
			dst = append(dst, e.padTrain...)
		}
		return nil
	})
	return dst, err
}

// TrainPadBook trains the pad stages for cb from rows of PadTrainingRows:
// for each stage count with pad bits, k-means (k-means++ seeding from seed,
// then Lloyd iterations) of 2^bits − 1 entries beside the fixed zero entry,
// under the weighted distance; the entries are stored unweighted. The same
// rows and seed give the same book.
func TrainPadBook(rows []float32, cb *rvq.Codebook, seed uint64, iters int) (*PadBook, error) {
	b := &PadBook{fp: cb.Fingerprint()}
	u := searchWeighting(cb)
	for s := 1; s <= cb.NumStages() && s <= MaxStages; s++ {
		bits := min(PadBits(s, IndexBits(cb)), maxPadBits)
		if bits == 0 {
			continue
		}
		var data []float32
		for i := 0; i+PadRowLen <= len(rows); i += PadRowLen {
			if int(rows[i]) == s {
				data = append(data, rows[i+1:i+PadRowLen]...)
			}
		}
		k := 1 << bits
		if len(data) < k*EnvelopeDim {
			return nil, fmt.Errorf("%w: %d training vectors for %d-stage packets, want at least %d", ErrPadBook, len(data)/EnvelopeDim, s, k)
		}
		cents := kmeansZero(data, k, seed+uint64(s), iters)
		if u != nil {
			for c := EnvelopeDim; c < len(cents); c += EnvelopeDim {
				solveUpper(cents[c:c+EnvelopeDim], u)
			}
		}
		b.e[s-1] = cents
	}
	b.setID()
	return b, nil
}

// solveUpper replaces y by the x with Ux = y (U upper triangular), solved
// in float64 and rounded once: the pad book's and train -weighted's map
// from the weighted space back to envelopes.
func solveUpper(y, u []float32) {
	d := len(y)
	x := make([]float64, d)
	for i := d - 1; i >= 0; i-- {
		s := float64(y[i])
		for j := i + 1; j < d; j++ {
			s -= float64(u[i*d+j]) * x[j]
		}
		x[i] = s / float64(u[i*d+i])
	}
	for i := range y {
		y[i] = float32(x[i])
	}
}

// kmeansZero clusters data (vectors of EnvelopeDim) into k centroids of
// which the first is held at zero.
func kmeansZero(data []float32, k int, seed uint64, iters int) []float32 {
	const d = EnvelopeDim
	n := len(data) / d
	rng := rand.New(rand.NewPCG(seed, 0x9ad))
	cents := make([]float32, k*d)
	dist := func(a, b []float32) float64 {
		var s float64
		for i := range a {
			e := float64(a[i] - b[i])
			s += e * e
		}
		return s
	}
	// k-means++ seeding, the zero entry first.
	near := make([]float64, n)
	for i := range n {
		near[i] = dist(data[i*d:(i+1)*d], cents[:d])
	}
	for c := 1; c < k; c++ {
		var tot float64
		for _, v := range near {
			tot += v
		}
		t := rng.Float64() * tot
		pick := n - 1
		for i, v := range near {
			if t -= v; t <= 0 {
				pick = i
				break
			}
		}
		copy(cents[c*d:], data[pick*d:(pick+1)*d])
		for i := range n {
			near[i] = min(near[i], dist(data[i*d:(i+1)*d], cents[c*d:(c+1)*d]))
		}
	}
	sum := make([]float64, k*d)
	cnt := make([]int, k)
	for range iters {
		clear(sum)
		clear(cnt)
		for i := range n {
			x := data[i*d : (i+1)*d]
			best, bestD := 0, math.Inf(1)
			for c := range k {
				if dd := dist(x, cents[c*d:(c+1)*d]); dd < bestD {
					best, bestD = c, dd
				}
			}
			cnt[best]++
			for j, v := range x {
				sum[best*d+j] += float64(v)
			}
		}
		for c := 1; c < k; c++ {
			if cnt[c] == 0 {
				continue // keep it where it is
			}
			for j := range d {
				cents[c*d+j] = float32(sum[c*d+j] / float64(cnt[c]))
			}
		}
	}
	return cents
}

// defaultPad is trained by "vqspeak train -pad" for the embedded codebook;
// README.md gives the command.
//
//go:embed default.vqpd
var defaultPad []byte

// DefaultPadBook returns the embedded pad book, trained for DefaultCodebook.
func DefaultPadBook() *PadBook {
	b, err := ParsePadBook(defaultPad, DefaultCodebook())
	if err != nil {
		panic("codec: embedded pad book is unusable: " + err.Error()) // a build defect, caught by the tests
	}
	return b
}

// defaultPadBook is the embedded pad book; an empty embedded file (only
// while bootstrapping a new codebook's) means none.
var defaultPadBook = sync.OnceValue(func() *PadBook {
	if len(defaultPad) == 0 {
		return nil
	}
	return DefaultPadBook()
})

// padFor returns the embedded pad book if cb is (a copy of) the default
// codebook, else nil.
func padFor(cb *rvq.Codebook) *PadBook {
	if !isDefaultCodebook(cb) {
		return nil
	}
	return defaultPadBook()
}

// PadBook is the pad book the encoder fills the packets' spare bits with,
// nil when it leaves them zero. NewEncoder sets DefaultPadBook when its
// codebook is the default one.
func (e *Encoder) PadBook() *PadBook {
	if e.pad == nil {
		return nil
	}
	return e.pad.book
}

// SetPadBook makes e code the packets' spare bits with b, which must have
// been trained for e's codebook; nil leaves them zero, as before pad books.
func (e *Encoder) SetPadBook(b *PadBook) error {
	if b != nil && b.fp != e.cb.Fingerprint() {
		return fmt.Errorf("%w: trained for codebook %x, the encoder's is %x", ErrPadBook, b.fp, e.cb.Fingerprint())
	}
	e.pad = newPadSearch(b, e.search.u)
	return nil
}

// PadBook is the pad book the decoder adds the packets' pad stages from,
// nil when it has none (a packet with a pad value other than 0 is then
// refused with ErrPacketPad).
func (d *Decoder) PadBook() *PadBook { return d.pad }

// SetPadBook makes d decode the packets' pad stages with b, which must have
// been trained for d's codebook; nil: d has none. NewDecoder sets
// DefaultPadBook when its codebook is the default one.
func (d *Decoder) SetPadBook(b *PadBook) error {
	if b != nil && b.fp != d.cb.Fingerprint() {
		return fmt.Errorf("%w: trained for codebook %x, the decoder's is %x", ErrPadBook, b.fp, d.cb.Fingerprint())
	}
	d.pad = b
	return nil
}

// PadErrorRow is the error of one stage count's pad stage on PadTrainingRows.
type PadErrorRow struct {
	Stages, Bits  int
	Rows          int
	Before, After float64 // mean weighted squared error per row
}

// PadError measures b on rows of PadTrainingRows for cb.
func PadError(rows []float32, b *PadBook, cb *rvq.Codebook) []PadErrorRow {
	ps := newPadSearch(b, searchWeighting(cb)) // its weighted entries; the rows are weighted already
	var out []PadErrorRow
	for s := 1; s <= MaxStages; s++ {
		if b.Bits(s) == 0 {
			continue
		}
		r := PadErrorRow{Stages: s, Bits: b.Bits(s)}
		w := ps.w[s-1]
		for i := 0; i+PadRowLen <= len(rows); i += PadRowLen {
			if int(rows[i]) != s {
				continue
			}
			x := rows[i+1 : i+PadRowLen]
			bestD := math.Inf(1)
			for k := 0; k*EnvelopeDim < len(w); k++ {
				var d float64
				for j, v := range w[k*EnvelopeDim : (k+1)*EnvelopeDim] {
					e := float64(x[j] - v)
					d += e * e
				}
				if k == 0 {
					r.Before += d
				}
				bestD = min(bestD, d)
			}
			r.After += bestD
			r.Rows++
		}
		if r.Rows > 0 {
			r.Before /= float64(r.Rows)
			r.After /= float64(r.Rows)
		}
		out = append(out, r)
	}
	return out
}

func padBookName(b *PadBook) string {
	if b == nil {
		return "it has none"
	}
	return fmt.Sprintf("pad book %x", b.Fingerprint())
}
