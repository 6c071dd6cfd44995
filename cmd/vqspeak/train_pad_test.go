package main

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/vqspeak/vqspeak/codec"
)

// TestTrainPad trains pad stages on two clips with one and with two cores
// and wants the same bytes, a pad book the default codebook's encoder
// accepts and the held-out table.
func TestTrainPad(t *testing.T) {
	dir := t.TempDir()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	var files [][]byte
	for _, procs := range []int{1, 2} {
		runtime.GOMAXPROCS(procs)
		out := filepath.Join(dir, "p"+string(rune('0'+procs))+".vqpd")
		code, stdout, stderr := vqspeak(t, "train", "-pad", "-iter", "5", "-o", out,
			filepath.Join(audioDir, "fleurs-es-006.wav"), filepath.Join(audioDir, "librispeech-367-f.wav"))
		if code != 0 {
			t.Fatalf("GOMAXPROCS %d: exit %d: %s", procs, code, stderr)
		}
		for _, want := range []string{"1 stages + 6 pad bits:", "3 stages + 2 pad bits:", "without the pad stage"} {
			if !strings.Contains(stdout, want) {
				t.Errorf("stdout lacks %q:\n%s", want, stdout)
			}
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		pb, err := codec.ParsePadBook(b, codec.DefaultCodebook())
		if err != nil {
			t.Fatal(err)
		}
		enc, _ := codec.NewEncoder(codec.DefaultCodebook(), 1)
		if err := enc.SetPadBook(pb); err != nil {
			t.Fatal(err)
		}
		files = append(files, b)
	}
	if !bytes.Equal(files[0], files[1]) {
		t.Fatal("GOMAXPROCS 1 and 2 trained different pad books")
	}
	if code, _, stderr := vqspeak(t, "train", "-pad", "-envmodel", "-o", filepath.Join(dir, "x"), audioDir); code == 0 || !strings.Contains(stderr, "one at a time") {
		t.Errorf("-pad -envmodel: exit %d, %s", code, stderr)
	}
}
