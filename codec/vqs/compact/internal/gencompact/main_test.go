package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGenerate checks that the tables do not depend on the parallelism,
// that the output is the Go the codec
// compiles, and that a different existing file is not overwritten.
func TestGenerate(t *testing.T) {
	audio := filepath.Join("..", "..", "..", "..", "..", "testdata", "audio")
	files := []string{
		filepath.Join(audio, "librispeech-7312-m.wav"),
		filepath.Join(audio, "speechcommands-bed-28497c5b.flac"),
	}
	a, err := generate(files, 3, 4, 1)
	if err != nil {
		t.Fatal(err)
	}
	b, err := generate(files, 3, 4, 2)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Error("1 and 2 workers give different tables")
	}
	src := string(a)
	for _, want := range []string{"DO NOT EDIT", "package compact", "var tablesV3 = [numStreamKinds]string{", "(2 files)", "stage 1 index delta, low byte (8-bit symbols)"} {
		if !strings.Contains(src, want) {
			t.Errorf("output lacks %q:\n%s", want, src)
		}
	}
	if n := strings.Count(src, "\t\"\\x"); n != 8 {
		t.Errorf("%d tables, want 8", n)
	}

	dir := t.TempDir()
	out := filepath.Join(dir, "t.go")
	args := []string{"-set", "3", "-o", out, "-j", "1", files[1], files[0]}
	if err := run(args, io.Discard); err != nil {
		t.Fatal(err)
	}
	first, _ := os.ReadFile(out)
	if !bytes.Equal(first, a) {
		t.Error("run, given the files in another order, wrote other tables than generate")
	}
	if err := run(args, io.Discard); err != nil {
		t.Errorf("second run over an identical file: %v", err)
	}
	if err := os.WriteFile(out, []byte("package compact\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(args, io.Discard); err == nil || !strings.Contains(err.Error(), "never changes") {
		t.Errorf("overwriting other tables: %v", err)
	}
	if err := run(append([]string{"-force"}, args...), io.Discard); err != nil {
		t.Fatal(err)
	}
	if again, _ := os.ReadFile(out); !bytes.Equal(again, first) {
		t.Error("-force did not rewrite the same tables")
	}
	if err := run([]string{"-set", "1", audio}, io.Discard); err == nil {
		t.Error("-set 1 accepted")
	}
}
