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

// TestTrainEnvModel trains the envelope model on two clips with one and
// with two cores and wants the same bytes, a model the default codebook's
// decoder accepts and the held-out table.
func TestTrainEnvModel(t *testing.T) {
	dir := t.TempDir()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	var files [][]byte
	for _, procs := range []int{1, 2} {
		runtime.GOMAXPROCS(procs)
		out := filepath.Join(dir, "m"+string(rune('0'+procs))+".vqem")
		code, stdout, stderr := vqspeak(t, "train", "-envmodel", "-o", out,
			filepath.Join(audioDir, "fleurs-es-006.wav"), filepath.Join(audioDir, "librispeech-367-f.wav"))
		if code != 0 {
			t.Fatalf("GOMAXPROCS %d: exit %d: %s", procs, code, stderr)
		}
		for _, want := range []string{"1 stages:", "4 stages:", "without the model"} {
			if !strings.Contains(stdout, want) {
				t.Errorf("stdout lacks %q:\n%s", want, stdout)
			}
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		m, err := codec.ParseEnvelopeModel(b, codec.DefaultCodebook())
		if err != nil {
			t.Fatal(err)
		}
		dec, _ := codec.NewDecoder(codec.DefaultCodebook())
		if err := dec.SetEnvelopeModel(m); err != nil {
			t.Fatal(err)
		}
		files = append(files, b)
	}
	if !bytes.Equal(files[0], files[1]) {
		t.Fatal("GOMAXPROCS 1 and 2 trained different models")
	}
}
