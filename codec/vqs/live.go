package vqs

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"

	"github.com/vqspeak/vqspeak/codec"
)

// Live streams: .vqs for pipes (vqspeak record | vqspeak play). A plain
// block leaves only when it is complete, a second of speech at once; a live
// stream sends every packet the moment it is coded, in one write. It starts
// with the file header (FlagLive set), then live blocks. All integers are
// big-endian.
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|   sync 0xB7   |   sync 0x5C   |   kind (2)    | packet length |
//	+---------------+---------------+---------------+---------------+
//	|               slot of the block's first packet                |
//	+---------------+---------------+-------------------------------+
//	|    stages     |     flags     |                               |
//	+---------------+---------------+                               +
//	|                 codebook fingerprint (8 bytes)                |
//	+                               +-------------------------------+
//	|                               |                               |
//	+-------------------------------+                               +
//	|          CRC-32C of the 18 header bytes from the sync         |
//	+                               +-------------------------------+
//	|                               |  frame_0 ...                  :
//	+-------------------------------+-------------------------------+
//
// Frames follow the header until the next block header: each is one
// packet of the header's length and a CRC-8 over the low 16 bits of the
// packet's slot and its bytes, so a damaged frame costs that packet alone and a
// frame from another slot (a lost one before it) does not pass:
//
//	+-------------------------------------------+---------------+
//	|  packet (packet length bytes)             |    CRC-8      |
//	+-------------------------------------------+---------------+
//
// Slots count packet times: 20 ms, or 40 ms in a stream of a low-rate mode
// (codec.Mode800, 1200, 1600), whose every block header sets flags bit 1
// so that a reader joining mid-stream knows the packet duration (the
// stage count then names the mode, as in the file header). A new block
// starts when the packet length changes, when slots were skipped on purpose
// (DTX: flags bit 0, resume, says the gap is not a loss), and at least every
// LiveBlockPackets packets, so that a reader joining mid-stream
// (JoinPacketReader) finds a header, which names the codebook, within a
// second. At 4 stages: 9 bytes per packet and a 22-byte header a second,
// 3776 b/s on the pipe for 3200 b/s of packets.
const (
	kindLive      = 0x02
	liveHeaderLen = 22
	liveResume    = 1 << 0 // header flag: the slots before this block were not sent
	liveLong      = 1 << 1 // header flag: 40 ms packets (the low-rate modes); slots count 640 samples

	// LiveBlockPackets is the most 20 ms packets a live block carries
	// before the header is repeated: a second. A block of 40 ms packets
	// carries half as many, also a second.
	LiveBlockPackets = 50
)

// liveHeader is what a live block header carries besides the common fields.
type liveHeader struct {
	length      int // packet length of every frame in the block
	stages      uint8
	resume      bool
	long        bool // 40 ms packets
	fingerprint [8]byte
	// seen: the fingerprint was in the bytes parsed (a peek at the first
	// blockHeaderLen bytes does not reach it; checkBlock's does).
	seen bool
}

// parseLiveHeader reads the plausible live block header at the start of
// b (len(b) >= blockHeaderLen); the CRC is checked by checkBlock.
func parseLiveHeader(b []byte) (blockHeader, bool) {
	h := blockHeader{
		kind:    kindLive,
		first:   binary.BigEndian.Uint32(b[4:]),
		payload: liveHeaderLen - blockHeaderLen - blockCRCLen,
		live:    liveHeader{length: int(b[3]), stages: b[8], resume: b[9]&liveResume != 0, long: b[9]&liveLong != 0},
	}
	if len(b) >= 18 {
		copy(h.live.fingerprint[:], b[10:18])
		h.live.seen = true
	}
	return h, h.live.length > 0 && h.live.stages > 0 && b[9]&^(liveResume|liveLong) == 0
}

// liveMatches reports whether a live block header belongs to the stream
// of header fh: the same codebook fingerprint, the same packet duration
// (flags bit 1) and, for 40 ms packets, the same stage count, which names
// the mode. A block of another codebook or mode is another stream's: its
// packets would be garbage to this stream's decoder. A zero PacketSamples
// (JoinPacketReader looking for its first header) matches any block.
func (fh *Header) liveMatches(l liveHeader) bool {
	switch {
	case fh.PacketSamples == 0:
		return true
	case l.seen && l.fingerprint != fh.CodebookFingerprint:
		return false
	case fh.PacketSamples == 2*codec.PacketSamples:
		return l.long && l.stages == fh.Stages
	}
	return !l.long
}

// crc8Table is CRC-8 with the polynomial 0x2F (AUTOSAR's), which catches
// every error of up to 3 bits in up to 119 bits of data: a frame's slot
// (its low 16 bits) and a packet of up to 12 bytes, the longest vqspeak
// payload (4 stages and FEC), are 112 (TestFrameCRC). No 8-bit CRC does
// that for 128 bits, hence 16 bits of the slot and not 32.
var crc8Table = func() (t [256]byte) {
	for i := range t {
		c := byte(i)
		for range 8 {
			if c&0x80 != 0 {
				c = c<<1 ^ 0x2F
			} else {
				c <<= 1
			}
		}
		t[i] = c
	}
	return t
}()

// frameCRC is the CRC-8 of a frame holding packet p at slot.
func frameCRC(slot uint32, p []byte) byte {
	c := crc8Table[byte(slot>>8)]
	c = crc8Table[c^byte(slot)]
	for _, b := range p {
		c = crc8Table[c^b]
	}
	return c
}

// LiveWriter writes a live stream: each WritePacket is one Write of the
// underlying writer, header and frame together, so nothing waits for a
// block to fill. It allocates nothing after NewLiveWriter and is not safe
// for concurrent use.
type LiveWriter struct {
	w       io.Writer
	h       Header
	buf     []byte
	started bool
	next    uint32 // slot the next frame continues the block at
	long    byte   // liveLong for a stream of 40 ms packets, else 0
	most    int    // packets per block at most: a second
	length  int    // packet length of the current block
	inBlock int    // packets written in the current block
	bytes   int64
	err     error
}

// NewLiveWriter writes the header of a live stream (h with FlagLive) to w.
func NewLiveWriter(w io.Writer, h Header) (*LiveWriter, error) {
	if h.Version == 0 {
		h.Version = Version
	}
	h.Flags |= FlagLive
	if err := h.check(); err != nil {
		return nil, err
	}
	if h.Flags&FlagCompactBlocks != 0 || h.SampleRate != codec.SampleRate {
		return nil, fmt.Errorf("%w: a live stream is %d Hz, plain blocks", ErrInvalidHeader, codec.SampleRate)
	}
	m, err := h.Mode()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidHeader, err)
	}
	lw := &LiveWriter{w: w, h: h, buf: make([]byte, 0, liveHeaderLen+MaxPacketLen+1), most: LiveBlockPackets}
	if m.LowRate() {
		lw.long, lw.most = liveLong, LiveBlockPackets*codec.PacketSamples/m.PacketSamples()
	}
	var hb [headerLenV1]byte
	h.marshal(&hb)
	if err := lw.write(hb[:]); err != nil {
		return nil, err
	}
	return lw, nil
}

// Header returns the header written, with Version and FlagLive set.
func (lw *LiveWriter) Header() Header { return lw.h }

// Bytes is the number of bytes written so far, the header included.
func (lw *LiveWriter) Bytes() int64 { return lw.bytes }

// WritePacket sends packet p (1..255 bytes) of slot slot, which counts
// packet times (20 ms, or 40 ms in a low-rate mode's stream). Slots must
// increase; a slot skipped (not sent on purpose, as DTX does) is marked as
// such, so that the reader does not take it for a loss.
func (lw *LiveWriter) WritePacket(slot uint32, p []byte) error {
	if lw.err != nil {
		return lw.err
	}
	if len(p) == 0 || len(p) > MaxPacketLen {
		return fmt.Errorf("%w: got %d bytes", ErrPacketSize, len(p))
	}
	if lw.started && int32(slot-lw.next) < 0 {
		return fmt.Errorf("vqs: live slot %d after %d: slots must increase", slot, lw.next-1)
	}
	b := lw.buf[:0]
	if !lw.started || slot != lw.next || len(p) != lw.length || lw.inBlock == lw.most {
		flags := lw.long
		if lw.started && slot != lw.next {
			flags |= liveResume
		}
		b = append(b, sync0, sync1, kindLive, byte(len(p)))
		b = binary.BigEndian.AppendUint32(b, slot)
		b = append(b, lw.h.Stages, flags)
		b = append(b, lw.h.CodebookFingerprint[:]...)
		b = binary.BigEndian.AppendUint32(b, crc32.Checksum(b, cRCTable))
		lw.started, lw.length, lw.inBlock = true, len(p), 0
	}
	b = append(b, p...)
	b = append(b, frameCRC(slot, p))
	lw.buf = b
	lw.next = slot + 1
	lw.inBlock++
	if err := lw.write(b); err != nil {
		return err
	}
	if f, ok := lw.w.(interface{ Flush() error }); ok {
		if err := f.Flush(); err != nil {
			lw.err = fmt.Errorf("vqs: flushing: %w", err)
			return lw.err
		}
	}
	return nil
}

func (lw *LiveWriter) write(b []byte) error {
	n, err := lw.w.Write(b)
	lw.bytes += int64(n)
	if err != nil {
		lw.err = fmt.Errorf("vqs: writing live stream: %w", err)
	}
	return lw.err
}

// nextFrame reads the next frame of the current live block, or ends the
// block where the next block header starts. It reads no byte past the
// frame, so a packet is returned as soon as its frame has arrived.
func (fr *PacketReader) nextFrame() {
	start, n := fr.off, fr.liveLen+1
	b, err := fr.br.Peek(2)
	if len(b) == 0 {
		fr.endLive(err)
		return
	}
	if len(b) == 2 && b[0] == sync0 && b[1] == sync1 {
		// Most likely the next header; a frame that starts like one (one
		// in 65536) costs a wait for the header's length.
		if b, _ = fr.br.Peek(blockHeaderLen); len(b) < blockHeaderLen {
			fr.liveLen = 0
			return
		}
		if _, ok := parseBlockHeader(b, &fr.h); ok {
			fr.liveLen = 0
			return
		}
	}
	b, err = fr.br.Peek(n)
	if len(b) < n {
		if err != nil && err != io.EOF {
			fr.fail(err)
			return
		}
		// The stream stops inside a frame: the writer was cut mid-write.
		fr.stats.Truncated = true
		fr.stats.TruncatedBytes = int64(n - len(b))
		fr.stats.LostPackets++
		fr.truncated = &TruncatedBlockError{Offset: start, Lost: 1, MissingBytes: int64(n - len(b))}
		fr.err = io.EOF
		fr.discard(len(b))
		return
	}
	if frameCRC(fr.next, b[:n-1]) == b[n-1] {
		fr.payload = append(append(fr.payload[:0], byte(n-1)), b[:n-1]...)
		fr.pos, fr.left, fr.verified = 0, 1, true
		fr.next++
		fr.discard(n)
		return
	}
	// Damaged. If what follows is in step (the next slot's frame, a block
	// header or the end), the damage stayed inside this frame: one packet.
	b, err = fr.br.Peek(2 * n)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		fr.fail(err)
		return
	}
	after := b[n:]
	inStep := len(after) == 0 ||
		len(after) >= 2 && after[0] == sync0 && after[1] == sync1 ||
		len(after) == n && frameCRC(fr.next+1, after[:n-1]) == after[n-1]
	if inStep {
		fr.report(start, int64(n), 1, true)
		fr.next++
		fr.discard(n)
		return
	}
	// Bytes were lost or inserted: find the next block header.
	fr.liveLen = 0
	fr.resync(start, 0)
}

// endLive ends a live stream at the end of its input; a live stream has no
// trailer, so stopping between frames is its normal end.
func (fr *PacketReader) endLive(err error) {
	if err != nil && err != io.EOF {
		fr.fail(err)
		return
	}
	fr.err = io.EOF
}

// joinLimit bounds how far JoinPacketReader looks for a live block header:
// at 4 kb/s it holds two minutes of stream, where a header comes every
// second.
const joinLimit = 1 << 16

// JoinPacketReader is NewPacketReader for a stream that may be joined
// mid-way, such as a live stream from a pipe or a serial line whose start
// was missed: when the input does not start with the file header, it skips
// to the first live block header (within 64 KiB) and takes the codebook
// and stage count from it, and from its flags whether the packets are
// 40 ms long (a low-rate mode, Header.Mode). The bytes skipped are not
// damage.
func JoinPacketReader(r io.Reader) (*PacketReader, error) {
	fr := &PacketReader{br: bufio.NewReaderSize(r, readerBufSize), payload: make([]byte, 0, 4096)}
	b, _ := fr.br.Peek(len(Magic))
	if len(b) == 0 || string(b) == Magic[:len(b)] {
		return fr, fr.readHeader()
	}
	first := string(b)
	for fr.off < joinLimit {
		if b, err := fr.br.Peek(1); len(b) == 0 {
			if err != nil && err != io.EOF {
				return nil, fmt.Errorf("vqs: reading at offset %d: %w", fr.off, err)
			}
			break
		}
		b, _ = fr.br.Peek(fr.br.Buffered())
		i := bytes.IndexByte(b, sync0)
		if i < 0 {
			fr.discard(len(b))
			continue
		}
		fr.discard(i)
		fr.h.Flags = FlagLive // lets peekBlock and checkBlock see live headers
		b, err := fr.peekBlock()
		if err != nil {
			return nil, fmt.Errorf("vqs: reading at offset %d: %w", fr.off, err)
		}
		if h, st := checkBlock(b, &Header{Flags: FlagLive}); st == blockOK && h.kind == kindLive {
			ps := uint16(codec.PacketSamples)
			if h.live.long {
				ps = 2 * codec.PacketSamples
			}
			fr.h = Header{Version: Version, SampleRate: codec.SampleRate, PacketSamples: ps,
				Stages: h.live.stages, CodebookFingerprint: h.live.fingerprint, Flags: FlagLive}
			fr.next = h.first
			fr.accept(b, h, fr.off, 0)
			return fr, nil
		}
		fr.discard(1)
	}
	return nil, fmt.Errorf("%w: bad magic %q, and no live block in the first %d bytes", ErrNotVQS, first, fr.off)
}
