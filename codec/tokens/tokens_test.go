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

func TestRoundTrip(t *testing.T) {
	in := []tokens.Token{
		{Time: 0, Packet: codec.Packet{Stages: 4, Index: [codec.MaxStages]int{512, 3, 77, 1000}, F0: 60, Voicing: 5, Energy: 40, MidF0: 3, MidVoice: 2, MidEnergy: 4}},
		{Time: 0.02, Packet: codec.Packet{Stages: 1, Index: [codec.MaxStages]int{1023}, F0: 127, Voicing: 7, Energy: 63, MidF0: 7, MidVoice: 3, MidEnergy: 7}},
	}
	for _, format := range []tokens.Format{tokens.JSONL, tokens.CSV} {
		var buf bytes.Buffer
		w, err := tokens.NewWriter(&buf, format, 4)
		if err != nil {
			t.Fatal(err)
		}
		for i := range in {
			if err := w.Write(&in[i]); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		if format == tokens.JSONL {
			want := `{"t":0,"index":[512,3,77,1000],"f0":60,"voicing":5,"energy":40,"mid_f0":3,"mid_voicing":2,"mid_energy":4}`
			if line, _, _ := strings.Cut(buf.String(), "\n"); line != want {
				t.Errorf("JSONL record\n%s\nwant\n%s", line, want)
			}
		}
		r := tokens.NewReader(bytes.NewReader(buf.Bytes()), format, 1024, 4)
		for i := range in {
			var got tokens.Token
			if err := r.Read(&got); err != nil {
				t.Fatalf("format %d, record %d: %v", format, i, err)
			}
			if got != in[i] {
				t.Errorf("format %d, record %d: %+v, want %+v", format, i, got, in[i])
			}
		}
		var tok tokens.Token
		if err := r.Read(&tok); err != io.EOF {
			t.Errorf("after the last record: %v, want io.EOF", err)
		}
	}
}

func TestReaderNamesLineAndField(t *testing.T) {
	in := "{\"t\":0,\"index\":[1],\"f0\":60,\"voicing\":5,\"energy\":40,\"mid_f0\":3,\"mid_voicing\":2,\"mid_energy\":4}\n" +
		"{\"t\":0.02,\"index\":[1],\"f0\":60,\"voicing\":8,\"energy\":40,\"mid_f0\":3,\"mid_voicing\":2,\"mid_energy\":4}\n"
	r := tokens.NewReader(strings.NewReader(in), tokens.JSONL, 1024, 4)
	var tok tokens.Token
	if err := r.Read(&tok); err != nil {
		t.Fatal(err)
	}
	err := r.Read(&tok)
	var te *tokens.Error
	if !errors.As(err, &te) || te.Line != 2 || te.Field != "voicing" || !errors.Is(err, tokens.ErrRange) {
		t.Errorf("got %v, want a range error on line 2, field voicing", err)
	}
}

// TestReaderMessages: each bad record gets the message that says what is
// wrong with it, and RFC 4180 quoting in CSV is read as spreadsheets mean it.
func TestReaderMessages(t *testing.T) {
	const fields = `"f0":60,"voicing":5,"energy":40,"mid_f0":3,"mid_voicing":2,"mid_energy":4`
	const csvHead = "t,f0,voicing,energy,mid_f0,mid_voicing,mid_energy,i1,i2\n"
	for _, tc := range []struct {
		name, in string
		format   tokens.Format
		field    string // "" when the record must be read
		want     string
	}{
		{"time beyond any recording", `{"t":1e300,"index":[1],` + fields + "}", tokens.JSONL, "t", "1e+300 s is later than any recording"},
		{"index missing", `{"t":0,` + fields + "}", tokens.JSONL, "index", "missing"},
		{"index null", `{"t":0,"index":null,` + fields + "}", tokens.JSONL, "index", "missing"},
		{"index empty", `{"t":0,"index":[],` + fields + "}", tokens.JSONL, "index", "0 indices, want 1 to 4"},
		{"CSV index cells empty", csvHead + "0,60,5,40,3,2,4,,", tokens.CSV, "index", "missing"},
		{"CSV quoted cells", csvHead + `"0","60",5,40,3,2,4,"482",""`, tokens.CSV, "", ""},
		{"CSV pad but no index column", "t,f0,voicing,energy,mid_f0,mid_voicing,mid_energy,pad\n0,60,5,40,3,2,4,1", tokens.CSV, "", "want 7 plus 1 to 4 index columns and an optional pad column"},
		{"pad on a 4-stage record", `{"t":0,"index":[1,2,3,4],` + fields + `,"pad":1}`, tokens.JSONL, "pad", "4-stage packets have no spare bits: pad must be 0"},
		{"CSV bad quoting", csvHead + `0,60,5,40,3,2,4,"48"2,`, tokens.CSV, "", "line 2: malformed token line: CSV column 20: extraneous or missing \" in quoted-field"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tokens.NewReader(strings.NewReader(tc.in), tc.format, 1024, 4)
			var tok tokens.Token
			err := r.Read(&tok)
			if tc.want == "" {
				if err != nil || tok.Packet.Stages != 1 || tok.Packet.Index[0] != 482 || tok.Packet.F0 != 60 {
					t.Fatalf("%v, %+v", err, tok)
				}
				return
			}
			var te *tokens.Error
			if !errors.As(err, &te) || te.Field != tc.field || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want field %q and %q", err, tc.field, tc.want)
			}
		})
	}
}

// TestPadRoundTrip: a packet's pad stage survives JSONL and CSV, a record
// without it reads as pad 0, and a pad wider than the packet's spare bits
// is refused.
func TestPadRoundTrip(t *testing.T) {
	for _, format := range []tokens.Format{tokens.JSONL, tokens.CSV} {
		var buf bytes.Buffer
		tw, err := tokens.NewWriter(&buf, format, 4)
		if err != nil {
			t.Fatal(err)
		}
		in := []tokens.Token{
			{Time: 0, Packet: codec.Packet{Stages: 1, Index: [codec.MaxStages]int{5}, F0: 60, MidF0: 4, Pad: 63}},
			{Time: 0.02, Packet: codec.Packet{Stages: 3, Index: [codec.MaxStages]int{5, 6, 7}, F0: 61, MidF0: 4, Pad: 2}},
			{Time: 0.04, Packet: codec.Packet{Stages: 4, Index: [codec.MaxStages]int{5, 6, 7, 8}, F0: 62, MidF0: 4}},
		}
		for i := range in {
			if err := tw.Write(&in[i]); err != nil {
				t.Fatal(err)
			}
		}
		if err := tw.Flush(); err != nil {
			t.Fatal(err)
		}
		tr := tokens.NewReader(&buf, format, 1024, 4)
		for i := range in {
			var tok tokens.Token
			if err := tr.Read(&tok); err != nil {
				t.Fatal(err)
			}
			if tok != in[i] {
				t.Errorf("format %d record %d: %+v, want %+v", format, i, tok, in[i])
			}
		}
	}
	bad := `{"t":0,"index":[1,2,3],"f0":60,"voicing":5,"energy":40,"mid_f0":3,"mid_voicing":2,"mid_energy":4,"pad":4}`
	var tok tokens.Token
	if err := tokens.NewReader(strings.NewReader(bad), tokens.JSONL, 1024, 4).Read(&tok); !errors.Is(err, tokens.ErrRange) {
		t.Errorf("pad 4 at 3 stages (2 spare bits): %v, want ErrRange", err)
	}
}
