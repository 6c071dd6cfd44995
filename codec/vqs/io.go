package vqs

import (
	"errors"
	"fmt"
	"io"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/internal/pcm"
	"github.com/vqspeak/vqspeak/rvq"
)

// The byte-stream tier of the API: a Writer turns raw PCM bytes into a .vqs
// stream and a Reader turns a .vqs stream back into raw PCM bytes, so that
// files, pipes and sockets are one io.Copy away:
//
//	w, _ := vqs.NewWriter(file, codec.DefaultCodebook(), codec.DefaultStages)
//	io.Copy(w, pcmSource) // s16le, mono, 16 kHz
//	w.Close()
//
// The PCM format is the one "ffmpeg -f s16le -ac 1 -ar 16000" and
// "sox -t raw -e signed -b 16 -c 1 -r 16000" speak.

// ErrPartialSample means a PCM byte stream ended in the middle of a 16-bit
// sample: the stream was cut or is not 16-bit PCM.
var ErrPartialSample = errors.New("vqs: PCM stream ends with half a 16-bit sample")

// ErrClosed is returned by a Writer used after Close.
var ErrClosed = errors.New("vqs: write to a closed Writer")

// ioChunk is how many samples a Writer or Reader converts at a time.
const ioChunk = 4 * codec.PacketSamples

// Writer encodes 16-bit little-endian mono PCM at SampleRate, written in
// chunks of any size (odd byte counts included), into a .vqs stream. It
// allocates only in NewWriter and is not safe for concurrent use.
type Writer struct {
	fe      *Encoder
	buf     []float32
	half    byte // the low byte of a sample split across two writes
	hasHalf bool
	err     error // sticky: the first failure of the underlying writer
	closed  bool
}

// NewWriter writes the .vqs header to w and returns a Writer that encodes
// with the first stages stages of cb.
func NewWriter(w io.Writer, cb *rvq.Codebook, stages int) (*Writer, error) {
	fe, err := NewEncoder(w, cb, stages)
	if err != nil {
		return nil, err
	}
	return &Writer{fe: fe, buf: make([]float32, 0, ioChunk)}, nil
}

// Write encodes p. It returns len(p) unless the underlying writer failed;
// that error sticks and every later call returns it.
func (w *Writer) Write(p []byte) (int, error) {
	if w.closed {
		return 0, ErrClosed
	}
	if w.err != nil {
		return 0, w.err
	}
	n := len(p)
	buf := w.buf[:0]
	if w.hasHalf && len(p) > 0 {
		buf = append(buf, pcm.FromInt16(int16(uint16(w.half)|uint16(p[0])<<8)))
		w.hasHalf = false
		p = p[1:]
	}
	for len(p) >= 2 {
		m := min(len(p)/2, cap(buf)-len(buf))
		for i := range m {
			buf = append(buf, pcm.FromInt16(int16(uint16(p[2*i])|uint16(p[2*i+1])<<8)))
		}
		p = p[2*m:]
		if len(buf) == cap(buf) {
			if err := w.fe.WriteSamples(buf); err != nil {
				w.err = err
				return n - len(p), err
			}
			buf = buf[:0]
		}
	}
	if len(p) == 1 {
		w.half, w.hasHalf = p[0], true
	}
	if len(buf) > 0 {
		if err := w.fe.WriteSamples(buf); err != nil {
			w.err = err
			return n - len(p), err
		}
	}
	return n, nil
}

// Flush makes every complete packet written so far reach the underlying
// writer (samples short of a whole packet wait for more input or Close).
func (w *Writer) Flush() error {
	if w.closed {
		return ErrClosed
	}
	if w.err != nil {
		return w.err
	}
	w.err = w.fe.Flush()
	return w.err
}

// Close encodes what is left, pads the last packet with silence and
// finishes the stream. It does not close the underlying writer. A dangling
// half sample is dropped and reported as ErrPartialSample after the stream
// is finished.
func (w *Writer) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	if w.err != nil {
		return w.err
	}
	if err := w.fe.Close(); err != nil {
		w.err = err
		return err
	}
	if w.hasHalf {
		return ErrPartialSample
	}
	return nil
}

// Packets is the number of packets encoded so far.
func (w *Writer) Packets() int64 { return w.fe.Packets() }

// Reader decodes a .vqs stream into 16-bit little-endian mono PCM at
// SampleRate, aligned with what was written: the codec delay is removed, and
// the end is padded to a whole packet (at most 20 ms of extra silence).
// Packets lost to damage are concealed so that timing holds; Damage and
// Stats say what was lost. It allocates in NewReader, and again only when a
// damaged region conceals more packets at once than it has room for. It is
// not safe for concurrent use.
type Reader struct {
	fd  *Decoder
	pcm []float32
	out []byte // converted PCM not yet read
	off int
	err error
}

// NewReader reads the .vqs header from r and checks that it was made with cb.
func NewReader(r io.Reader, cb *rvq.Codebook) (*Reader, error) {
	fd, err := NewDecoder(r, cb)
	if err != nil {
		return nil, err
	}
	return &Reader{
		fd:  fd,
		pcm: make([]float32, 0, ioChunk),
		out: make([]byte, 0, 2*ioChunk),
	}, nil
}

// Read fills p with decoded PCM bytes. It returns io.EOF after the last
// sample; damage to the stream is concealed, not returned (see Damage).
func (r *Reader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if r.off == len(r.out) {
			if r.err != nil {
				break
			}
			r.fill()
			continue
		}
		c := copy(p[n:], r.out[r.off:])
		r.off += c
		n += c
	}
	if n > 0 {
		return n, nil
	}
	if len(p) == 0 && r.err == nil {
		return 0, nil
	}
	return 0, r.err
}

// fill decodes the next packet (or concealed region) into r.out.
func (r *Reader) fill() {
	var err error
	r.pcm, err = r.fd.ReadSamples(r.pcm[:0])
	if err != nil {
		r.err = err
		if err != io.EOF {
			r.err = fmt.Errorf("vqs: reading the stream: %w", err)
		}
	}
	r.out = grow8(r.out[:0], 2*len(r.pcm))
	for i, x := range r.pcm {
		u := uint16(pcm.ToInt16(x))
		r.out[2*i] = byte(u)
		r.out[2*i+1] = byte(u >> 8)
	}
	r.off = 0
}

func grow8(b []byte, n int) []byte {
	if cap(b) < n {
		return make([]byte, n)
	}
	return b[:n]
}

// Header is the stream's header.
func (r *Reader) Header() Header { return r.fd.Header() }

// Stats says what has been read and lost so far.
func (r *Reader) Stats() Stats { return r.fd.Stats() }

// Damage lists every damage report met so far, in stream order.
func (r *Reader) Damage() []error { return r.fd.Damage() }
