package codec

import (
	"errors"
	"fmt"
	"io"

	"github.com/vqspeak/vqspeak/rvq"
)

// ErrCodebookMismatch means a file was made with another codebook than the
// one offered to decode it: decoding would produce garbage.
var ErrCodebookMismatch = errors.New("codec: the file was encoded with a different codebook")

// FileEncoder encodes a stream of 16 kHz samples into a .vqs file. Samples
// may arrive in chunks of any size. It is not safe for concurrent use.
type FileEncoder struct {
	enc     *Encoder
	fw      *FileWriter
	pending []float32 // samples not yet filling a packet
	packet  []byte
	packets int64
}

// NewFileEncoder writes the file header to w and returns an encoder sending
// the first stages stages of cb.
func NewFileEncoder(w io.Writer, cb *rvq.Codebook, stages int) (*FileEncoder, error) {
	return newFileEncoder(cb, stages, func(h FileHeader) (*FileWriter, error) { return NewFileWriter(w, h) })
}

// newFileEncoder makes a FileEncoder whose container writer, plain or
// compact, newWriter makes from the header.
func newFileEncoder(cb *rvq.Codebook, stages int, newWriter func(FileHeader) (*FileWriter, error)) (*FileEncoder, error) {
	enc, err := NewEncoder(cb, stages)
	if err != nil {
		return nil, err
	}
	fw, err := newWriter(FileHeader{
		SampleRate:          SampleRate,
		PacketSamples:       PacketSamples,
		Stages:              uint8(stages),
		CodebookFingerprint: cb.Fingerprint(),
	})
	if err != nil {
		return nil, err
	}
	return &FileEncoder{
		enc:     enc,
		fw:      fw,
		pending: make([]float32, 0, PacketSamples),
		packet:  make([]byte, 0, MaxFilePacketLen),
	}, nil
}

// Packets is the number of packets written so far.
func (fe *FileEncoder) Packets() int64 { return fe.packets }

// WriteSamples encodes x, emitting every packet it completes.
func (fe *FileEncoder) WriteSamples(x []float32) error {
	for len(x) > 0 {
		n := min(PacketSamples-len(fe.pending), len(x))
		fe.pending = append(fe.pending, x[:n]...)
		x = x[n:]
		if len(fe.pending) == PacketSamples {
			if err := fe.emit(); err != nil {
				return err
			}
		}
	}
	return nil
}

func (fe *FileEncoder) emit() error {
	var err error
	fe.packet, err = fe.enc.Encode(fe.packet[:0], fe.pending)
	fe.pending = fe.pending[:0]
	if err != nil {
		return err
	}
	fe.packets++
	return fe.fw.WritePacket(fe.packet)
}

// Flush makes everything encoded so far durable in the file (a recorder
// calls it so that an interruption loses nothing already written).
func (fe *FileEncoder) Flush() error { return fe.fw.Flush() }

// Close encodes the end of the signal, including the lookahead still held
// back, and finishes the file. It does not close the underlying writer.
func (fe *FileEncoder) Close() error {
	var zeros [PacketSamples]float32
	// Push the lookahead out, then fill the last packet.
	if err := fe.WriteSamples(zeros[:Delay]); err != nil {
		return err
	}
	if len(fe.pending) > 0 {
		if err := fe.WriteSamples(zeros[:PacketSamples-len(fe.pending)]); err != nil {
			return err
		}
	}
	return fe.fw.Close()
}

// FileDecoder decodes a .vqs file back into 16 kHz samples, aligned with the
// encoder's input. Packets lost to damage are concealed so that timing is
// kept; Stats says what was lost. It is not safe for concurrent use.
type FileDecoder struct {
	fr     *FileReader
	dec    *Decoder
	skip   int // samples of codec delay still to drop from the output
	packet []byte
	pcm    []float32
	damage []error
}

// NewFileDecoder reads the header from r and checks that cb made the file.
func NewFileDecoder(r io.Reader, cb *rvq.Codebook) (*FileDecoder, error) {
	fr, err := NewFileReader(r)
	if err != nil {
		return nil, err
	}
	h := fr.Header()
	if h.SampleRate != SampleRate || h.PacketSamples != PacketSamples {
		return nil, fmt.Errorf("codec: unsupported stream: %d Hz with %d-sample packets; this decoder does %d Hz with %d-sample packets",
			h.SampleRate, h.PacketSamples, SampleRate, PacketSamples)
	}
	if fp := cb.Fingerprint(); fp != h.CodebookFingerprint {
		return nil, fmt.Errorf("%w: file needs codebook %x, given %x", ErrCodebookMismatch, h.CodebookFingerprint, fp)
	}
	dec, err := NewDecoder(cb)
	if err != nil {
		return nil, err
	}
	return &FileDecoder{
		fr:     fr,
		dec:    dec,
		skip:   Delay,
		packet: make([]byte, 0, MaxFilePacketLen),
		pcm:    make([]float32, 0, PacketSamples),
	}, nil
}

// Header is the file's header.
func (fd *FileDecoder) Header() FileHeader { return fd.fr.Header() }

// Stats says what has been read and lost so far.
func (fd *FileDecoder) Stats() FileStats { return fd.fr.Stats() }

// Damage lists every damage report met so far (*CorruptBlockError,
// *TruncatedBlockError, bad packets), in file order.
func (fd *FileDecoder) Damage() []error { return fd.damage }

// ReadSamples appends the samples of the next packet (or of the packets
// concealed in place of a damaged region) to dst. It returns io.EOF at the
// end of the file; damage is not an error here, see Damage.
func (fd *FileDecoder) ReadSamples(dst []float32) ([]float32, error) {
	for {
		p, err := fd.fr.ReadPacket(fd.packet[:0])
		// A type assertion, not errors.As: ReadPacket returns the report
		// unwrapped, and errors.As(err, &cbe) would move cbe to the heap on
		// every packet.
		cbe, _ := err.(*CorruptBlockError)
		switch {
		case err == nil:
			fd.packet = p
			fd.pcm, err = fd.dec.Decode(fd.pcm[:0], p)
			if err != nil {
				fd.damage = append(fd.damage, fmt.Errorf("packet %d: %w", fd.fr.Stats().Packets-1, err))
				fd.pcm = fd.dec.Conceal(fd.pcm[:0])
			}
			return fd.out(dst), nil
		case cbe != nil:
			fd.damage = append(fd.damage, err)
			fd.pcm = fd.pcm[:0]
			for range cbe.Packets {
				fd.pcm = fd.dec.Conceal(fd.pcm)
			}
			if len(fd.pcm) > 0 {
				return fd.out(dst), nil
			}
		case errors.Is(err, io.ErrUnexpectedEOF):
			fd.damage = append(fd.damage, err) // a cut final block: its complete packets came already
		case err == io.EOF:
			return dst, io.EOF
		default:
			return dst, err
		}
	}
}

// out appends fd.pcm to dst after dropping what remains of the codec delay.
func (fd *FileDecoder) out(dst []float32) []float32 {
	pcm := fd.pcm
	if fd.skip > 0 {
		n := min(fd.skip, len(pcm))
		fd.skip -= n
		pcm = pcm[n:]
	}
	return append(dst, pcm...)
}
