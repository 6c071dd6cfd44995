package tokens_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/codec/tokens"
)

func TestHeaderRoundTrip(t *testing.T) {
	for _, h := range []tokens.Header{
		{Codebook: [8]byte{0xed, 0x26, 0xe0, 0x75, 0x95, 0x9c, 0x91, 0x56}, Stages: 3},
		{Codebook: [8]byte{0xed, 0x26, 0xe0, 0x75, 0x95, 0x9c, 0x91, 0x56}, Stages: 3, PadBook: true, PadBookTag: 0x5ff6},
		{Codebook: [8]byte{0xed, 0x26, 0xe0, 0x75, 0x95, 0x9c, 0x91, 0x56}, Stages: 1, PadBook: true, PadBookTag: 0},
	} {
		testHeaderRoundTrip(t, h)
	}
}

func testHeaderRoundTrip(t *testing.T, h tokens.Header) {
	rec := tokens.Token{Time: 0.02, Packet: codec.Packet{Stages: 3, Index: [codec.MaxStages]int{1, 2, 3}, F0: 60, Voicing: 5, Energy: 40, Pad: 3}}
	if h.Stages < 3 {
		rec.Packet = codec.Packet{Stages: 1, Index: [codec.MaxStages]int{7}, Pad: 33}
	}
	for _, format := range []tokens.Format{tokens.JSONL, tokens.CSV} {
		var buf bytes.Buffer
		if err := tokens.WriteHeader(&buf, format, h); err != nil {
			t.Fatal(err)
		}
		w, err := tokens.NewWriter(&buf, format, h.Stages)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Write(&rec); err != nil {
			t.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		rest, got, lines, err := tokens.ReadHeader(&buf, format)
		if err != nil || got == nil || *got != h || lines != 1 {
			t.Fatalf("format %d: header %+v, %d lines, %v; want %+v", format, got, lines, err, h)
		}
		var tok tokens.Token
		r := tokens.NewReader(rest, format, 1024, h.Stages)
		if err := r.Read(&tok); err != nil || tok != rec {
			t.Errorf("format %d: record after the header: %+v, %v", format, tok, err)
		}
		if err := r.Read(&tok); err != io.EOF {
			t.Errorf("format %d: after the last record: %v", format, err)
		}
	}
}

// A file without a header (tokens a model wrote) reads as before.
func TestHeaderAbsent(t *testing.T) {
	line := `{"t":0,"index":[1],"f0":60,"voicing":5,"energy":40,"mid_f0":3,"mid_voicing":2,"mid_energy":4}` + "\n"
	rest, h, lines, err := tokens.ReadHeader(strings.NewReader(line), tokens.JSONL)
	if err != nil || h != nil || lines != 0 {
		t.Fatalf("header %+v, %d lines, %v; want none", h, lines, err)
	}
	var tok tokens.Token
	if err := tokens.NewReader(rest, tokens.JSONL, 1024, 4).Read(&tok); err != nil || tok.Packet.Index[0] != 1 {
		t.Errorf("the record: %+v, %v", tok, err)
	}
}

func TestHeaderBad(t *testing.T) {
	for _, tc := range []struct {
		format tokens.Format
		in     string
	}{
		{tokens.JSONL, `{"codebook":"xyz","stages":4}`},
		{tokens.JSONL, `{"codebook":"ed26e075959c9156","stages":9}`},
		{tokens.CSV, `# codebook=ed26e075959c9156 stages=four`},
		{tokens.CSV, `# codebook=ed26 stages=2`},
		// the pad book's tag is 4 hex digits, nothing else
		{tokens.JSONL, `{"codebook":"ed26e075959c9156","stages":3,"padbook":"5ff6dd"}`},
		{tokens.JSONL, `{"codebook":"ed26e075959c9156","stages":3,"padbook":"zz"}`},
		{tokens.JSONL, `{"codebook":"ed26e075959c9156","stages":3,"padbook":""}`},
		{tokens.JSONL, `{"codebook":"ed26e075959c9156","stages":3,"padbook":null}`},
		{tokens.JSONL, `{"codebook":"ed26e075959c9156","stages":3,"padbook":24566}`},
		{tokens.CSV, `# codebook=ed26e075959c9156 stages=3 padbook=5ff`},
		{tokens.CSV, `# codebook=ed26e075959c9156 stages=3 padbook=`},
	} {
		_, _, _, err := tokens.ReadHeader(strings.NewReader(tc.in+"\n"), tc.format)
		var te *tokens.Error
		if !errors.As(err, &te) || te.Line != 1 || !errors.Is(err, tokens.ErrSyntax) {
			t.Errorf("%q: %v, want a syntax error on line 1", tc.in, err)
		}
	}
}

// The header names the pad book the records' pads index; a reader refuses
// one that is not its decoder's, as vqs.CheckPadBook refuses such a file.
func TestHeaderCheckPadBook(t *testing.T) {
	pb := codec.DefaultPadBook()
	fp := pb.Fingerprint()
	tag := uint16(fp[0])<<8 | uint16(fp[1])
	cb := [8]byte{0xed, 0x26, 0xe0, 0x75, 0x95, 0x9c, 0x91, 0x56}
	// another pad book, as a retrained default would be: one value changed
	var file bytes.Buffer
	if err := codec.WritePadBook(&file, pb); err != nil {
		t.Fatal(err)
	}
	file.Bytes()[file.Len()-5] ^= 1 // the last entry value's lowest bits (the last byte: 4 stages, no pad bits)
	retrained, err := codec.ParsePadBook(file.Bytes(), codec.DefaultCodebook())
	if err != nil {
		t.Fatal(err)
	}
	if fp2 := retrained.Fingerprint(); fp2[0] == fp[0] && fp2[1] == fp[1] {
		t.Fatalf("the changed pad book has the same tag: %x", fp2)
	}
	for _, tc := range []struct {
		name string
		h    tokens.Header
		pb   *codec.PadBook
		pads bool // a record carries a pad
		ok   bool
	}{
		{"names the decoder's", tokens.Header{Codebook: cb, Stages: 1, PadBook: true, PadBookTag: tag}, pb, true, true},
		{"names another", tokens.Header{Codebook: cb, Stages: 1, PadBook: true, PadBookTag: tag ^ 1}, pb, true, false},
		// a tag is checked even before (or without) a record with a pad, as a .vqs header's is
		{"names another, no pads", tokens.Header{Codebook: cb, Stages: 1, PadBook: true, PadBookTag: tag ^ 1}, pb, false, false},
		{"names one, decoder has none", tokens.Header{Codebook: cb, Stages: 1, PadBook: true, PadBookTag: tag}, nil, false, false},
		{"names none, no pads", tokens.Header{Codebook: cb, Stages: 1}, nil, false, true},
		// written before headers named pad books: the only pad book there was
		{"names none, pads", tokens.Header{Codebook: cb, Stages: 1}, pb, true, tag == tokens.LegacyPadBookTag},
		{"names none, pads, decoder has none", tokens.Header{Codebook: cb, Stages: 1}, nil, true, false},
		{"names none, pads, decoder has a retrained one", tokens.Header{Codebook: cb, Stages: 1}, retrained, true, false},
		{"names none, no pads, decoder has a retrained one", tokens.Header{Codebook: cb, Stages: 1}, retrained, false, true},
	} {
		err := tc.h.CheckPadBook(tc.pb, tc.pads)
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, tokens.ErrPadBookMismatch)) {
			t.Errorf("%s: %v, want ok %v", tc.name, err, tc.ok)
		}
	}
	if tag != tokens.LegacyPadBookTag {
		t.Logf("the embedded pad book is %04x…, no longer the one token files without a pad book tag imply", tag)
	}
}
