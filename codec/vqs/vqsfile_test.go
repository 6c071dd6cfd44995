package vqs_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/vqspeak/vqspeak/codec/vqs"
)

var testFileHeader = vqs.Header{
	SampleRate:          16000,
	PacketSamples:       320,
	Stages:              4,
	CodebookFingerprint: [8]byte{1, 2, 3, 4, 5, 6, 7, 8},
}

// testPackets returns n packets of deterministic pseudo-random content; the
// length of packet i cycles through lens.
func testPackets(n int, lens ...int) [][]byte {
	rng := rand.New(rand.NewPCG(uint64(n), 7))
	pk := make([][]byte, n)
	for i := range pk {
		p := make([]byte, lens[i%len(lens)])
		for j := range p {
			p[j] = byte(rng.Uint32())
		}
		pk[i] = p
	}
	return pk
}

// testFile is an encoded file and the offsets where each block starts
// (blocks[len-1] is the end of the file).
type testFile struct {
	data   []byte
	blocks []int
}

// encodeFile writes pkts with perBlock packets per block.
func encodeFile(t testing.TB, pkts [][]byte, perBlock int) testFile {
	t.Helper()
	var buf bytes.Buffer
	fw, err := vqs.NewPacketWriterSize(&buf, testFileHeader, perBlock)
	if err != nil {
		t.Fatal(err)
	}
	f := testFile{blocks: []int{buf.Len()}}
	for i, p := range pkts {
		if err := fw.WritePacket(p); err != nil {
			t.Fatal(err)
		}
		if (i+1)%perBlock == 0 {
			f.blocks = append(f.blocks, buf.Len())
		}
	}
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	if f.blocks[len(f.blocks)-1] != buf.Len() {
		f.blocks = append(f.blocks, buf.Len())
	}
	f.data = buf.Bytes()
	return f
}

// readResult is everything a PacketReader returned, in order.
type readResult struct {
	pkts     [][]byte
	verified []bool
	errs     []error // non-terminal damage errors
	after    []int   // len(pkts) when each error was returned
	stats    vqs.Stats
	final    error // what ended the loop (io.EOF on success)
}

func readFile(t testing.TB, data []byte) readResult {
	t.Helper()
	fr, err := vqs.NewPacketReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("NewFileReader: %v", err)
	}
	var res readResult
	for i := 0; ; i++ {
		if i > len(data)+10 {
			t.Fatal("ReadPacket does not terminate")
		}
		p, err := fr.ReadPacket(nil)
		var ce *vqs.CorruptBlockError
		var te *vqs.TruncatedBlockError
		switch {
		case err == nil:
			res.pkts = append(res.pkts, p)
			res.verified = append(res.verified, fr.Verified())
			continue
		case errors.As(err, &ce) || errors.As(err, &te):
			res.errs = append(res.errs, err)
			res.after = append(res.after, len(res.pkts))
			continue
		}
		res.final = err
		res.stats = fr.Stats()
		return res
	}
}

func equalPackets(t *testing.T, got, want [][]byte) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d packets, want %d", len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Fatalf("packet %d = %x, want %x", i, got[i], want[i])
		}
	}
}

func concat(parts ...[][]byte) [][]byte {
	var out [][]byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func TestFileRoundTrip(t *testing.T) {
	tests := []struct {
		name     string
		pkts     [][]byte
		perBlock int
		blocks   int64
	}{
		{"zero packets", nil, 50, 0},
		{"one packet", testPackets(1, 8), 50, 1},
		{"full 4-stage packets, 3 s", testPackets(150, 8), 50, 3},
		{"bitrate switches mid-file", testPackets(120, 8, 8, 6, 4, 2, 8), 50, 3},
		{"every length 1..255", testPackets(255, seq(1, 255)...), 50, 6},
		{"max block size", testPackets(600, 255), 255, 3},
		{"one packet per block", testPackets(7, 1, 255, 3), 1, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := encodeFile(t, tt.pkts, tt.perBlock)
			res := readFile(t, f.data)
			if res.final != io.EOF || len(res.errs) != 0 {
				t.Fatalf("final %v, damage %v; want clean io.EOF", res.final, res.errs)
			}
			equalPackets(t, res.pkts, tt.pkts)
			want := vqs.Stats{Packets: int64(len(tt.pkts)), Blocks: tt.blocks}
			if res.stats != want {
				t.Errorf("stats %+v, want %+v", res.stats, want)
			}
			for i, v := range res.verified {
				if !v {
					t.Fatalf("packet %d not verified", i)
				}
			}
			h, all, st, err := vqs.ReadAllPackets(bytes.NewReader(f.data))
			if err != nil || st != want {
				t.Fatalf("ReadAllPackets: %v, %+v", err, st)
			}
			equalPackets(t, all, tt.pkts)
			wantH := testFileHeader
			wantH.Version = vqs.Version
			if h != wantH {
				t.Errorf("header %+v, want %+v", h, wantH)
			}
		})
	}
}

func seq(a, b int) []int {
	s := make([]int, 0, b-a+1)
	for i := a; i <= b; i++ {
		s = append(s, i)
	}
	return s
}

// TestFileWireFormat pins the byte layout against an encoding written out
// by hand from the diagrams in vqsfile.go.
func TestFileWireFormat(t *testing.T) {
	h := vqs.Header{
		SampleRate:          16000,
		PacketSamples:       320,
		Stages:              3,
		CodebookFingerprint: [8]byte{0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4},
		Flags:               0x0100, // an optional hint bit
	}
	var buf bytes.Buffer
	fw, err := vqs.NewPacketWriterSize(&buf, h, 2)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range [][]byte{{0xaa}, {0xbb, 0xcc}, {0xdd, 0xee, 0xff}} {
		if err := fw.WritePacket(p); err != nil {
			t.Fatal(err)
		}
	}
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}

	crc := func(b []byte) []byte {
		return binary.BigEndian.AppendUint32(b, crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli)))
	}
	hdr := crc([]byte{
		'V', 'Q', 'S', 'P', 0, 1, 0, 32,
		0, 0, 0x3e, 0x80, 0x01, 0x40, 3, 0,
		0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4,
		0x01, 0x00, 0, 0,
	})
	b1 := crc([]byte{0xb7, 0x5c, 0, 2, 0, 0, 0, 0, 0, 5, 1, 0xaa, 2, 0xbb, 0xcc})
	b2 := crc([]byte{0xb7, 0x5c, 0, 1, 0, 0, 0, 2, 0, 4, 3, 0xdd, 0xee, 0xff})
	want := concat([][]byte{hdr, b1, b2})
	if got := buf.Bytes(); !bytes.Equal(got, bytes.Join(want, nil)) {
		t.Fatalf("encoding\n got %x\nwant %x", got, bytes.Join(want, nil))
	}
	if d := fw.Header().PacketDuration(); d != 20*time.Millisecond {
		t.Errorf("PacketDuration = %v, want 20ms", d)
	}
}

func TestFilePipe(t *testing.T) {
	pkts := testPackets(130, 8, 5)
	pr, pw := io.Pipe()
	go func() {
		fw, err := vqs.NewPacketWriter(pw, testFileHeader)
		if err != nil {
			pw.CloseWithError(err)
			return
		}
		for i, p := range pkts {
			if err := fw.WritePacket(p); err != nil {
				pw.CloseWithError(err)
				return
			}
			if i%17 == 0 { // a live recorder flushing now and then
				if err := fw.Flush(); err != nil {
					pw.CloseWithError(err)
					return
				}
			}
		}
		pw.CloseWithError(fw.Close())
	}()
	h, got, st, err := vqs.ReadAllPackets(pr)
	if err != nil {
		t.Fatal(err)
	}
	equalPackets(t, got, pkts)
	if h.SampleRate != 16000 || st.Damaged() || st.Packets != 130 {
		t.Errorf("header %+v stats %+v", h, st)
	}
}

// TestFileFlushIsReadable checks that everything before a Flush can be read
// back even though the writer is never closed (a recorder that crashed).
func TestFileFlushIsReadable(t *testing.T) {
	pkts := testPackets(73, 8)
	var buf bytes.Buffer
	fw, err := vqs.NewPacketWriter(&buf, testFileHeader)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pkts[:60] {
		fw.WritePacket(p)
	}
	if err := fw.Flush(); err != nil {
		t.Fatal(err)
	}
	for _, p := range pkts[60:] {
		fw.WritePacket(p) // never flushed
	}
	res := readFile(t, buf.Bytes())
	if res.final != io.EOF || len(res.errs) != 0 {
		t.Fatalf("final %v, damage %v", res.final, res.errs)
	}
	equalPackets(t, res.pkts, pkts[:60])
}

// rawHeader builds a header by hand so tests can break it field by field.
func rawHeader(version, hlen uint16, flags uint16, ext []byte) []byte {
	b := []byte{'V', 'Q', 'S', 'P'}
	b = binary.BigEndian.AppendUint16(b, version)
	b = binary.BigEndian.AppendUint16(b, hlen)
	b = append(b, 0, 0, 0x3e, 0x80, 0x01, 0x40, 4, 0)
	b = append(b, 1, 2, 3, 4, 5, 6, 7, 8)
	b = binary.BigEndian.AppendUint16(b, flags)
	b = append(b, 0, 0)
	b = append(b, ext...)
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli)))
}

func TestFileOpenErrors(t *testing.T) {
	valid := encodeFile(t, testPackets(3, 8), 50).data
	flipped := func(i int) []byte {
		b := bytes.Clone(valid)
		b[i] ^= 0x10
		return b
	}
	tests := []struct {
		name    string
		data    []byte
		is      error  // errors.Is target, or nil
		as      any    // errors.As target, or nil
		message string // substring of the message
	}{
		{"empty", nil, vqs.ErrEmptyFile, nil, "empty"},
		{"wrong magic", []byte("RIFF\x24\x00\x00\x00WAVEfmt "), vqs.ErrNotVQS, nil, `bad magic "RIFF"`},
		{"short wrong magic", []byte("ID"), vqs.ErrNotVQS, nil, `bad magic "ID"`},
		{"future version", rawHeader(2, 32, 0, nil), nil, new(*vqs.UnsupportedVersionError), "version 2 (this build reads and writes version 1)"},
		{"version 0", rawHeader(0, 32, 0, nil), nil, new(*vqs.UnsupportedVersionError), "version 0"},
		{"header length too small", rawHeader(1, 31, 0, nil), vqs.ErrInvalidHeader, nil, "header length 31"},
		{"header length beyond data", rawHeader(1, 0xffff, 0, nil), vqs.ErrTruncatedHeader, nil, "32 of 65535"},
		{"header CRC byte", flipped(29), vqs.ErrHeaderChecksum, nil, "checksum"},
		{"sample rate byte", flipped(10), vqs.ErrHeaderChecksum, nil, "checksum"},
		{"fingerprint byte", flipped(20), vqs.ErrHeaderChecksum, nil, "checksum"},
		{"required flag unknown", rawHeader(1, 32, 0x0008, nil), nil, new(*vqs.UnsupportedFlagsError), "0x0008"},
		{"required flag bit 7", rawHeader(1, 32, 0x0080, nil), nil, new(*vqs.UnsupportedFlagsError), "0x0080"},
	}
	for n := 1; n < 32; n++ {
		tests = append(tests, struct {
			name    string
			data    []byte
			is      error
			as      any
			message string
		}{fmt.Sprintf("header cut at %d", n), valid[:n], vqs.ErrTruncatedHeader, nil, "ends inside the header"})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fr, err := vqs.NewPacketReader(bytes.NewReader(tt.data))
			if err == nil {
				t.Fatalf("no error, header %+v", fr.Header())
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v is not %v", err, tt.is)
			}
			if tt.as != nil && !errors.As(err, tt.as) {
				t.Errorf("error %v (%T) is not %T", err, err, tt.as)
			}
			if !strings.Contains(err.Error(), tt.message) {
				t.Errorf("error %q does not mention %q", err, tt.message)
			}
			_, _, _, err2 := vqs.ReadAllPackets(bytes.NewReader(tt.data))
			if err2 == nil || err2.Error() != err.Error() {
				t.Errorf("ReadAllPackets error %v, want %v", err2, err)
			}
		})
	}
}

func TestFileHeaderVariants(t *testing.T) {
	pkts := testPackets(5, 8)
	body := encodeFile(t, pkts, 50)
	blocks := body.data[body.blocks[0]:]
	tests := []struct {
		name   string
		header []byte
	}{
		{"optional flag ignored", rawHeader(1, 32, 0x8100, nil)},
		{"later fields skipped", rawHeader(1, 40, 0, []byte("newfield"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := readFile(t, append(bytes.Clone(tt.header), blocks...))
			if res.final != io.EOF || len(res.errs) != 0 {
				t.Fatalf("final %v, damage %v", res.final, res.errs)
			}
			equalPackets(t, res.pkts, pkts)
		})
	}
}

// TestFileCorruptMiddleBlock flips every byte of block 2 of 3 in turn: only
// block 2's packets may be lost, and the reader must say exactly which.
func TestFileCorruptMiddleBlock(t *testing.T) {
	pkts := testPackets(150, 8, 8, 6)
	f := encodeFile(t, pkts, 50)
	b2, b3 := f.blocks[1], f.blocks[2]
	for i := b2; i < b3; i++ {
		for _, mask := range []byte{0x01, 0x80, 0xff} {
			data := bytes.Clone(f.data)
			data[i] ^= mask
			res := readFile(t, data)
			name := fmt.Sprintf("byte %d (block offset %d) ^ %#x", i, i-b2, mask)
			if res.final != io.EOF {
				t.Fatalf("%s: final %v", name, res.final)
			}
			if len(res.errs) != 1 || res.after[0] != 50 {
				t.Fatalf("%s: damage %v after %v packets, want one report after 50", name, res.errs, res.after)
			}
			var ce *vqs.CorruptBlockError
			if !errors.As(res.errs[0], &ce) {
				t.Fatalf("%s: %T, want *CorruptBlockError", name, res.errs[0])
			}
			want := vqs.CorruptBlockError{Offset: int64(b2), Bytes: int64(b3 - b2), Packets: 50, FirstPacket: 50, Exact: true}
			if *ce != want {
				t.Fatalf("%s: %+v, want %+v", name, *ce, want)
			}
			equalPackets(t, res.pkts, concat(pkts[:50], pkts[100:]))
			if s := res.stats; s.LostPackets != 50 || s.CorruptRegions != 1 || s.Blocks != 2 || s.SkippedBytes != int64(b3-b2) || s.Truncated {
				t.Fatalf("%s: stats %+v", name, s)
			}
		}
	}
}

func TestFileCorruptLastBlock(t *testing.T) {
	pkts := testPackets(120, 8)
	f := encodeFile(t, pkts, 50)
	data := bytes.Clone(f.data)
	data[f.blocks[2]+20] ^= 1 // a packet byte of block 3 (20 packets)
	res := readFile(t, data)
	equalPackets(t, res.pkts, pkts[:100])
	var ce *vqs.CorruptBlockError
	if len(res.errs) != 1 || !errors.As(res.errs[0], &ce) {
		t.Fatalf("damage %v", res.errs)
	}
	// No good block follows, so the count comes from the damaged header.
	want := vqs.CorruptBlockError{Offset: int64(f.blocks[2]), Bytes: int64(len(data) - f.blocks[2]), Packets: 20, FirstPacket: 100}
	if *ce != want {
		t.Fatalf("%+v, want %+v", *ce, want)
	}
	if !strings.Contains(ce.Error(), "lost 20 packets, #100 to #119 (estimated)") {
		t.Errorf("message %q", ce)
	}
}

func TestFileMissingBlock(t *testing.T) {
	pkts := testPackets(150, 8)
	f := encodeFile(t, pkts, 50)
	data := append(bytes.Clone(f.data[:f.blocks[1]]), f.data[f.blocks[2]:]...)
	res := readFile(t, data)
	equalPackets(t, res.pkts, concat(pkts[:50], pkts[100:]))
	var ce *vqs.CorruptBlockError
	if len(res.errs) != 1 || !errors.As(res.errs[0], &ce) {
		t.Fatalf("damage %v", res.errs)
	}
	want := vqs.CorruptBlockError{Offset: int64(f.blocks[1]), Bytes: 0, Packets: 50, FirstPacket: 50, Exact: true}
	if *ce != want {
		t.Fatalf("%+v, want %+v", *ce, want)
	}
}

// TestFileTruncated cuts the file at every offset inside its last block: the
// complete records before the cut come back (unverified), and the reader
// says how much is missing.
func TestFileTruncated(t *testing.T) {
	pkts := testPackets(130, 8, 3, 255) // lengths vary so cuts land everywhere
	f := encodeFile(t, pkts, 50)
	last := f.blocks[2]
	// Record boundaries of the last block, as offsets in the file.
	ends := []int{}
	off := last + 10
	for _, p := range pkts[100:] {
		off += 1 + len(p)
		ends = append(ends, off)
	}
	for cut := last + 1; cut < len(f.data); cut++ {
		res := readFile(t, f.data[:cut])
		complete := 0
		for complete < len(ends) && ends[complete] <= cut {
			complete++
		}
		if res.final != io.EOF {
			t.Fatalf("cut %d: final %v", cut, res.final)
		}
		equalPackets(t, res.pkts, pkts[:100+complete])
		for i, v := range res.verified {
			if v != (i < 100) {
				t.Fatalf("cut %d: packet %d verified=%v", cut, i, v)
			}
		}
		var te *vqs.TruncatedBlockError
		if len(res.errs) != 1 || !errors.As(res.errs[0], &te) || !errors.Is(res.errs[0], io.ErrUnexpectedEOF) {
			t.Fatalf("cut %d: damage %v", cut, res.errs)
		}
		s := res.stats
		if !s.Truncated || s.Unverified != int64(complete) || s.Packets != int64(100+complete) || s.CorruptRegions != 0 {
			t.Fatalf("cut %d: stats %+v", cut, s)
		}
		if cut-last >= 10 { // the block header survived: exact accounting
			want := vqs.TruncatedBlockError{Offset: int64(last), Unverified: complete, Lost: 30 - complete, MissingBytes: int64(len(f.data) - cut)}
			if *te != want || s.TruncatedBytes != want.MissingBytes || s.LostPackets != int64(want.Lost) {
				t.Fatalf("cut %d: %+v, want %+v; stats %+v", cut, *te, want, s)
			}
		}
	}
}

func TestFileTrailingGarbage(t *testing.T) {
	pkts := testPackets(60, 8)
	f := encodeFile(t, pkts, 50)
	rng := rand.New(rand.NewPCG(1, 2))
	noise := make([]byte, 3000)
	for i := range noise {
		noise[i] = byte(rng.Uint32())
	}
	tests := []struct {
		name    string
		garbage []byte
	}{
		{"text", []byte("\nthis is not a block\n")},
		{"random bytes", noise},
		// A block header whose index does not continue the file is garbage;
		// with index 60 it would be indistinguishable from a cut block.
		{"fake sync", []byte{0xb7, 0x5c, 0, 9, 0x10, 0, 0, 60, 0, 40, 1, 2, 3}},
		{"second header", f.data[:f.blocks[0]]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := readFile(t, append(bytes.Clone(f.data), tt.garbage...))
			equalPackets(t, res.pkts, pkts)
			var ce *vqs.CorruptBlockError
			if res.final != io.EOF || len(res.errs) != 1 || !errors.As(res.errs[0], &ce) {
				t.Fatalf("final %v damage %v", res.final, res.errs)
			}
			if ce.Packets != 0 || ce.Bytes != int64(len(tt.garbage)) || ce.Offset != int64(len(f.data)) {
				t.Fatalf("%+v", *ce)
			}
			if res.stats.LostPackets != 0 || res.stats.SkippedBytes != int64(len(tt.garbage)) {
				t.Fatalf("stats %+v", res.stats)
			}
		})
	}
}

// TestFileConcatenated reads `cat a.vqs b.vqs`: every packet of both comes
// back and only b's header is reported as skipped.
func TestFileConcatenated(t *testing.T) {
	a, b := testPackets(70, 8), testPackets(30, 4)
	fa, fb := encodeFile(t, a, 50), encodeFile(t, b, 50)
	res := readFile(t, append(bytes.Clone(fa.data), fb.data...))
	equalPackets(t, res.pkts, concat(a, b))
	var ce *vqs.CorruptBlockError
	if len(res.errs) != 1 || !errors.As(res.errs[0], &ce) || ce.Packets != 0 || ce.Bytes != int64(fb.blocks[0]) {
		t.Fatalf("damage %v", res.errs)
	}
}

// TestFileAncillaryBlock checks that a reader skips a kind 0x80 block, which
// a later writer may use for metadata, without calling it damage.
func TestFileAncillaryBlock(t *testing.T) {
	pkts := testPackets(100, 8)
	f := encodeFile(t, pkts, 50)
	anc := []byte{0xb7, 0x5c, 0x80, 0, 0, 0, 0, 50, 0, 5, 't', 'i', 't', 'l', 'e'}
	anc = binary.BigEndian.AppendUint32(anc, crc32.Checksum(anc, crc32.MakeTable(crc32.Castagnoli)))
	data := concat([][]byte{f.data[:f.blocks[1]], anc, f.data[f.blocks[1]:]})
	res := readFile(t, bytes.Join(data, nil))
	equalPackets(t, res.pkts, pkts)
	if len(res.errs) != 0 || res.stats.AncillaryBlocks != 1 || res.stats.Damaged() {
		t.Fatalf("damage %v stats %+v", res.errs, res.stats)
	}
}

type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.n <= 0 {
		return 0, errors.New("disk full")
	}
	w.n--
	return len(p), nil
}

func TestFileWriterErrors(t *testing.T) {
	hdr := func(f func(*vqs.Header)) vqs.Header {
		h := testFileHeader
		f(&h)
		return h
	}
	tests := []struct {
		name string
		h    vqs.Header
		is   error
		as   any
	}{
		{"zero sample rate", hdr(func(h *vqs.Header) { h.SampleRate = 0 }), vqs.ErrInvalidHeader, nil},
		{"zero packet samples", hdr(func(h *vqs.Header) { h.PacketSamples = 0 }), vqs.ErrInvalidHeader, nil},
		{"zero stages", hdr(func(h *vqs.Header) { h.Stages = 0 }), vqs.ErrInvalidHeader, nil},
		{"version 2", hdr(func(h *vqs.Header) { h.Version = 2 }), nil, new(*vqs.UnsupportedVersionError)},
		{"unknown required flag", hdr(func(h *vqs.Header) { h.Flags = 0x0008 }), nil, new(*vqs.UnsupportedFlagsError)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			_, err := vqs.NewPacketWriter(&buf, tt.h)
			if err == nil || (tt.is != nil && !errors.Is(err, tt.is)) || (tt.as != nil && !errors.As(err, tt.as)) {
				t.Fatalf("error %v", err)
			}
			if buf.Len() != 0 {
				t.Errorf("wrote %d bytes for a rejected header", buf.Len())
			}
		})
	}

	var buf bytes.Buffer
	fw, err := vqs.NewPacketWriter(&buf, testFileHeader)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 256} {
		if err := fw.WritePacket(make([]byte, n)); !errors.Is(err, vqs.ErrPacketSize) {
			t.Errorf("WritePacket(%d bytes) = %v", n, err)
		}
	}
	if _, err := vqs.NewPacketWriterSize(&buf, testFileHeader, 256); err == nil {
		t.Error("256 packets per block accepted")
	}
	fw.Close()
	if err := fw.WritePacket([]byte{1}); !errors.Is(err, vqs.ErrPacketWriterClosed) {
		t.Errorf("write after close: %v", err)
	}
	if err := fw.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}

	// A failing writer: the error sticks and wraps the cause.
	fw, err = vqs.NewPacketWriterSize(&failWriter{n: 1}, testFileHeader, 2)
	if err != nil {
		t.Fatal(err)
	}
	fw.WritePacket([]byte{1})
	err1 := fw.WritePacket([]byte{2})
	err2 := fw.WritePacket([]byte{3})
	if err1 == nil || err2 != err1 || !strings.Contains(err1.Error(), "disk full") {
		t.Errorf("errors %v, %v", err1, err2)
	}
}

func TestFileZeroAllocs(t *testing.T) {
	pkts := testPackets(200, 8, 6)
	fw, err := vqs.NewPacketWriter(io.Discard, testFileHeader)
	if err != nil {
		t.Fatal(err)
	}
	i := 0
	if a := testing.AllocsPerRun(500, func() {
		fw.WritePacket(pkts[i%len(pkts)])
		i++
	}); a != 0 {
		t.Errorf("WritePacket: %v allocs/op", a)
	}

	f := encodeFile(t, pkts, 50)
	fr, err := vqs.NewPacketReader(bytes.NewReader(f.data))
	if err != nil {
		t.Fatal(err)
	}
	dst := make([]byte, 0, vqs.MaxPacketLen)
	if a := testing.AllocsPerRun(150, func() {
		if _, err := fr.ReadPacket(dst); err != nil {
			t.Fatal(err)
		}
	}); a != 0 {
		t.Errorf("ReadPacket: %v allocs/op", a)
	}
}

func TestFileReaderReset(t *testing.T) {
	a, b := testPackets(60, 8), testPackets(10, 2)
	fa, fb := encodeFile(t, a, 50), encodeFile(t, b, 50)
	fr, err := vqs.NewPacketReader(bytes.NewReader(fa.data[:fa.blocks[1]+7]))
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := fr.ReadPacket(nil); err == io.EOF {
			break
		}
	}
	if err := fr.Reset(bytes.NewReader(fb.data)); err != nil {
		t.Fatal(err)
	}
	var got [][]byte
	for {
		p, err := fr.ReadPacket(nil)
		if err != nil {
			if err != io.EOF {
				t.Fatal(err)
			}
			break
		}
		got = append(got, p)
	}
	equalPackets(t, got, b)
	if s := fr.Stats(); s.Damaged() || s.Packets != 10 {
		t.Errorf("stats after Reset %+v", s)
	}
}

func Example_vqsFile() {
	var file bytes.Buffer
	fw, _ := vqs.NewPacketWriter(&file, vqs.Header{SampleRate: 16000, PacketSamples: 320, Stages: 4})
	fw.WritePacket([]byte{1, 2, 3, 4, 5, 6, 7, 8}) // 4 stages
	fw.WritePacket([]byte{1, 2, 3, 4})             // 2 stages
	fw.Close()

	fr, err := vqs.NewPacketReader(&file)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("packet duration:", fr.Header().PacketDuration())
	pkt := make([]byte, 0, vqs.MaxPacketLen)
	for {
		pkt, err = fr.ReadPacket(pkt)
		var lost *vqs.CorruptBlockError
		switch {
		case err == io.EOF:
			fmt.Printf("done: %+v\n", fr.Stats())
			return
		case errors.As(err, &lost):
			fmt.Println("conceal", lost.Packets, "packets:", err) // lenient: go on
		case err != nil:
			fmt.Println(err) // includes a cut file; a strict tool stops at any error
			return
		default:
			fmt.Printf("%d bytes\n", len(pkt))
		}
	}
	// Output:
	// packet duration: 20ms
	// 8 bytes
	// 4 bytes
	// done: {Packets:2 Unverified:0 Blocks:1 CompactBlocks:0 AncillaryBlocks:0 CorruptRegions:0 LostPackets:0 SkippedSlots:0 SkippedBytes:0 Truncated:false TruncatedBytes:0}
}

func BenchmarkFileWritePacket(b *testing.B) {
	pkts := testPackets(500, 8)
	fw, err := vqs.NewPacketWriter(io.Discard, testFileHeader)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(8)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if err := fw.WritePacket(pkts[i%len(pkts)]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFileReadPacket(b *testing.B) {
	f := encodeFile(b, testPackets(50*60, 8), 50) // one minute
	r := bytes.NewReader(f.data)
	fr, err := vqs.NewPacketReader(r)
	if err != nil {
		b.Fatal(err)
	}
	dst := make([]byte, 0, vqs.MaxPacketLen)
	b.SetBytes(8)
	b.ReportAllocs()
	for b.Loop() {
		if _, err = fr.ReadPacket(dst); err == io.EOF {
			r.Reset(f.data)
			if err = fr.Reset(r); err != nil {
				b.Fatal(err)
			}
		} else if err != nil {
			b.Fatal(err)
		}
	}
}

// TestFileCorruptThenTruncated damages block 2 of 3 and cuts block 3: block
// 1 comes back verified, block 2 is reported lost, and block 3's complete
// records come back unverified.
func TestFileCorruptThenTruncated(t *testing.T) {
	pkts := testPackets(150, 8)
	f := encodeFile(t, pkts, 50)
	data := bytes.Clone(f.data[:f.blocks[2]+10+9*20+4]) // 20 records of block 3 and a bit
	data[f.blocks[1]+30] ^= 0x55
	res := readFile(t, data)
	equalPackets(t, res.pkts, concat(pkts[:50], pkts[100:120]))
	var ce *vqs.CorruptBlockError
	var te *vqs.TruncatedBlockError
	if len(res.errs) != 2 || !errors.As(res.errs[0], &ce) || !errors.As(res.errs[1], &te) || res.after[0] != 50 || res.after[1] != 70 {
		t.Fatalf("damage %v after %v", res.errs, res.after)
	}
	wantC := vqs.CorruptBlockError{Offset: int64(f.blocks[1]), Bytes: int64(f.blocks[2] - f.blocks[1]), Packets: 50, FirstPacket: 50}
	wantT := vqs.TruncatedBlockError{Offset: int64(f.blocks[2]), Unverified: 20, Lost: 30, MissingBytes: int64(len(f.data) - len(data))}
	if *ce != wantC || *te != wantT {
		t.Fatalf("got %+v, %+v\nwant %+v, %+v", *ce, *te, wantC, wantT)
	}
	if s := res.stats; s.LostPackets != 80 || s.Unverified != 20 || s.Blocks != 1 {
		t.Errorf("stats %+v", s)
	}
}

type errAfterReader struct {
	data []byte
	err  error
}

func (r *errAfterReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestFileReadError(t *testing.T) {
	pkts := testPackets(100, 8)
	f := encodeFile(t, pkts, 50)
	cause := errors.New("network unreachable")
	fr, err := vqs.NewPacketReader(&errAfterReader{data: f.data[:f.blocks[1]+40], err: cause})
	if err != nil {
		t.Fatal(err)
	}
	var got [][]byte
	for {
		p, err := fr.ReadPacket(nil)
		if err != nil {
			if !errors.Is(err, cause) {
				t.Fatalf("error %v does not wrap the cause", err)
			}
			if _, err2 := fr.ReadPacket(nil); err2 != err {
				t.Errorf("error not sticky: %v then %v", err, err2)
			}
			break
		}
		got = append(got, p)
	}
	equalPackets(t, got, pkts[:50])
}

// TestFileGapCapped gives block 2 a valid CRC but an index a billion
// packets ahead: the reported loss is capped so a decoder that conceals
// lost packets cannot be made to synthesise years of audio.
func TestFileGapCapped(t *testing.T) {
	pkts := testPackets(100, 8)
	f := encodeFile(t, pkts, 50)
	data := bytes.Clone(f.data)
	blk := data[f.blocks[1]:f.blocks[2]]
	binary.BigEndian.PutUint32(blk[4:], 1e9)
	binary.BigEndian.PutUint32(blk[len(blk)-4:], crc32.Checksum(blk[:len(blk)-4], crc32.MakeTable(crc32.Castagnoli)))
	res := readFile(t, data)
	equalPackets(t, res.pkts, pkts)
	var ce *vqs.CorruptBlockError
	if len(res.errs) != 1 || !errors.As(res.errs[0], &ce) {
		t.Fatalf("damage %v", res.errs)
	}
	want := vqs.CorruptBlockError{Offset: int64(f.blocks[1]), Packets: vqs.MaxBlockPackets, FirstPacket: 50}
	if *ce != want {
		t.Fatalf("%+v, want %+v", *ce, want)
	}
}

func TestPlainFileSize(t *testing.T) {
	pkts := testPackets(120, 8, 5, 7)
	f := encodeFile(t, pkts, 50)
	var payload int64
	for _, p := range pkts {
		payload += int64(len(p))
	}
	blocks := int64(len(f.blocks) - 1) // f.blocks holds each block's offset and the end
	if got := vqs.PlainFileSize(blocks, int64(len(pkts)), payload); got != int64(len(f.data)) {
		t.Errorf("PlainFileSize %d, the file has %d bytes", got, len(f.data))
	}
}
