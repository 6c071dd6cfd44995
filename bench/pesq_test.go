package bench

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/vqspeak/vqspeak/codec"
)

// fakePESQ writes a stand-in scorer that prints a fixed score per mode, or
// fails when fail is set, and returns its path. It refuses WAVs at another
// rate than the mode's (16 kHz for -wb, NarrowbandRate for -nb).
func fakePESQ(t *testing.T, fail bool) string {
	t.Helper()
	script := "#!/bin/sh\n[ -f \"$2\" ] && [ -f \"$3\" ] || exit 3\n" +
		"rate() { od -An -tu4 -j24 -N4 \"$1\" | tr -d ' '; }\n" +
		"case $1 in -wb) want=16000;; -nb) want=8000;; esac\n" +
		"[ \"$(rate \"$2\")\" = $want ] && [ \"$(rate \"$3\")\" = $want ] || { echo \"$1 wants $want Hz\" >&2; exit 4; }\n" +
		"case $1 in -wb) echo 'mos_lqo=3.25';; -nb) echo 'P.862 mapped'; echo 'mos_lqo = 2.5';; esac\n"
	if fail {
		script = "#!/bin/sh\necho 'utterance too short' >&2\nexit 1\n"
	}
	p := filepath.Join(t.TempDir(), "pesq")
	if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func loadShort(t *testing.T, name string, seconds float64) Clip {
	t.Helper()
	c, err := LoadClip(name)
	if err != nil {
		t.Fatal(err)
	}
	c.Samples = c.Samples[:int(seconds*codec.SampleRate)]
	return c
}

// TestRunPESQ checks that scores from the external scorer reach every row
// and the table, and that its scratch files are gone afterwards.
func TestRunPESQ(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	c := loadShort(t, harnessClip, 1.5)
	res, err := Run(context.Background(), []Clip{c}, Config{Stages: []int{4}, NoTiming: true, PESQ: fakePESQ(t, false)})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res.Rows {
		if q := r.Quality; q.PESQWB.Mean != 3.25 || q.PESQNB.Mean != 2.5 || q.PESQWB.Files != 1 {
			t.Errorf("%s %s: PESQ %+v / %+v, want 3.25 / 2.5 on one file", r.Codec, r.Setting, q.PESQWB, q.PESQNB)
		}
	}
	var b strings.Builder
	if err := WriteTable(&b, res); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "| PESQ-WB | PESQ-NB |") || !strings.Contains(b.String(), "| 3200 | 3.250 | 2.500 |") {
		t.Errorf("table lacks the PESQ columns:\n%s", b.String())
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

// TestRunPESQFails checks that a scorer failing on a file leaves that
// file unscored with a note instead of failing the run, and cleans up.
func TestRunPESQFails(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	c := loadShort(t, harnessClip, 1)
	res, err := Run(context.Background(), []Clip{c}, Config{Stages: []int{1}, NoTiming: true, NoCeiling: true, PESQ: fakePESQ(t, true)})
	if err != nil {
		t.Fatal(err)
	}
	if q := res.Rows[0].Quality; q.PESQWB.Files != 0 || !(q.STOI.Mean > 0) {
		t.Errorf("quality %+v, want STOI and no PESQ", q)
	}
	if len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "utterance too short") {
		t.Errorf("notes %q, want the scorer's complaint", res.Notes)
	}
	var b strings.Builder
	WriteTable(&b, res)
	if strings.Contains(b.String(), "PESQ") && !strings.Contains(b.String(), "no PESQ for") {
		t.Errorf("table shows PESQ columns without scores:\n%s", b.String())
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

func TestFindPESQ(t *testing.T) {
	t.Setenv("PATH", "")
	if _, err := FindPESQ(""); err == nil {
		t.Error("found a pesq with an empty PATH")
	}
	if _, err := FindPESQ(filepath.Join(t.TempDir(), "nope")); err == nil {
		t.Error("accepted a missing -pesq path")
	}
	p := fakePESQ(t, false)
	if got, err := FindPESQ(p); err != nil || got != p {
		t.Errorf("FindPESQ(%q) = %q, %v", p, got, err)
	}
	t.Setenv("PATH", filepath.Dir(p))
	if got, err := FindPESQ(""); err != nil || got != p {
		t.Errorf("FindPESQ in PATH = %q, %v; want %q", got, err, p)
	}
}

// TestRunSkipsUnusable checks that a silent and a too-short clip are
// skipped with a reason while the others are measured, and that -keep
// saves every decoded file without touching an input.
func TestRunSkipsUnusable(t *testing.T) {
	good := loadShort(t, harnessClip, 1)
	silent := Clip{Name: "silent.wav", Samples: make([]float32, codec.SampleRate)}
	short := Clip{Name: "short.wav", Samples: good.Samples[:100]}
	dir := t.TempDir()
	res, err := Run(context.Background(), []Clip{silent, good, short}, Config{Stages: []int{2}, NoTiming: true, Example: 1, Keep: dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Files) != 1 || res.ExampleFile != good.Name || len(res.Skipped) != 2 ||
		!strings.Contains(res.Skipped[0].Reason, "silent") || !strings.Contains(res.Skipped[1].Reason, "too short") {
		t.Errorf("files %q, example %q, skipped %+v", res.Files, res.ExampleFile, res.Skipped)
	}
	var b strings.Builder
	WriteTable(&b, res)
	if !strings.Contains(b.String(), "skipped 2 of 3 files") {
		t.Errorf("table does not count the skipped files:\n%s", b.String())
	}
	for _, r := range res.Rows {
		p := KeptPath(dir, r, good.Name)
		if fi, err := os.Stat(p); err != nil || fi.Size() != 44+2*int64(len(good.Samples)) {
			t.Errorf("%s %s: kept file %s: %v", r.Codec, r.Setting, p, err)
		}
	}
	if got := KeptPath(dir, res.Rows[0], "x/y/a.flac"); got != filepath.Join(dir, "vqspeak-2-stages", "y_a.wav") {
		t.Errorf("KeptPath = %s", got)
	}
	// The kept path never replaces the input itself, nor a FIFO.
	row := res.Rows[0]
	t.Chdir(filepath.Join(dir, "vqspeak-2-stages"))
	in := "in.wav" // kept as ../vqspeak-2-stages/in.wav: itself
	if err := os.WriteFile(in, []byte("input"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := keep("..", row, in, good.Samples); err == nil {
		t.Error("keep overwrote its own input")
	}
	if b, _ := os.ReadFile(in); string(b) != "input" {
		t.Errorf("input now holds %q", b)
	}
	fifo := KeptPath(dir, row, "fifo.wav")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip(err)
	}
	if err := keep(dir, row, "fifo.wav", good.Samples); err == nil {
		t.Error("keep replaced a FIFO")
	}
	if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("FIFO gone: %v", err)
	}
}
