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
	h := tokens.Header{Codebook: [8]byte{0xed, 0x26, 0xe0, 0x75, 0x95, 0x9c, 0x91, 0x56}, Stages: 3}
	rec := tokens.Token{Time: 0.02, Packet: codec.Packet{Stages: 3, Index: [codec.MaxStages]int{1, 2, 3}, F0: 60, Voicing: 5, Energy: 40}}
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
	} {
		_, _, _, err := tokens.ReadHeader(strings.NewReader(tc.in+"\n"), tc.format)
		var te *tokens.Error
		if !errors.As(err, &te) || te.Line != 1 || !errors.Is(err, tokens.ErrSyntax) {
			t.Errorf("%q: %v, want a syntax error on line 1", tc.in, err)
		}
	}
}
