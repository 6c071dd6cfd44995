package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/codec/tokens"
	"github.com/vqspeak/vqspeak/codec/vqs"
)

// TestTokensPadBook: token files of packets with pad stages name the pad
// book (the .vqs header's tag, propagated), and untokens refuses a file
// naming another one by name, as decode refuses such a .vqs file. A header
// without the tag (written before headers named pad books) reads as the pad
// book those builds had; tokens refuses a .vqs naming a pad book it lacks.
func TestTokensPadBook(t *testing.T) {
	dir := t.TempDir()
	tag := fmt.Sprintf("%04x", vqs.PadBookTag(codec.DefaultPadBook().Fingerprint()))
	other := fmt.Sprintf("%04x", vqs.PadBookTag(codec.DefaultPadBook().Fingerprint())^0x5a5a)
	in := filepath.Join(dir, "a.vqs")
	ref := filepath.Join(dir, "ref.wav")
	if code, _, stderr := vqspeak(t, "encode", "-stages", "1", clip, in); code != 0 {
		t.Fatal(stderr)
	}
	if code, _, stderr := vqspeak(t, "decode", in, ref); code != 0 {
		t.Fatal(stderr)
	}
	want, _ := os.ReadFile(ref)
	for _, tc := range []struct {
		format, named, unnamed, lie string
	}{
		{"jsonl", `,"padbook":"` + tag + `"}`, `}`, `,"padbook":"` + other + `"}`},
		{"csv", " padbook=" + tag, "", " padbook=" + other},
	} {
		tok := filepath.Join(dir, "t."+tc.format)
		if code, _, stderr := vqspeak(t, "tokens", "-f", "-format", tc.format, "-o", tok, in); code != 0 {
			t.Fatal(stderr)
		}
		good, _ := os.ReadFile(tok)
		header, body, _ := strings.Cut(string(good), "\n")
		if !strings.HasSuffix(header, tc.named) {
			t.Fatalf("%s: header %q does not name pad book %s", tc.format, header, tag)
		}
		if !strings.Contains(body, "pad") {
			t.Fatalf("%s: no record carries a pad", tc.format)
		}
		untok := func(header string) (int, string, []byte) {
			f := filepath.Join(dir, "u."+tc.format)
			os.WriteFile(f, []byte(header+"\n"+body), 0o644)
			out := filepath.Join(dir, "out.wav")
			os.Remove(out)
			code, _, stderr := vqspeak(t, "untokens", f, out)
			got, _ := os.ReadFile(out)
			return code, stderr, got
		}
		if code, stderr, got := untok(header); code != 0 || !bytes.Equal(got, want) {
			t.Errorf("%s: exit %d %s; %d bytes, want the %d of the decoded .vqs", tc.format, code, stderr, len(got), len(want))
		}
		// a tag that names another pad book is refused, by name
		code, stderr, got := untok(strings.TrimSuffix(header, tc.named) + tc.lie)
		if code != 1 || !strings.Contains(stderr, "needs pad book "+other) || got != nil {
			t.Errorf("%s: another pad book: exit %d, stderr %q, %d bytes out", tc.format, code, stderr, len(got))
		}
		// no tag, records with pads: the pad book of the builds that wrote such files
		code, stderr, got = untok(strings.TrimSuffix(header, tc.named) + tc.unnamed)
		if tag == fmt.Sprintf("%04x", tokens.LegacyPadBookTag) {
			if code != 0 || !bytes.Equal(got, want) {
				t.Errorf("%s: header without a pad book: exit %d %s; %d bytes, want %d", tc.format, code, stderr, len(got), len(want))
			}
		} else if code != 1 || !strings.Contains(stderr, "needs pad book") {
			t.Errorf("%s: header without a pad book, another embedded one: exit %d, stderr %q", tc.format, code, stderr)
		}
	}

	// a 4-stage file has no pad bits: its tokens name no pad book
	tok := filepath.Join(dir, "t4.jsonl")
	if code, _, stderr := vqspeak(t, "tokens", "-stages", "4", "-o", tok, clip); code != 0 {
		t.Fatal(stderr)
	}
	if b, _ := os.ReadFile(tok); bytes.Contains(b, []byte("pad")) {
		t.Errorf("4-stage tokens mention a pad: %.100s", b)
	}

	// tokens refuses a .vqs whose header names a pad book the build lacks
	data, _ := os.ReadFile(in)
	fr, err := vqs.NewPacketReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	h := fr.Header()
	h.Flags &^= vqs.FlagCompactBlocks
	h.PadBookTag ^= 0x5a5a
	var b bytes.Buffer
	lw, err := vqs.NewLiveWriter(&b, h)
	if err != nil {
		t.Fatal(err)
	}
	for slot := uint32(0); slot < 10; slot++ {
		p, err := fr.ReadPacket(nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := lw.WritePacket(slot, p); err != nil {
			t.Fatal(err)
		}
	}
	lying := filepath.Join(dir, "other.vqs")
	os.WriteFile(lying, b.Bytes(), 0o644)
	code, _, stderr := vqspeak(t, "tokens", "-f", "-o", tok, lying)
	if code != 1 || !strings.Contains(stderr, "needs pad book "+other) {
		t.Errorf("tokens of a .vqs naming another pad book: exit %d, stderr %q", code, stderr)
	}
}
