package vqs

// The .vqs file container: a small header followed by CRC-protected blocks
// of packets. It is written and read strictly sequentially, so pipes work,
// and it is built so that damage costs as little audio as possible: a
// corrupt block loses only its own packets, a cut file keeps every complete
// packet before the cut, and the reader says exactly what was lost and where.

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"time"

	"github.com/vqspeak/vqspeak/codec/vqs/compact"
)

// File header, version 1. All integers are big-endian.
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|      'V'      |      'Q'      |      'S'      |      'P'      |
//	+---------------+---------------+---------------+---------------+
//	|        version (= 1)          |  header length (= 32 in v1)   |
//	+-------------------------------+-------------------------------+
//	|                          sample rate                          |
//	+-------------------------------+---------------+---------------+
//	|        packet samples         |    stages     |  reserved (0) |
//	+-------------------------------+---------------+---------------+
//	|                                                               |
//	+                 codebook fingerprint (8 bytes)                +
//	|                                                               |
//	+-------------------------------+-------------------------------+
//	|             flags             |  pad book tag (0 if no pads)   |
//	+-------------------------------+-------------------------------+
//	:      fields added by later minor revisions (skipped by v1)    :
//	+---------------------------------------------------------------+
//	|       CRC-32C (Castagnoli) of all preceding header bytes      |
//	+---------------------------------------------------------------+
//
// The header length counts every header byte, magic and CRC included, so a
// v1 reader skips fields a later writer appends without changing the
// version; the version changes only when old readers must refuse the file.
// Flags bits 0-7 are required (a reader that does not know a set bit must
// refuse the file), bits 8-15 are hints that may be ignored.
const (
	Magic          = "VQSP" // the first four bytes of every .vqs file
	headerLenV1    = 32
	headerCRCStart = headerLenV1 - 4
)

// Block, repeated until the end of the file. All integers are big-endian.
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|   sync 0xB7   |   sync 0x5C   |   kind (0)    | packet count  |
//	+---------------+---------------+---------------+---------------+
//	|             index of the block's first packet in the file     |
//	+-------------------------------+---------------+---------------+
//	|        payload length         |   length_0    |  packet_0 ... :
//	+-------------------------------+---------------+---------------+
//	:  length_1     |  packet_1 ...   (count records of 1+length_i) :
//	+---------------------------------------------------------------+
//	|        CRC-32C of every block byte from the sync onwards      |
//	+---------------------------------------------------------------+
//
// Kind 0 carries packets: count is 1..255 and the payload is exactly count
// records, each a length byte (1..255) and that many packet bytes. Kind 1
// carries count packets entropy-coded (see compact.go); it is valid only in
// files whose header has FlagCompactBlocks. Kinds 0x80-0xFF are
// ancillary blocks (count 0, any payload) that a reader skips after checking
// their CRC; kinds 2-0x7F are reserved. The first-packet index
// lets a reader count exactly how many packets a damaged region held, from
// the next good block, without trusting any damaged byte.
const (
	sync0          = 0xB7
	sync1          = 0x5C
	kindPackets    = 0x00
	kindAncillary  = 0x80 // kinds >= this are skippable
	blockHeaderLen = 10
	blockCRCLen    = 4
	maxBlockLen    = blockHeaderLen + 0xFFFF + blockCRCLen
	readerBufSize  = maxBlockLen + 4096 // holds a whole block plus look-ahead
)

const (
	// Version is the .vqs format version this package writes and reads.
	Version = 1

	// DefaultBlockPackets is the number of packets per block that
	// NewPacketWriter uses: 50 packets of 20 ms, one second of speech, is what
	// a single damaged byte can cost.
	DefaultBlockPackets = 50

	// MaxBlockPackets is the largest number of packets a block holds.
	MaxBlockPackets = 255

	// MaxPacketLen is the longest packet a .vqs file can carry.
	MaxPacketLen = 255
)

// Header flags.
const (
	// FlagCompactBlocks marks a file that may hold compact,
	// entropy-coded packet blocks (NewCompactPacketWriter). Readers that
	// predate it refuse such files instead of misreading them.
	FlagCompactBlocks uint16 = 1 << 0

	// FlagsRequired is the mask of flags a reader must understand; a
	// file with an unknown flag inside it is refused with
	// *UnsupportedFlagsError. Flags outside it are hints and may be ignored.
	FlagsRequired uint16 = 0x00FF

	// FlagLive marks a live stream (NewLiveWriter): live blocks whose
	// packets are sent one by one as they are coded.
	FlagLive uint16 = 1 << 1

	// FlagPadStages marks a file whose packets carry pad stages in their
	// spare bits (codec.PadBook), made with the pad book whose fingerprint
	// starts with the header's PadBookTag (header bytes 26-27, reserved and
	// 0 before pad stages). Readers that predate pad stages refuse such
	// files instead of decoding them without the pad stages.
	FlagPadStages uint16 = 1 << 2

	// knownRequiredFlags are the required flags this reader implements.
	knownRequiredFlags uint16 = FlagCompactBlocks | FlagLive | FlagPadStages
)

var cRCTable = crc32.MakeTable(crc32.Castagnoli)

// Errors of the .vqs container. They are returned wrapped with detail, so
// match them with errors.Is.
var (
	// ErrNotVQS means the input does not start with the .vqs magic.
	ErrNotVQS = errors.New("not a .vqs file")
	// ErrEmptyFile means the input holds no bytes at all.
	ErrEmptyFile = errors.New("vqs: empty file")
	// ErrTruncatedHeader means the input ends inside the file header.
	ErrTruncatedHeader = errors.New("vqs: file ends inside the header")
	// ErrHeaderChecksum means the header CRC does not match: the header is
	// damaged, so the sample rate or codebook it names cannot be trusted.
	ErrHeaderChecksum = errors.New("vqs: header checksum mismatch")
	// ErrInvalidHeader means a header field holds an impossible value.
	ErrInvalidHeader = errors.New("vqs: invalid header")
	// ErrPacketSize means a packet is empty or longer than MaxPacketLen.
	ErrPacketSize = errors.New("vqs: packet length out of range 1..255")
	// ErrPacketWriterClosed means WritePacket or Flush was called after Close.
	ErrPacketWriterClosed = errors.New("vqs: write to closed PacketWriter")
)

// UnsupportedVersionError reports a file written in a format version this
// package cannot read.
type UnsupportedVersionError struct {
	Version uint16 // version found in the file (or asked of the writer)
}

func (e *UnsupportedVersionError) Error() string {
	return fmt.Sprintf("vqs: unsupported file version %d (this build reads and writes version %d)", e.Version, Version)
}

// UnsupportedFlagsError reports required header flags this package does not
// implement: the file is valid but cannot be decoded by this build.
type UnsupportedFlagsError struct {
	Flags uint16 // the unknown required flags
}

func (e *UnsupportedFlagsError) Error() string {
	s := fmt.Sprintf("vqs: file needs unsupported features (required flags %#04x", e.Flags)
	if e.Flags&FlagCompactBlocks != 0 {
		s += ": compact entropy-coded blocks"
	}
	if e.Flags&FlagPadStages != 0 {
		s += ": pad stages"
	}
	return s + "); a newer vqspeak can read it"
}

// CorruptBlockError reports a damaged or missing region between two good
// blocks, or undecodable bytes at the end of the file. It is not terminal:
// the PacketReader has already resynchronised and the next ReadPacket returns
// the next good packet. Decoders that keep time should conceal Packets
// packets at this point.
type CorruptBlockError struct {
	Offset      int64  // file offset of the first skipped byte
	Bytes       int64  // bytes skipped (0 when whole blocks are missing)
	Packets     int    // packets lost here (see Exact)
	FirstPacket uint32 // index in the file of the first lost packet
	// Exact is true when Packets comes from the CRC-checked index of the
	// next good block; false when no good block follows and Packets is the
	// damaged block's own count, or 0 when even that was unreadable, or when
	// the next block is a cut final block whose index is unverified, or
	// when the gap was capped: Packets never exceeds Bytes/2 plus
	// MaxBlockPackets, so a crafted file cannot make a decoder that
	// conceals lost packets run away.
	Exact bool
}

func (e *CorruptBlockError) Error() string {
	if e.Packets == 0 {
		return fmt.Sprintf("vqs: skipped %d unrecognised bytes at offset %d", e.Bytes, e.Offset)
	}
	exact := ""
	if !e.Exact {
		exact = " (estimated)"
	}
	return fmt.Sprintf("vqs: corrupt or missing data at offset %d (%d bytes skipped): lost %d packets, #%d to #%d%s",
		e.Offset, e.Bytes, e.Packets, e.FirstPacket, int64(e.FirstPacket)+int64(e.Packets)-1, exact)
}

// TruncatedBlockError reports that the file ends inside its last block. The
// complete packet records before the cut have already been returned, without
// a checksum to verify them (PacketReader.Verified is false for them). It
// unwraps to io.ErrUnexpectedEOF; the next ReadPacket returns io.EOF.
type TruncatedBlockError struct {
	Offset       int64 // file offset of the cut block
	Unverified   int   // packets returned from it without CRC check
	Lost         int   // packets its header announced that are missing
	MissingBytes int64 // bytes missing from the end of the block
}

func (e *TruncatedBlockError) Error() string {
	return fmt.Sprintf("vqs: file is truncated: last block at offset %d is missing %d bytes; %d packets recovered unverified, %d lost",
		e.Offset, e.MissingBytes, e.Unverified, e.Lost)
}

func (e *TruncatedBlockError) Unwrap() error { return io.ErrUnexpectedEOF }

// Header describes the packets in a .vqs file. A decoder must check
// SampleRate, PacketSamples and CodebookFingerprint against its own before
// decoding, so a file is never decoded with the wrong codebook.
type Header struct {
	Version             uint16  // format version; 0 in NewPacketWriter means Version
	SampleRate          uint32  // Hz of the decoded audio, e.g. 16000
	PacketSamples       uint16  // samples per packet, e.g. 320 for 20 ms at 16 kHz
	Stages              uint8   // RVQ stages the encoder was set to (packets may carry fewer)
	CodebookFingerprint [8]byte // identifies the codebook that made the packets
	Flags               uint16  // Flag* bits
	PadBookTag          uint16  // with FlagPadStages: the first two bytes of the pad book's fingerprint (PadBookTag)
}

// PacketDuration is the audio duration of one packet.
func (h Header) PacketDuration() time.Duration {
	if h.SampleRate == 0 {
		return 0
	}
	return time.Duration(h.PacketSamples) * time.Second / time.Duration(h.SampleRate)
}

// check validates the fields both the writer and the reader rely on.
func (h *Header) check() error {
	if h.Version != Version {
		return &UnsupportedVersionError{Version: h.Version}
	}
	if u := h.Flags & FlagsRequired &^ knownRequiredFlags; u != 0 {
		return &UnsupportedFlagsError{Flags: u}
	}
	switch {
	case h.SampleRate == 0:
		return fmt.Errorf("%w: sample rate is 0", ErrInvalidHeader)
	case h.PacketSamples == 0:
		return fmt.Errorf("%w: packet samples is 0", ErrInvalidHeader)
	case h.Stages == 0:
		return fmt.Errorf("%w: stage count is 0", ErrInvalidHeader)
	}
	return nil
}

func (h *Header) marshal(b *[headerLenV1]byte) {
	copy(b[0:4], Magic)
	binary.BigEndian.PutUint16(b[4:], h.Version)
	binary.BigEndian.PutUint16(b[6:], headerLenV1)
	binary.BigEndian.PutUint32(b[8:], h.SampleRate)
	binary.BigEndian.PutUint16(b[12:], h.PacketSamples)
	b[14] = h.Stages
	b[15] = 0
	copy(b[16:24], h.CodebookFingerprint[:])
	binary.BigEndian.PutUint16(b[24:], h.Flags)
	binary.BigEndian.PutUint16(b[26:], 0)
	if h.Flags&FlagPadStages != 0 {
		binary.BigEndian.PutUint16(b[26:], h.PadBookTag)
	}
	binary.BigEndian.PutUint32(b[headerCRCStart:], crc32.Checksum(b[:headerCRCStart], cRCTable))
}

// PadBookTag is the tag a header with FlagPadStages gives the pad book
// with fingerprint fp.
func PadBookTag(fp [8]byte) uint16 { return binary.BigEndian.Uint16(fp[:]) }

// PacketWriter writes packets to a .vqs stream. It buffers at most one block
// and allocates nothing after NewPacketWriter. It is not safe for concurrent use.
type PacketWriter struct {
	w         io.Writer
	h         Header
	blk       []byte // block under construction: header, records, room for CRC
	n         int    // bytes used in blk
	count     int    // packets in blk
	perBlock  int
	nextIndex uint32 // file index of the next packet written
	err       error  // sticky write error
	closed    bool

	compact *compact.Coder // nil for a plain file
	cblk    []byte         // compact block under construction
	stats   Stats          // blocks written (Blocks, CompactBlocks)
}

// NewPacketWriter writes the header of a .vqs file to w and returns a writer
// for its packets, with DefaultBlockPackets packets per block. Close
// flushes the last block; it does not close w.
func NewPacketWriter(w io.Writer, h Header) (*PacketWriter, error) {
	return NewPacketWriterSize(w, h, DefaultBlockPackets)
}

// NewPacketWriterSize is NewPacketWriter with blockPackets (1..255) packets per
// block: fewer means less audio lost to one damaged byte, more means less
// overhead (14 bytes per block).
func NewPacketWriterSize(w io.Writer, h Header, blockPackets int) (*PacketWriter, error) {
	if blockPackets < 1 || blockPackets > MaxBlockPackets {
		return nil, fmt.Errorf("vqs: packets per block %d out of range 1..%d", blockPackets, MaxBlockPackets)
	}
	fw := &PacketWriter{
		perBlock: blockPackets,
		blk:      make([]byte, blockHeaderLen+blockPackets*(1+MaxPacketLen)+blockCRCLen),
	}
	if err := fw.Reset(w, h); err != nil {
		return nil, err
	}
	return fw, nil
}

// Reset discards any unflushed packets and starts a new file on w with
// header h, reusing the writer's buffer.
func (fw *PacketWriter) Reset(w io.Writer, h Header) error {
	if h.Version == 0 {
		h.Version = Version
	}
	if err := h.check(); err != nil {
		return err
	}
	if fw.compact != nil {
		h.Flags |= FlagCompactBlocks
	}
	*fw = PacketWriter{w: w, h: h, blk: fw.blk, perBlock: fw.perBlock, compact: fw.compact, cblk: fw.cblk}
	fw.startBlock()
	var hb [headerLenV1]byte
	h.marshal(&hb)
	if _, err := w.Write(hb[:]); err != nil {
		fw.err = fmt.Errorf("vqs: writing header: %w", err)
		return fw.err
	}
	return nil
}

// Header returns the header written, with Version filled in.
func (fw *PacketWriter) Header() Header { return fw.h }

// Stats counts the blocks written so far: Blocks, and CompactBlocks of
// them entropy-coded. The other fields are zero.
func (fw *PacketWriter) Stats() Stats { return fw.stats }

func (fw *PacketWriter) startBlock() {
	b := fw.blk
	b[0], b[1], b[2], b[3] = sync0, sync1, kindPackets, 0
	binary.BigEndian.PutUint32(b[4:], fw.nextIndex)
	fw.n = blockHeaderLen
	fw.count = 0
}

// WritePacket appends one packet (1..255 bytes). The packet is copied; a
// full block is written to the underlying writer at once.
func (fw *PacketWriter) WritePacket(p []byte) error {
	if fw.closed {
		return ErrPacketWriterClosed
	}
	if fw.err != nil {
		return fw.err
	}
	if len(p) == 0 || len(p) > MaxPacketLen {
		return fmt.Errorf("%w: got %d bytes", ErrPacketSize, len(p))
	}
	fw.blk[fw.n] = byte(len(p))
	fw.n += 1 + copy(fw.blk[fw.n+1:], p)
	fw.count++
	fw.nextIndex++
	if fw.count == fw.perBlock {
		return fw.writeBlock()
	}
	return nil
}

func (fw *PacketWriter) writeBlock() error {
	if fw.count == 0 {
		return nil
	}
	b := fw.blk
	b[3] = byte(fw.count)
	binary.BigEndian.PutUint16(b[8:], uint16(fw.n-blockHeaderLen))
	out := b[:fw.n]
	fw.stats.Blocks++
	if fw.compact != nil {
		// Code the block; keep it only if it is smaller than the plain one.
		c := append(fw.cblk[:0], b[:blockHeaderLen]...)
		c[2] = kindCompact
		if c, ok := fw.compact.Encode(c, b[blockHeaderLen:fw.n], fw.count); ok && len(c) < fw.n && len(c)-blockHeaderLen <= 0xFFFF {
			binary.BigEndian.PutUint16(c[8:], uint16(len(c)-blockHeaderLen))
			fw.cblk, out = c, c
			fw.stats.CompactBlocks++
		}
	}
	out = binary.BigEndian.AppendUint32(out, crc32.Checksum(out, cRCTable))
	if _, err := fw.w.Write(out); err != nil {
		fw.err = fmt.Errorf("vqs: writing block: %w", err)
		return fw.err
	}
	fw.startBlock()
	return nil
}

// Flush writes the packets buffered so far as a (short) block, then flushes
// w if it has a Flush method (as *bufio.Writer does). A live recorder calls
// it so that a crash loses nothing already written; call Sync on an
// *os.File afterwards for durability across power loss.
func (fw *PacketWriter) Flush() error {
	if fw.closed {
		return ErrPacketWriterClosed
	}
	if fw.err != nil {
		return fw.err
	}
	if err := fw.writeBlock(); err != nil {
		return err
	}
	if f, ok := fw.w.(interface{ Flush() error }); ok {
		if err := f.Flush(); err != nil {
			fw.err = fmt.Errorf("vqs: flushing: %w", err)
			return fw.err
		}
	}
	return nil
}

// Close flushes the last block. It does not close the underlying writer.
// Closing twice is harmless.
func (fw *PacketWriter) Close() error {
	if fw.closed {
		return nil
	}
	err := fw.Flush()
	fw.closed = true
	return err
}

// Stats says what a PacketReader has read so far, and what it could not.
type Stats struct {
	Packets         int64 // packets returned, Unverified included
	Unverified      int64 // packets returned from a cut final block, not CRC-checked
	Blocks          int64 // packet blocks that passed their CRC
	CompactBlocks   int64 // of Blocks, those entropy-coded (compact files)
	AncillaryBlocks int64 // valid ancillary blocks skipped
	CorruptRegions  int64 // *CorruptBlockError values reported
	LostPackets     int64 // packets known to be missing (corrupt, missing or cut off)
	SkippedSlots    int64 // live streams: slots the writer left out on purpose (DTX), not lost
	SkippedBytes    int64 // bytes skipped while resynchronising, trailing garbage included
	Truncated       bool  // the file ends inside a block
	TruncatedBytes  int64 // bytes missing from that block, as its header declared (a minimum if the header is cut)
}

// PlainFileSize is the size of a plain (not compact) .vqs file that holds
// packets packets of payloadBytes bytes in all, in blocks blocks: the
// header, the framing of each block and a length byte a packet.
func PlainFileSize(blocks, packets, payloadBytes int64) int64 {
	return headerLenV1 + (blockHeaderLen+blockCRCLen)*blocks + packets + payloadBytes
}

// Damaged reports whether anything was lost, skipped or left unverified.
func (s Stats) Damaged() bool {
	return s.CorruptRegions != 0 || s.Truncated || s.LostPackets != 0 || s.SkippedBytes != 0
}

// PacketReader reads packets from a .vqs stream. NewPacketReader allocates its
// buffers (about 70 KiB: a maximal block plus look-ahead); ReadPacket
// allocates nothing when dst has room, once the first block is read.
// It is not safe for concurrent use.
//
// ReadPacket reports damage in file order as errors that are not terminal:
// *CorruptBlockError where packets were lost (call ReadPacket again to go
// on), then *TruncatedBlockError if the file is cut, and io.EOF at the end.
// A caller that stops at the first error is strict; one that continues after
// these two types recovers everything that can be recovered.
type PacketReader struct {
	br    *bufio.Reader
	h     Header
	off   int64  // file offset of the next unread byte of br
	next  uint32 // index expected of the next packet
	stats Stats

	compact  *compact.Coder // decodes compact blocks (compact files only)
	payload  []byte         // records of the current block (owned buffer)
	pos      int            // next record in payload
	left     int            // records not yet returned from payload
	verified bool           // payload passed its CRC
	lastOK   bool           // the last packet returned was verified

	pending   error                // damage report to return before the current block's packets
	truncated *TruncatedBlockError // returned after the cut block's packets
	err       error                // returned once everything else is: io.EOF or an I/O error

	liveLen int    // packet length of the live block being read; 0 outside one
	slot    uint32 // slot of the packet most recently returned

	validAt   int64 // a valid block is known to start here (resync cache)
	noneKnown bool  // no valid block starts at or after noneFrom
	noneFrom  int64
}

// NewPacketReader reads and validates the header of a .vqs stream.
func NewPacketReader(r io.Reader) (*PacketReader, error) {
	fr := &PacketReader{
		br:      bufio.NewReaderSize(r, readerBufSize),
		payload: make([]byte, 0, 4096), // grows once if the file has larger blocks
	}
	if err := fr.readHeader(); err != nil {
		return nil, err
	}
	return fr, nil
}

// Reset makes fr read a new stream from r, reusing its buffers, and reads
// that stream's header.
func (fr *PacketReader) Reset(r io.Reader) error {
	fr.br.Reset(r)
	*fr = PacketReader{br: fr.br, payload: fr.payload[:0], compact: fr.compact}
	return fr.readHeader()
}

func (fr *PacketReader) readHeader() error {
	b, err := fr.br.Peek(8)
	if err != nil && err != io.EOF {
		return fmt.Errorf("vqs: reading header: %w", err)
	}
	if len(b) == 0 {
		return ErrEmptyFile
	}
	if m := b[:min(4, len(b))]; string(m) != Magic[:len(m)] {
		return fmt.Errorf("%w: bad magic %q", ErrNotVQS, m)
	}
	if len(b) < 8 {
		return fmt.Errorf("%w: %d of at least %d bytes", ErrTruncatedHeader, len(b), headerLenV1)
	}
	h := Header{Version: binary.BigEndian.Uint16(b[4:])}
	if h.Version != Version {
		return &UnsupportedVersionError{Version: h.Version}
	}
	hl := int(binary.BigEndian.Uint16(b[6:]))
	if hl < headerLenV1 {
		return fmt.Errorf("%w: header length %d, version %d needs at least %d", ErrInvalidHeader, hl, Version, headerLenV1)
	}
	b, err = fr.br.Peek(hl) // hl <= 0xFFFF < buffer size
	if err != nil && err != io.EOF {
		return fmt.Errorf("vqs: reading header: %w", err)
	}
	if len(b) < hl {
		return fmt.Errorf("%w: %d of %d bytes", ErrTruncatedHeader, len(b), hl)
	}
	want := binary.BigEndian.Uint32(b[hl-4:])
	if got := crc32.Checksum(b[:hl-4], cRCTable); got != want {
		return fmt.Errorf("%w: stored %#08x, computed %#08x", ErrHeaderChecksum, want, got)
	}
	h.SampleRate = binary.BigEndian.Uint32(b[8:])
	h.PacketSamples = binary.BigEndian.Uint16(b[12:])
	h.Stages = b[14]
	copy(h.CodebookFingerprint[:], b[16:24])
	h.Flags = binary.BigEndian.Uint16(b[24:])
	if err := h.check(); err != nil {
		return err
	}
	if h.Flags&FlagPadStages != 0 {
		h.PadBookTag = binary.BigEndian.Uint16(b[26:])
	}
	if h.Flags&FlagCompactBlocks != 0 && fr.compact == nil {
		if fr.compact, err = compact.NewCoder(10); err != nil {
			return err
		}
	}
	fr.h = h
	fr.discard(hl)
	return nil
}

// Header returns the validated file header.
func (fr *PacketReader) Header() Header { return fr.h }

// Stats returns what has been read and lost so far; after io.EOF it
// describes the whole file.
func (fr *PacketReader) Stats() Stats { return fr.stats }

// Slot is the index of the packet most recently returned by ReadPacket:
// its position in the file, or in a live stream its slot (packet times), which
// skips the slots DTX did not send.
func (fr *PacketReader) Slot() uint32 { return fr.slot }

// Verified reports whether the packet most recently returned by ReadPacket
// passed a block CRC. It is false only for packets recovered from a cut
// final block.
func (fr *PacketReader) Verified() bool { return fr.lastOK }

// ReadPacket returns the next packet, copied into dst's storage (grown when
// its capacity is below the packet length; nil dst allocates). At the end it
// returns io.EOF. See PacketReader for the non-terminal damage errors.
func (fr *PacketReader) ReadPacket(dst []byte) ([]byte, error) {
	for {
		if fr.pending != nil {
			err := fr.pending
			fr.pending = nil
			return nil, err
		}
		if fr.left > 0 {
			n := int(fr.payload[fr.pos])
			p := append(dst[:0], fr.payload[fr.pos+1:fr.pos+1+n]...)
			fr.slot = fr.next - uint32(fr.left)
			fr.pos += 1 + n
			fr.left--
			fr.stats.Packets++
			fr.lastOK = fr.verified
			if !fr.verified {
				fr.stats.Unverified++
			}
			return p, nil
		}
		if fr.truncated != nil {
			err := fr.truncated
			fr.truncated = nil
			return nil, err
		}
		if fr.err != nil {
			return nil, fr.err
		}
		if fr.liveLen > 0 {
			fr.nextFrame()
		} else {
			fr.nextBlock()
		}
	}
}

// blockStatus classifies the bytes at one position of the stream.
type blockStatus int

const (
	blockBad     blockStatus = iota // not a valid block
	blockOK                         // a complete block whose CRC and records check
	blockPartial                    // a plausible header, but the data ends before the block does
)

type blockHeader struct {
	kind    byte
	count   int
	first   uint32
	payload int // payload length
	live    liveHeader
}

func (h blockHeader) total() int { return blockHeaderLen + h.payload + blockCRCLen }

// parseBlockHeader reports whether b starts with a plausible block
// header; compact blocks are valid only in a compact file, live blocks
// only in a live stream and only of its packet duration and mode (fh is
// the stream's header; a zero PacketSamples, as JoinPacketReader's search
// has, takes a live block of any mode).
func parseBlockHeader(b []byte, fh *Header) (blockHeader, bool) {
	flags := fh.Flags
	if len(b) < blockHeaderLen || b[0] != sync0 || b[1] != sync1 {
		return blockHeader{}, false
	}
	h := blockHeader{
		kind:    b[2],
		count:   int(b[3]),
		first:   binary.BigEndian.Uint32(b[4:]),
		payload: int(binary.BigEndian.Uint16(b[8:])),
	}
	switch {
	case h.kind == kindPackets:
		// Each record is 2..256 bytes.
		return h, h.count > 0 && h.payload >= 2*h.count && h.payload <= 256*h.count
	case h.kind == kindLive && flags&FlagLive != 0:
		h, ok := parseLiveHeader(b)
		return h, ok && fh.liveMatches(h.live)
	case h.kind == kindCompact && flags&FlagCompactBlocks != 0:
		// Index bits, table set and the stage-count stream's method at least.
		return h, h.count > 0 && h.payload >= 3
	case h.kind >= kindAncillary:
		return h, h.count == 0
	}
	return h, false
}

// completeRecords counts the complete records at the start of p, up to
// max, and returns the bytes they use. A zero length byte ends the count.
func completeRecords(p []byte, max int) (n, used int) {
	for n < max && used < len(p) {
		l := int(p[used])
		if l == 0 || used+1+l > len(p) {
			break
		}
		used += 1 + l
		n++
	}
	return n, used
}

// checkBlock classifies the block that b starts with (b holds everything
// available from that position up to at least one whole block, or the rest
// of the file).
func checkBlock(b []byte, fh *Header) (blockHeader, blockStatus) {
	h, ok := parseBlockHeader(b, fh)
	if !ok {
		return h, blockBad
	}
	t := h.total()
	if len(b) < t {
		return h, blockPartial
	}
	if h.kind == kindPackets {
		// Cheap structural check first: it rejects almost every false sync
		// before the CRC has to run over up to 64 KiB.
		p := b[blockHeaderLen : blockHeaderLen+h.payload]
		if n, used := completeRecords(p, h.count); n != h.count || used != len(p) {
			return h, blockBad
		}
	}
	if h.kind == kindCompact {
		if ib, set := b[blockHeaderLen]&^compact.PadFlag, b[blockHeaderLen+1]; ib < 1 || ib > compact.MaxIndexBits || set > compact.TableSets {
			return h, blockBad
		}
	}
	if crc32.Checksum(b[:t-blockCRCLen], cRCTable) != binary.BigEndian.Uint32(b[t-blockCRCLen:]) {
		return h, blockBad
	}
	return h, blockOK
}

// findBlock returns the offset of the first complete valid block in b, or -1.
func findBlock(b []byte, fh *Header) int {
	for i := 0; i+blockHeaderLen <= len(b); i++ {
		j := bytes.IndexByte(b[i:], sync0)
		if j < 0 {
			return -1
		}
		i += j
		if _, st := checkBlock(b[i:], fh); st == blockOK {
			return i
		}
	}
	return -1
}

func (fr *PacketReader) discard(n int) {
	d, _ := fr.br.Discard(n)
	fr.off += int64(d)
}

// peekBlock returns the bytes available at the current position: a whole
// maximal block when the stream has it, otherwise everything up to EOF.
// A non-nil error is a real I/O error.
func (fr *PacketReader) peekBlock() ([]byte, error) {
	b, err := fr.br.Peek(blockHeaderLen)
	if err == nil {
		if h, ok := parseBlockHeader(b, &fr.h); ok {
			b, err = fr.br.Peek(h.total())
		}
	}
	if err == io.EOF || err == bufio.ErrBufferFull {
		err = nil
	}
	return b, err
}

// nextBlock loads the next block's records, or queues damage reports, or
// sets fr.err at the end.
func (fr *PacketReader) nextBlock() {
	start := fr.off
	b, err := fr.peekBlock()
	if err != nil {
		fr.fail(err)
		return
	}
	if len(b) == 0 {
		fr.err = io.EOF
		return
	}
	if len(b) < blockHeaderLen && syncPrefix(b) {
		// Cut inside the last block's header: nothing to recover.
		fr.stats.Truncated = true
		fr.stats.TruncatedBytes = int64(blockHeaderLen + 2 + blockCRCLen - len(b))
		fr.truncated = &TruncatedBlockError{Offset: start, MissingBytes: fr.stats.TruncatedBytes}
		fr.err = io.EOF
		fr.discard(len(b))
		return
	}
	h, st := checkBlock(b, &fr.h)
	switch st {
	case blockOK:
		fr.accept(b, h, start, 0)
		return
	case blockPartial:
		// All that is left is in b. A good block further on means this header
		// is itself damaged (its length, say); otherwise the file was cut.
		if !fr.blockAfter(b, start) && fr.plausibleFirst(h, 0) {
			fr.acceptPartial(b, h, start, 0)
			return
		}
	}
	// Damaged. If no good block follows, the count of a plausible header
	// that continues the sequence is the best guess at what was lost.
	hint := 0
	if _, ok := parseBlockHeader(b, &fr.h); ok && h.kind < kindAncillary && h.first == fr.next {
		hint = h.count
	}
	fr.resync(start, hint)
}

// syncPrefix reports whether b (shorter than a block header) could be
// the start of one.
func syncPrefix(b []byte) bool {
	return b[0] == sync0 && (len(b) == 1 || b[1] == sync1)
}

// blockAfter reports whether a valid block starts after pos in b, the
// rest of the stream from pos. Results are cached: resynchronising through
// a long damaged tail must not rescan it from every candidate position.
func (fr *PacketReader) blockAfter(b []byte, pos int64) bool {
	if fr.validAt > pos {
		return true
	}
	if fr.noneKnown && pos+1 >= fr.noneFrom {
		return false
	}
	i := findBlock(b[1:], &fr.h)
	if i < 0 {
		fr.noneKnown, fr.noneFrom = true, pos+1
		return false
	}
	fr.validAt = pos + 1 + int64(i)
	return true
}

// plausibleFirst reports whether a block that cannot be verified (a cut
// final block) continues the packet sequence: over skipped damaged bytes at
// most skipped/2 packets (records take 2 bytes at least) plus a block's
// worth can have gone missing.
func (fr *PacketReader) plausibleFirst(h blockHeader, skipped int64) bool {
	gap := h.first - fr.next
	return gap < 1<<31 && int64(gap) <= skipped/2+MaxBlockPackets
}

// resync skips forward from the damaged position start to the next good
// block, a believable cut final block, or EOF, and queues the damage report.
func (fr *PacketReader) resync(start int64, hint int) {
	fr.discard(1)
	for {
		b, err := fr.br.Peek(1)
		if len(b) == 0 {
			if err != nil && err != io.EOF {
				fr.fail(err)
				return
			}
			// No good block follows: the damage runs to the end.
			fr.report(start, fr.off-start, hint, false)
			fr.next += uint32(hint)
			fr.err = io.EOF
			return
		}
		b, _ = fr.br.Peek(fr.br.Buffered())
		i := bytes.IndexByte(b, sync0)
		if i < 0 {
			fr.discard(len(b))
			continue
		}
		fr.discard(i)
		pos := fr.off
		if b, err = fr.peekBlock(); err != nil {
			fr.fail(err)
			return
		}
		h, st := checkBlock(b, &fr.h)
		switch st {
		case blockOK:
			fr.accept(b, h, start, pos-start)
			return
		case blockPartial:
			if !fr.blockAfter(b, pos) && fr.plausibleFirst(h, pos-start) {
				fr.acceptPartial(b, h, start, pos-start)
				return
			}
		}
		fr.discard(1)
	}
}

// report queues a *CorruptBlockError for the damaged region at start.
func (fr *PacketReader) report(start, skipped int64, lost int, exact bool) {
	fr.pending = &CorruptBlockError{
		Offset:      start,
		Bytes:       skipped,
		Packets:     lost,
		FirstPacket: fr.next,
		Exact:       exact,
	}
	fr.stats.CorruptRegions++
	fr.stats.LostPackets += int64(lost)
	fr.stats.SkippedBytes += skipped
}

// gapBefore reports damage before a block with header h: skipped bytes
// starting at start, and packets missing by the block's first index (exact
// when that index passed a CRC).
func (fr *PacketReader) gapBefore(h blockHeader, start, skipped int64, exact bool) {
	lost := 0
	if gap := h.first - fr.next; gap < 1<<31 {
		lost = int(gap)
	}
	// Every lost packet took 2 bytes at least; beyond that only whole
	// missing blocks can explain a gap. Capping at one maximal block keeps
	// a crafted index from making a decoder conceal days of audio.
	if limit := skipped/2 + MaxBlockPackets; int64(lost) > limit {
		lost, exact = int(limit), false
	}
	// A backward index (say, two files concatenated) restarts the count.
	if skipped > 0 || lost > 0 {
		fr.report(start, skipped, lost, exact)
	}
	fr.next = h.first
}

// accept takes the complete, verified block at the current position, which
// follows skipped damaged bytes starting at start.
func (fr *PacketReader) accept(b []byte, h blockHeader, start, skipped int64) {
	if h.kind == kindCompact {
		var err error
		fr.payload, err = fr.compact.Decode(fr.payload[:0], b[blockHeaderLen:blockHeaderLen+h.payload], h.count)
		if err != nil {
			// Checksummed but undecodable: the block is lost, together
			// with any gap before it, in one exact report.
			fr.gapBefore(blockHeader{first: h.first + uint32(h.count)}, start, skipped+int64(h.total()), true)
			fr.discard(h.total())
			return
		}
		fr.gapBefore(h, start, skipped, true)
		fr.pos, fr.left, fr.verified = 0, h.count, true
		fr.next += uint32(h.count)
		fr.stats.Blocks++
		fr.stats.CompactBlocks++
		fr.discard(h.total())
		return
	}
	if h.kind == kindLive {
		if h.live.resume {
			if gap := h.first - fr.next; gap < 1<<31 && fr.stats.Blocks > 0 {
				fr.stats.SkippedSlots += int64(gap)
			}
			fr.next = h.first // skipped on purpose (DTX), not lost
		}
		fr.gapBefore(h, start, skipped, true)
		fr.liveLen = h.live.length
		fr.stats.Blocks++
		fr.discard(h.total())
		return
	}
	fr.gapBefore(h, start, skipped, true)
	if h.kind == kindPackets {
		fr.payload = append(fr.payload[:0], b[blockHeaderLen:blockHeaderLen+h.payload]...)
		fr.pos, fr.left, fr.verified = 0, h.count, true
		fr.next += uint32(h.count)
		fr.stats.Blocks++
	} else {
		fr.stats.AncillaryBlocks++
	}
	fr.discard(h.total())
}

// acceptPartial takes the cut final block b: its complete records are
// returned unverified, then a *TruncatedBlockError, then io.EOF.
func (fr *PacketReader) acceptPartial(b []byte, h blockHeader, start, skipped int64) {
	fr.gapBefore(h, start, skipped, false)
	te := &TruncatedBlockError{Offset: fr.off, MissingBytes: int64(h.total() - len(b))}
	if h.kind == kindPackets {
		p := b[blockHeaderLen:min(len(b), blockHeaderLen+h.payload)]
		n, used := completeRecords(p, h.count)
		fr.payload = append(fr.payload[:0], p[:used]...)
		fr.pos, fr.left, fr.verified = 0, n, false
		te.Unverified, te.Lost = n, h.count-n
		fr.next += uint32(h.count)
		fr.stats.LostPackets += int64(te.Lost)
	} else if h.kind == kindCompact {
		// A cut compact block cannot be decoded in part.
		fr.payload, fr.pos, fr.left = fr.payload[:0], 0, 0
		te.Lost = h.count
		fr.next += uint32(h.count)
		fr.stats.LostPackets += int64(te.Lost)
	}
	fr.stats.Truncated = true
	fr.stats.TruncatedBytes = te.MissingBytes
	fr.truncated = te
	fr.err = io.EOF
	fr.discard(len(b))
}

func (fr *PacketReader) fail(err error) {
	fr.err = fmt.Errorf("vqs: reading at offset %d: %w", fr.off, err)
}

// ReadAllPackets reads a whole .vqs stream. It returns every packet it could
// recover, in order (lost packets leave no placeholder: use a PacketReader to
// keep time across losses), the statistics, and the first damage error, if
// any (*CorruptBlockError or *TruncatedBlockError), or an I/O or header error.
func ReadAllPackets(r io.Reader) (Header, [][]byte, Stats, error) {
	fr, err := NewPacketReader(r)
	if err != nil {
		return Header{}, nil, Stats{}, err
	}
	var (
		pkts  [][]byte
		arena []byte // packets share 64 KiB chunks instead of one allocation each
		first error
	)
	for {
		if cap(arena)-len(arena) < MaxPacketLen {
			arena = make([]byte, 0, 1<<16)
		}
		p, err := fr.ReadPacket(arena[len(arena):])
		if err == nil {
			arena = arena[:len(arena)+len(p)]
			pkts = append(pkts, p[:len(p):len(p)])
			continue
		}
		if err == io.EOF {
			return fr.h, pkts, fr.stats, first
		}
		var ce *CorruptBlockError
		var te *TruncatedBlockError
		if errors.As(err, &ce) || errors.As(err, &te) {
			if first == nil {
				first = err
			}
			continue
		}
		return fr.h, pkts, fr.stats, err
	}
}
