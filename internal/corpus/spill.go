package corpus

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"math"
	"os"

	"github.com/vqspeak/vqspeak/rvq"
)

// VectorFile is a temporary file of float32 vectors (little-endian), the
// training set of `train -minibatch`: the corpus's vectors go to disk
// instead of memory, and rvq.TrainMiniBatch reads them back a batch at a
// time. It implements rvq.VectorSource.
type VectorFile struct {
	f   *os.File
	w   *bufio.Writer
	dim int
	n   int
	buf []byte
}

// NewVectorFile creates an empty vector file of dim-dimensional vectors
// in dir (the system temporary directory when dir is empty).
func NewVectorFile(dir string, dim int) (*VectorFile, error) {
	f, err := os.CreateTemp(dir, "vqspeak-train-*.f32")
	if err != nil {
		return nil, fmt.Errorf("spill file for -minibatch: %w", err)
	}
	return &VectorFile{f: f, w: bufio.NewWriterSize(f, 1<<20), dim: dim}, nil
}

// Append writes whole vectors at the end of the file.
func (v *VectorFile) Append(x []float32) error {
	var b [4]byte
	for _, s := range x {
		binary.LittleEndian.PutUint32(b[:], math.Float32bits(s))
		if _, err := v.w.Write(b[:]); err != nil {
			return fmt.Errorf("spill file %s: %w", v.f.Name(), err)
		}
	}
	v.n += len(x) / v.dim
	return nil
}

// Finish flushes what Append buffered; the file is then read-only.
func (v *VectorFile) Finish() error {
	if err := v.w.Flush(); err != nil {
		return fmt.Errorf("spill file %s: %w", v.f.Name(), err)
	}
	return nil
}

// Len returns the number of vectors.
func (v *VectorFile) Len() int { return v.n }

// ReadVectors fills dst with vectors from index first on.
func (v *VectorFile) ReadVectors(dst []float32, first int) error {
	if cap(v.buf) < 4*len(dst) {
		v.buf = make([]byte, 4*len(dst))
	}
	b := v.buf[:4*len(dst)]
	if _, err := v.f.ReadAt(b, int64(first)*int64(v.dim)*4); err != nil {
		return fmt.Errorf("spill file %s: %w", v.f.Name(), err)
	}
	for i := range dst {
		dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return nil
}

// EvenlySpaced reads at most n vectors evenly spaced through the file (all
// if it holds fewer), for measuring on a bounded sample.
func (v *VectorFile) EvenlySpaced(n int) ([]float32, error) {
	n = min(n, v.n)
	out := make([]float32, n*v.dim)
	for i := range n {
		j := int(int64(i) * int64(v.n) / int64(n))
		if err := v.ReadVectors(out[i*v.dim:(i+1)*v.dim], j); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Name is the file's path, for a caller that must remove it even when
// interrupted before Remove runs.
func (v *VectorFile) Name() string { return v.f.Name() }

// Remove closes and deletes the file.
func (v *VectorFile) Remove() {
	v.f.Close()
	os.Remove(v.f.Name())
}

var _ rvq.VectorSource = (*VectorFile)(nil)
