package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTokensRoundTrip checks wav → tokens → wav equals wav → vqs → wav
// byte for byte, for both formats and from a compact .vqs too.
func TestTokensRoundTrip(t *testing.T) {
	dir := t.TempDir()
	vqs := filepath.Join(dir, "a.vqs")
	ref := filepath.Join(dir, "ref.wav")
	if code, _, stderr := vqspeak(t, "encode", "-stages", "3", "-compact", clip, vqs); code != 0 {
		t.Fatal(stderr)
	}
	if code, _, stderr := vqspeak(t, "decode", vqs, ref); code != 0 {
		t.Fatal(stderr)
	}
	want, _ := os.ReadFile(ref)
	for _, format := range []string{"jsonl", "csv"} {
		for _, src := range []string{clip, vqs} {
			tok := filepath.Join(dir, "t."+format)
			out := filepath.Join(dir, "out.wav")
			if code, _, stderr := vqspeak(t, "tokens", "-f", "-format", format, "-stages", "3", "-o", tok, src); code != 0 {
				t.Fatalf("tokens %s %s: %s", format, src, stderr)
			}
			if code, _, stderr := vqspeak(t, "untokens", "-f", tok, out); code != 0 {
				t.Fatalf("untokens %s: %s", format, stderr)
			}
			got, _ := os.ReadFile(out)
			if len(want) < 1000 || !bytes.Equal(got, want) {
				t.Errorf("%s from %s: %d bytes differ from the %d of the decoded .vqs", format, src, len(got), len(want))
			}
		}
	}
}

func TestUntokensErrors(t *testing.T) {
	dir := t.TempDir()
	tok := filepath.Join(dir, "t.jsonl")
	if code, _, stderr := vqspeak(t, "tokens", "-o", tok, clip); code != 0 {
		t.Fatal(stderr)
	}
	good, _ := os.ReadFile(tok)
	lines := strings.SplitAfter(string(good), "\n")
	csvHeader := "t,f0,voicing,energy,mid_f0,mid_voicing,mid_energy,i1,i2\n"
	tests := []struct {
		name, ext, body, want string
	}{
		{"index too big", "jsonl", lines[0] + lines[1] + `{"t":0.04,"index":[1,1024,3,4],"f0":1,"voicing":0,"energy":3,"mid_f0":0,"mid_voicing":0,"mid_energy":0}` + "\n",
			"line 3: field index[1]: token value out of range: 1024 outside 0..1023 (codebook size 1024)"},
		{"pitch too big", "jsonl", `{"t":0,"index":[1],"f0":128,"voicing":0,"energy":3,"mid_f0":0,"mid_voicing":0,"mid_energy":0}`,
			"line 1: field f0: token value out of range: 128 outside 0..127"},
		{"missing field", "jsonl", `{"t":0,"index":[1],"f0":1,"energy":3,"mid_f0":0,"mid_voicing":0,"mid_energy":0}`,
			"line 1: field voicing: malformed token line: missing"},
		{"not json", "jsonl", "\n{oops", "line 2: malformed token line"},
		{"unknown field", "jsonl", `{"t":0,"idx":[1]}`, "line 1: malformed token line: json: unknown field"},
		{"time backwards", "jsonl", lines[0] + lines[1] + lines[2] + lines[1], "line 4: field t: token value out of range"},
		// issue 13: the header record names the codebook and stage count
		{"other codebook", "jsonl", `{"codebook":"0123456789abcdef","stages":4}` + "\n" + lines[1],
			"the file was encoded with a different codebook: file needs codebook 0123456789abcdef"},
		{"csv other codebook", "csv", "# codebook=0123456789abcdef stages=2\n" + csvHeader + "0,60,3,30,1,1,1,5,6\n",
			"the file was encoded with a different codebook: file needs codebook 0123456789abcdef"},
		{"bad fingerprint", "jsonl", `{"codebook":"xyz","stages":4}` + "\n", `line 1: malformed token line: header record: codebook "xyz"`},
		{"more indices than the header says", "jsonl", strings.Replace(lines[0], `"stages":4`, `"stages":2`, 1) + lines[1],
			"line 2: field index: token value out of range"},
		{"csv index too big", "csv", csvHeader + "0,60,3,30,1,1,1,5,2000\n", "line 2: field i2: token value out of range: 2000 outside 0..1023"},
		{"csv energy negative", "csv", csvHeader + "0,60,3,-1,1,1,1,5,6\n", "line 2: field energy: token value out of range: -1 outside 0..63"},
		{"csv not a number", "csv", csvHeader + "0,60,x,3,1,1,1,5,6\n", `line 2: field voicing: malformed token line: "x" is not an integer`},
		{"csv short row", "csv", csvHeader + "0,60,3\n", "line 2: malformed token line: 3 cells, the header has 9"},
		{"csv bad header", "csv", "t,pitch\n", "line 1: malformed token line: CSV header"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := filepath.Join(dir, "bad."+tc.ext)
			os.WriteFile(in, []byte(tc.body), 0o644)
			out := filepath.Join(dir, "bad.wav")
			code, _, stderr := vqspeak(t, "untokens", in, out)
			if code != 1 || !strings.Contains(stderr, tc.want) {
				t.Fatalf("exit %d, stderr %q, want it to contain %q", code, stderr, tc.want)
			}
			if _, err := os.Stat(out); err == nil {
				t.Error("an output file was left behind")
			}
		})
	}
}
