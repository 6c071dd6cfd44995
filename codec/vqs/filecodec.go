package vqs

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/rvq"
)

// ErrCodebookMismatch means a file was made with another codebook than the
// one offered to decode it: decoding would produce garbage.
var ErrCodebookMismatch = errors.New("vqs: the file was encoded with a different codebook")

// Encoder encodes a stream of 16 kHz samples into a .vqs file. Samples
// may arrive in chunks of any size. It is not safe for concurrent use.
type Encoder struct {
	enc     *codec.Encoder
	fw      *PacketWriter
	pending []float32 // samples not yet filling a packet
	packet  []byte
	packets int64
}

// NewEncoder writes the file header to w and returns an encoder sending
// the first stages stages of cb.
func NewEncoder(w io.Writer, cb *rvq.Codebook, stages int) (*Encoder, error) {
	return newEncoder(cb, stages, func(h Header) (*PacketWriter, error) { return NewPacketWriter(w, h) })
}

// NewModeEncoder is NewEncoder for any mode: a 20 ms one, or a low-rate
// one, which the header records as its 40 ms packets and stage count
// (Header.Mode).
func NewModeEncoder(w io.Writer, cb *rvq.Codebook, m codec.Mode) (*Encoder, error) {
	return newModeEncoder(cb, m, func(h Header) (*PacketWriter, error) { return NewPacketWriter(w, h) })
}

// newEncoder makes an Encoder whose container writer, plain or
// compact, newWriter makes from the header.
func newEncoder(cb *rvq.Codebook, stages int, newWriter func(Header) (*PacketWriter, error)) (*Encoder, error) {
	enc, err := codec.NewEncoder(cb, stages)
	if err != nil {
		return nil, err
	}
	return newEncoderFor(enc, cb, newWriter)
}

// newModeEncoder is newEncoder for mode m.
func newModeEncoder(cb *rvq.Codebook, m codec.Mode, newWriter func(Header) (*PacketWriter, error)) (*Encoder, error) {
	enc, err := codec.NewModeEncoder(cb, m)
	if err != nil {
		return nil, err
	}
	return newEncoderFor(enc, cb, newWriter)
}

func newEncoderFor(enc *codec.Encoder, cb *rvq.Codebook, newWriter func(Header) (*PacketWriter, error)) (*Encoder, error) {
	m := enc.Mode()
	fw, err := newWriter(Header{
		SampleRate:          codec.SampleRate,
		PacketSamples:       uint16(m.PacketSamples()),
		Stages:              uint8(m.Stages),
		CodebookFingerprint: cb.Fingerprint(),
	})
	if err != nil {
		return nil, err
	}
	return &Encoder{
		enc:     enc,
		fw:      fw,
		pending: make([]float32, 0, m.PacketSamples()),
		packet:  make([]byte, 0, MaxPacketLen),
	}, nil
}

// Packets is the number of packets written so far.
func (fe *Encoder) Packets() int64 { return fe.packets }

// WriteSamples encodes x, emitting every packet it completes.
func (fe *Encoder) WriteSamples(x []float32) error {
	for len(x) > 0 {
		n := min(cap(fe.pending)-len(fe.pending), len(x))
		fe.pending = append(fe.pending, x[:n]...)
		x = x[n:]
		if len(fe.pending) == cap(fe.pending) {
			if err := fe.emit(); err != nil {
				return err
			}
		}
	}
	return nil
}

func (fe *Encoder) emit() error {
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
func (fe *Encoder) Flush() error { return fe.fw.Flush() }

// Close encodes the end of the signal, including the lookahead still held
// back, and finishes the file. It does not close the underlying writer.
func (fe *Encoder) Close() error {
	var zeros [4 * codec.PacketSamples]float32
	// Push the lookahead out, then fill the last packet.
	if err := fe.WriteSamples(zeros[:codec.Delay]); err != nil {
		return err
	}
	if len(fe.pending) > 0 {
		if err := fe.WriteSamples(zeros[:cap(fe.pending)-len(fe.pending)]); err != nil {
			return err
		}
	}
	return fe.fw.Close()
}

// Decoder decodes a .vqs file back into 16 kHz samples, aligned with the
// encoder's input. Packets lost to damage are concealed so that timing is
// kept; Stats says what was lost. It is not safe for concurrent use.
type Decoder struct {
	fr     *PacketReader
	dec    *codec.Decoder
	skip   int // samples of codec delay still to drop from the output
	packet []byte
	pcm    []float32
	damage []error
}

// NewDecoder reads the header from r and checks that cb made the file.
func NewDecoder(r io.Reader, cb *rvq.Codebook) (*Decoder, error) {
	fr, err := NewPacketReader(r)
	if err != nil {
		return nil, err
	}
	return NewPacketDecoder(fr, cb)
}

// NewPacketDecoder is NewDecoder over a PacketReader that has read the
// header, such as one from JoinPacketReader.
func NewPacketDecoder(fr *PacketReader, cb *rvq.Codebook) (*Decoder, error) {
	if err := CheckCodebook(fr.Header(), cb); err != nil {
		return nil, err
	}
	m, _ := fr.Header().Mode() // checked by CheckCodebook
	dec, err := codec.NewModeDecoder(cb, m)
	if err != nil {
		return nil, err
	}
	return &Decoder{
		fr:     fr,
		dec:    dec,
		skip:   codec.Delay,
		packet: make([]byte, 0, MaxPacketLen),
		pcm:    make([]float32, 0, m.PacketSamples()),
	}, nil
}

// ErrUnknownMode means a stream's header names a mode this build does not
// know (a low-rate mode of a later version, say).
var ErrUnknownMode = errors.New("vqs: unknown mode")

// Mode is the codec mode of the stream: a 20 ms mode (320-sample packets,
// Stages the encoder's setting, packets may carry fewer) or a low-rate one
// (640-sample packets, identified by Stages: 2 for 800 b/s, 3 for 1200, 4
// for 1600). Files written before the low-rate modes are 20 ms ones.
func (h Header) Mode() (codec.Mode, error) {
	if h.SampleRate != codec.SampleRate {
		return codec.Mode{}, fmt.Errorf("vqs: unsupported stream: %d Hz; this decoder does %d Hz", h.SampleRate, codec.SampleRate)
	}
	switch h.PacketSamples {
	case codec.PacketSamples:
		if m := codec.StagesMode(int(h.Stages)); m.Valid() {
			return m, nil
		}
	case 2 * codec.PacketSamples:
		for _, m := range codec.Modes() {
			if m.LowRate() && m.Stages == int(h.Stages) {
				return m, nil
			}
		}
	}
	var known []string
	for _, m := range codec.Modes() {
		if m.LowRate() {
			known = append(known, fmt.Sprintf("%s (%d-sample packets, %d stages)", m.Name(), m.PacketSamples(), m.Stages))
		}
	}
	return codec.Mode{}, fmt.Errorf("%w: %d-sample packets (%v) with %d stages; this build knows the 20 ms modes (%d-sample packets, 1 to %d stages) and %s",
		ErrUnknownMode, h.PacketSamples, h.PacketDuration(), h.Stages, codec.PacketSamples, codec.MaxStages, strings.Join(known, ", "))
}

// CheckCodebook reports whether a stream with header h can be decoded
// with codebook cb: the rate is the codec's, the mode one it knows and the
// fingerprints match.
func CheckCodebook(h Header, cb *rvq.Codebook) error {
	if _, err := h.Mode(); err != nil {
		return err
	}
	if fp := cb.Fingerprint(); fp != h.CodebookFingerprint {
		return fmt.Errorf("%w: file needs codebook %x, given %x", ErrCodebookMismatch, h.CodebookFingerprint, fp)
	}
	return nil
}

// Header is the file's header.
func (fd *Decoder) Header() Header { return fd.fr.Header() }

// Stats says what has been read and lost so far.
func (fd *Decoder) Stats() Stats { return fd.fr.Stats() }

// Damage lists every damage report met so far (*CorruptBlockError,
// *TruncatedBlockError, bad packets), in file order.
func (fd *Decoder) Damage() []error { return fd.damage }

// ReadSamples appends the samples of the next packet (or of the packets
// concealed in place of a damaged region) to dst. It returns io.EOF at the
// end of the file; damage is not an error here, see Damage.
func (fd *Decoder) ReadSamples(dst []float32) ([]float32, error) {
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
func (fd *Decoder) out(dst []float32) []float32 {
	pcm := fd.pcm
	if fd.skip > 0 {
		n := min(fd.skip, len(pcm))
		fd.skip -= n
		pcm = pcm[n:]
	}
	return append(dst, pcm...)
}
