package audiofile

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/vqspeak/vqspeak/internal/pcm"
)

// wavHeaderBytes is the size of the canonical 16-bit mono PCM header.
const wavHeaderBytes = 44

// maxWAVData is the largest data chunk a RIFF size field can describe.
const maxWAVData = math.MaxUint32 - (wavHeaderBytes - 8)

// writeBlock is how many samples are converted per Write call.
const writeBlock = 4096

// ErrWriterClosed is returned by WriteSamples after Close.
var ErrWriterClosed = errors.New("wav: write after Close")

func checkRate(rate int) error {
	if rate < 1 || rate > MaxRate {
		return fmt.Errorf("wav: sample rate %d Hz out of range 1 to %d", rate, MaxRate)
	}
	return nil
}

// putHeader fills a canonical 44-byte 16-bit mono PCM WAV header.
// dataBytes = 0xFFFFFFFF marks an unknown (streamed) length.
func putHeader(h []byte, rate int, dataBytes uint32) {
	riff := uint32(math.MaxUint32)
	if dataBytes != math.MaxUint32 {
		riff = dataBytes + wavHeaderBytes - 8
	}
	copy(h[0:4], "RIFF")
	binary.LittleEndian.PutUint32(h[4:8], riff)
	copy(h[8:16], "WAVEfmt ")
	binary.LittleEndian.PutUint32(h[16:20], 16)
	binary.LittleEndian.PutUint16(h[20:22], tagPCM)
	binary.LittleEndian.PutUint16(h[22:24], 1)
	binary.LittleEndian.PutUint32(h[24:28], uint32(rate))
	binary.LittleEndian.PutUint32(h[28:32], uint32(rate)*2)
	binary.LittleEndian.PutUint16(h[32:34], 2)
	binary.LittleEndian.PutUint16(h[34:36], 16)
	copy(h[36:40], "data")
	binary.LittleEndian.PutUint32(h[40:44], dataBytes)
}

// putPCM16 converts samples to 16-bit little-endian PCM in dst
// (len(dst) >= 2*len(src)) by vqspeak's one rule (internal/pcm); reading
// divides by 32768, so int16 values round-trip exactly.
func putPCM16(dst []byte, src []float32) {
	dst = dst[:2*len(src)]
	for i, x := range src {
		u := uint16(pcm.ToInt16(x))
		dst[2*i] = byte(u)
		dst[2*i+1] = byte(u >> 8)
	}
}

// WriteWAV writes samples as a 16-bit PCM mono WAV file at the given rate.
func WriteWAV(w io.Writer, samples []float32, rate int) error {
	if err := checkRate(rate); err != nil {
		return err
	}
	if int64(len(samples))*2 > maxWAVData {
		return fmt.Errorf("wav: %d samples exceed the 4 GB limit of a WAV file", len(samples))
	}
	buf := make([]byte, 2*writeBlock)
	putHeader(buf, rate, uint32(2*len(samples)))
	if _, err := w.Write(buf[:wavHeaderBytes]); err != nil {
		return fmt.Errorf("wav: writing header: %w", err)
	}
	for len(samples) > 0 {
		n := min(len(samples), writeBlock)
		putPCM16(buf, samples[:n])
		if _, err := w.Write(buf[:2*n]); err != nil {
			return fmt.Errorf("wav: writing samples: %w", err)
		}
		samples = samples[n:]
	}
	return nil
}

// WAVWriter streams 16-bit PCM mono WAV. If the destination can seek, Close
// patches the sizes into the header; otherwise (pipes, sockets, stdout) the
// header carries 0xFFFFFFFF sizes, which ReadWAV, ffmpeg and sox read as
// "until end of stream".
// It is not safe for concurrent use.
type WAVWriter struct {
	w        io.Writer
	ws       io.WriteSeeker // nil if not seekable
	start    int64          // offset of the header in ws
	rate     int
	n        int64 // data bytes written
	buf      []byte
	err      error
	closed   bool
	unsized  bool // header written with unknown sizes
	overflow bool // more than 4 GB written: sizes stay 0xFFFFFFFF
}

// NewWAVWriter writes a header to w and returns a writer for samples at
// the given rate. Seekability is probed with Seek(0, io.SeekCurrent), so an
// *os.File that is a pipe is handled as a stream.
func NewWAVWriter(w io.Writer, rate int) (*WAVWriter, error) {
	if err := checkRate(rate); err != nil {
		return nil, err
	}
	ww := &WAVWriter{w: w, rate: rate, buf: make([]byte, 2*writeBlock)}
	if ws, ok := w.(io.WriteSeeker); ok {
		if pos, err := ws.Seek(0, io.SeekCurrent); err == nil {
			ww.ws, ww.start = ws, pos
		}
	}
	size := uint32(0)
	if ww.ws == nil {
		size, ww.unsized = math.MaxUint32, true
	}
	putHeader(ww.buf, rate, size)
	if _, err := w.Write(ww.buf[:wavHeaderBytes]); err != nil {
		return nil, fmt.Errorf("wav: writing header: %w", err)
	}
	return ww, nil
}

// WriteSamples converts and writes samples (clipped to [-1, 1]).
func (w *WAVWriter) WriteSamples(samples []float32) error {
	if w.closed {
		return ErrWriterClosed
	}
	if w.err != nil {
		return w.err
	}
	for len(samples) > 0 {
		n := min(len(samples), writeBlock)
		putPCM16(w.buf, samples[:n])
		m, err := w.w.Write(w.buf[:2*n])
		w.n += int64(m)
		if err != nil {
			w.err = fmt.Errorf("wav: writing samples: %w", err)
			return w.err
		}
		samples = samples[n:]
	}
	if w.n > maxWAVData {
		w.overflow = true
	}
	return nil
}

// Samples returns how many samples have been written.
func (w *WAVWriter) Samples() int64 { return w.n / 2 }

// Close patches the header sizes when the destination is seekable. It does
// not close the underlying writer.
func (w *WAVWriter) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	if w.err != nil {
		return w.err
	}
	if w.ws == nil || w.overflow {
		return nil
	}
	var b [4]byte
	patch := func(off int64, v uint32) error {
		if _, err := w.ws.Seek(w.start+off, io.SeekStart); err != nil {
			return err
		}
		binary.LittleEndian.PutUint32(b[:], v)
		_, err := w.ws.Write(b[:])
		return err
	}
	if err := patch(4, uint32(w.n)+wavHeaderBytes-8); err != nil {
		return fmt.Errorf("wav: patching header: %w", err)
	}
	if err := patch(40, uint32(w.n)); err != nil {
		return fmt.Errorf("wav: patching header: %w", err)
	}
	if _, err := w.ws.Seek(w.start+wavHeaderBytes+w.n, io.SeekStart); err != nil {
		return fmt.Errorf("wav: patching header: %w", err)
	}
	return nil
}
