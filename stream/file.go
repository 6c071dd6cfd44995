package stream

import (
	"errors"
	"io"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/codec/vqs"
	"github.com/vqspeak/vqspeak/rvq"
)

// FileDecoder decodes a live stream (vqs.LiveWriter) read from a file or
// anything else that is not a live source, as fast as it is read. Its
// payloads are this package's (FEC, DTX comfort noise), so they go through
// a Decoder, fed in slot order one packet ahead of the playout: FEC
// rebuilds a lost packet from the next one, slots DTX did not send play as
// comfort noise, and slots lost to damage are concealed. The output is
// aligned with the encoder's input, as vqs.Decoder's is. It is not safe for
// concurrent use.
type FileDecoder struct {
	fr     *vqs.PacketReader
	dec    *Decoder
	buf    []byte // the packet read but not yet pushed
	slot   int64  // its slot
	held   bool   // buf holds a packet
	eof    bool
	next   int64 // next slot to play (the prebuffer's first)
	last   int64 // last slot with a packet
	seq    uint16
	skip   int   // samples of prebuffer and codec delay still to drop
	ps     int64 // samples per packet
	out    []float32
	damage []error
	err    error
}

// fileBuffer is one packet of buffer, which FEC needs, and no more.
var fileBuffer = DecoderConfig{MinDepth: 1, StartDepth: 1, MaxDepth: 1}

// ErrLowRate means a feature the 40 ms low-rate modes do not have: FEC
// and DTX.
var ErrLowRate = errors.New("stream: the 40 ms low-rate modes do not support this")

// NewFileDecoder decodes the live stream fr with codebook cb, which it
// checks against the stream's header. A stream in a low-rate mode (as the
// header says) is decoded in 40 ms slots.
func NewFileDecoder(fr *vqs.PacketReader, cb *rvq.Codebook) (*FileDecoder, error) {
	if err := vqs.CheckCodebook(fr.Header(), cb); err != nil {
		return nil, err
	}
	mode, err := fr.Header().Mode()
	if err != nil {
		return nil, err
	}
	dec, err := NewModeDecoder(cb, mode, &fileBuffer)
	if err != nil {
		return nil, err
	}
	ps := int64(dec.PacketSamples())
	fd := &FileDecoder{fr: fr, dec: dec, buf: make([]byte, 0, vqs.MaxPacketLen), ps: ps,
		out: make([]float32, ps), skip: fileBuffer.StartDepth*int(ps) + codec.Delay, last: -1}
	fd.read()
	if fd.held {
		fd.next = fd.slot - int64(fileBuffer.StartDepth) // the prebuffer's slot comes first
	}
	return fd, fd.err
}

// read holds the next packet, noting damage on the way.
func (fd *FileDecoder) read() {
	for !fd.eof && !fd.held {
		p, err := fd.fr.ReadPacket(fd.buf[:0])
		switch err.(type) {
		case nil:
			fd.buf, fd.slot, fd.held = p, int64(fd.fr.Slot()), true
			continue
		case *vqs.CorruptBlockError, *vqs.TruncatedBlockError:
			fd.damage = append(fd.damage, err)
			continue
		}
		fd.eof = true
		if err != io.EOF {
			fd.err = err
		}
	}
}

// Header is the stream's header.
func (fd *FileDecoder) Header() vqs.Header { return fd.fr.Header() }

// Stats says what has been read and lost so far.
func (fd *FileDecoder) Stats() vqs.Stats { return fd.fr.Stats() }

// Damage lists the damage reports met so far, in stream order.
func (fd *FileDecoder) Damage() []error { return fd.damage }

// ReadSamples appends the samples of the next slot to dst. It returns
// io.EOF after the last slot with a packet.
func (fd *FileDecoder) ReadSamples(dst []float32) ([]float32, error) {
	for {
		// Push what is due: the packets up to the slot after this one.
		for fd.held && fd.slot <= fd.next+1 {
			fd.dec.Push(Packet{Seq: fd.seq, Timestamp: uint32(fd.slot * fd.ps), Payload: fd.buf})
			fd.seq++
			fd.last, fd.held = fd.slot, false
			fd.read()
		}
		if fd.err != nil {
			return dst, fd.err
		}
		if !fd.held && fd.next > fd.last {
			return dst, io.EOF
		}
		fd.dec.Pull(fd.out)
		fd.next++
		out := fd.out[:]
		if fd.skip > 0 {
			n := min(fd.skip, len(out))
			fd.skip -= n
			out = out[n:]
			if len(out) == 0 {
				continue // the prebuffer's slot, before the stream's first
			}
		}
		return append(dst, out...), nil
	}
}
