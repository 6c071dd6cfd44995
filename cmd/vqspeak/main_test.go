package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// vqspeak runs the CLI in-process and returns its exit code, stdout and stderr.
func vqspeak(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(""), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

const clip = "../../testdata/audio/librispeech-367-f.wav"

func TestEncodeDecodeInfo(t *testing.T) {
	dir := t.TempDir()
	vqs := filepath.Join(dir, "a.vqs")
	wav := filepath.Join(dir, "a.wav")
	if code, _, stderr := vqspeak(t, "encode", clip, vqs); code != 0 {
		t.Fatalf("encode: exit %d: %s", code, stderr)
	}
	if code, _, stderr := vqspeak(t, "decode", vqs, wav); code != 0 {
		t.Fatalf("decode: exit %d: %s", code, stderr)
	}
	code, out, stderr := vqspeak(t, "info", vqs)
	if code != 0 {
		t.Fatalf("info: exit %d: %s", code, stderr)
	}
	for _, want := range []string{"3200 b/s", "30 ms", "matches the codebook"} {
		if !strings.Contains(out, want) {
			t.Errorf("info output lacks %q:\n%s", want, out)
		}
	}
	code, out, stderr = vqspeak(t, "eval", clip, wav)
	if code != 0 {
		t.Fatalf("eval: exit %d: %s", code, stderr)
	}
	if !strings.Contains(out, "STOI") || !strings.Contains(out, "MCD") {
		t.Errorf("eval output: %s", out)
	}
}

func TestUsageAndFailures(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out.vqs")
	notWAV := filepath.Join(dir, "notwav.wav")
	os.WriteFile(notWAV, []byte("hello, this is not audio at all"), 0o644)
	for _, tc := range []struct {
		args     []string
		code     int
		contains string
	}{
		{[]string{}, exitUsage, "usage"},
		{[]string{"nonsense"}, exitUsage, "unknown command"},
		{[]string{"encode", clip}, exitUsage, "usage: vqspeak encode"},
		{[]string{"encode", "-stages", "9", clip, out}, exitUsage, "-stages 9"},
		{[]string{"encode", "-h"}, exitOK, ""},
		{[]string{"encode", filepath.Join(dir, "missing.wav"), out}, exitFailure, "no such file"},
		{[]string{"encode", dir, out}, exitFailure, "is a directory"},
		{[]string{"encode", notWAV, out}, exitFailure, "not"},
		{[]string{"decode", notWAV, out}, exitFailure, "not a .vqs file"},
		{[]string{"encode", "-codebook", notWAV, clip, out}, exitFailure, "codebook"},
	} {
		code, _, stderr := vqspeak(t, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.contains) {
			t.Errorf("vqspeak %v: exit %d, stderr %q; want exit %d and %q", tc.args, code, stderr, tc.code, tc.contains)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("vqspeak %v left %s behind", tc.args, out)
			os.Remove(out)
		}
	}
}
