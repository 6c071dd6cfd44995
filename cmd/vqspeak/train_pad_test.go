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

// TestInfoPadStages: info names the pad book of a 1-stage file and says
// whether the codebook in use has it; a 4-stage file has none.
func TestInfoPadStages(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		bitrate string
		want    bool
	}{{"2000", true}, {"3200", false}} {
		out := filepath.Join(dir, c.bitrate+".vqs")
		if code, _, stderr := vqspeak(t, "encode", "-bitrate", c.bitrate, filepath.Join(audioDir, "librispeech-367-f.wav"), out); code != 0 {
			t.Fatalf("encode: exit %d: %s", code, stderr)
		}
		code, stdout, stderr := vqspeak(t, "info", out)
		if code != 0 {
			t.Fatalf("info: exit %d: %s", code, stderr)
		}
		if got := strings.Contains(stdout, "pad stages:  pad book") && strings.Contains(stdout, "matches the codebook's pad book"); got != c.want {
			t.Errorf("%s b/s: pad stages line %v, want %v:\n%s", c.bitrate, got, c.want, stdout)
		}
	}
}

// TestInfoPadStagesOtherCodebook: info -codebook OTHER on a file made with
// the default codebook's pad stages does not claim that this build cannot
// decode it: the codebook is what does not match, and decoding without
// -codebook works.
func TestInfoPadStagesOtherCodebook(t *testing.T) {
	dir := t.TempDir()
	other := filepath.Join(dir, "other.vqcb")
	if code, _, stderr := vqspeak(t, "train", "-q", "-size", "128", "-stages", "1", "-iter", "2", "-o", other, filepath.Join(audioDir, "librispeech-367-f.wav")); code != 0 {
		t.Fatalf("train: exit %d: %s", code, stderr)
	}
	out := filepath.Join(dir, "a.vqs")
	if code, _, stderr := vqspeak(t, "encode", "-stages", "1", filepath.Join(audioDir, "librispeech-367-f.wav"), out); code != 0 {
		t.Fatalf("encode: exit %d: %s", code, stderr)
	}
	code, stdout, stderr := vqspeak(t, "info", "-codebook", other, out)
	if code != 0 {
		t.Fatalf("info: exit %d: %s", code, stderr)
	}
	if strings.Contains(stdout, "cannot decode") || !strings.Contains(stdout, "the default codebook's pad book") {
		t.Errorf("info -codebook OTHER of a default 1-stage file:\n%s", stdout)
	}
}
