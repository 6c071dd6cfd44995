package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vqspeak/vqspeak/bench"
	"github.com/vqspeak/vqspeak/internal/audiofile"
)

// TestBench runs the harness on one clip with the peer tools hidden: the
// peers are skipped with a note, the rest is measured and written out.
func TestBench(t *testing.T) {
	t.Setenv("PATH", "")
	dir := t.TempDir()
	js := filepath.Join(dir, "bench.json")
	plots := filepath.Join(dir, "plots")
	code, out, stderr := vqspeak(t, "bench", "-stages", "1,4", "-json", js, "-plot", plots, "-check", clip)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"| vqspeak | 1 stages | 2000 |", "| vqspeak | 4 stages | 3200 |", "vqspeak unquantised", "allocs/packet"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	for _, want := range []string{"skipping Opus", "skipping Codec 2", "skipping Speex", "no pesq in PATH", bench.QualityPlot} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	b, err := os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	var res bench.Result
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 3 || res.Rows[1].BitrateBPS != 3200 || res.Rows[1].Timing == nil ||
		res.Rows[1].Timing.EncodeAllocs != 0 || !(res.Rows[1].Quality.STOI.Mean > 0.5) {
		t.Errorf("JSON result: %+v", res.Rows)
	}
	for _, p := range []string{bench.QualityPlot, bench.SpectrogramPlot, bench.TimingPlot} {
		if fi, err := os.Stat(filepath.Join(plots, p)); err != nil || fi.Size() < 1000 {
			t.Errorf("plot %s: %v", p, err)
		}
	}
}

// TestBenchSkipsEmptyAndSilent runs a directory holding a clip, an empty
// WAV and a silent one: the run goes on, warns about both and counts them.
func TestBenchSkipsEmptyAndSilent(t *testing.T) {
	dir := t.TempDir()
	b, err := os.ReadFile(clip)
	if err != nil {
		t.Fatal(err)
	}
	var silent, empty bytes.Buffer
	if err := audiofile.WriteWAV(&silent, make([]float32, 16000), 16000); err != nil {
		t.Fatal(err)
	}
	if err := audiofile.WriteWAV(&empty, nil, 16000); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"a.wav": b, "empty.wav": empty.Bytes(), "silent.wav": silent.Bytes()} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code, out, stderr := vqspeak(t, "bench", "-stages", "1", "-peers=false", "-pesq", "", dir)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"skipping " + filepath.Join(dir, "empty.wav") + ": no samples", "skipping " + filepath.Join(dir, "silent.wav") + ": silent"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if !strings.Contains(out, "skipped 2 of 3 files") || !strings.Contains(out, "| vqspeak | 1 stages | 2000 |") {
		t.Errorf("table:\n%s", out)
	}
}

func TestBenchJSONToStdoutWithoutQuality(t *testing.T) {
	code, out, stderr := vqspeak(t, "bench", "-stages", "2", "-quality=false", "-json", "-", clip)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var res bench.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, out)
	}
	if len(res.Rows) != 1 || res.Rows[0].Stages != 2 || res.Rows[0].BitrateBPS != 2400 ||
		len(res.Rows[0].PerFile) != 0 || res.Rows[0].Timing == nil || res.Rows[0].Timing.Packets == 0 {
		t.Errorf("rows: %+v", res.Rows)
	}
}

// TestBenchDecompose runs the decomposition on every fifth bundled clip:
// the ceiling and one row per substitution, no stage rows, no timing.
func TestBenchDecompose(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the vocoder 20 times")
	}
	code, out, stderr := vqspeak(t, "bench", "-decompose", "-every", "5", "-peers=false", "-json", "-", filepath.Dir(clip))
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var res bench.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if want := 1 + len(bench.Decomposition()); len(res.Rows) != want || len(res.Files) != 1 {
		t.Fatalf("%d rows on %d files, want %d on the first of 5 clips", len(res.Rows), len(res.Files), want)
	}
	base := res.Rows[0].Quality
	for _, r := range res.Rows {
		if r.Codec != "vqspeak unquantised" || r.Timing != nil || !(r.Quality.STOI.Mean > 0.7) {
			t.Errorf("row %s %s: STOI %.3f, timing %v", r.Codec, r.Setting, r.Quality.STOI.Mean, r.Timing)
		}
	}
	// A substitution changes the output: not every row scores like the base.
	same := 0
	for _, r := range res.Rows[1:] {
		if r.Quality.MCD.Mean == base.MCD.Mean {
			same++
		}
	}
	if same > 1 {
		t.Errorf("%d substitutions score exactly like the codec", same)
	}
}

// TestBenchDecomposeQuant runs the quantisation decomposition after one
// stage count's row: the stage row, the ceiling, then one row per
// quantised part, every one below the ceiling's STOI.
func TestBenchDecomposeQuant(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the vocoder 14 times")
	}
	code, out, stderr := vqspeak(t, "bench", "-decompose-quant", "-stages", "1", "-timing=false", "-every", "5", "-peers=false", "-json", "-", filepath.Dir(clip))
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var res bench.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if want := 2 + len(bench.QuantDecomposition()); len(res.Rows) != want {
		t.Fatalf("%d rows, want %d", len(res.Rows), want)
	}
	if r := res.Rows[0]; r.Codec != "vqspeak" || r.Stages != 1 {
		t.Errorf("first row %s %s, want the 1-stage codec", r.Codec, r.Setting)
	}
	ceiling := res.Rows[1].Quality.STOI.Mean
	for _, r := range res.Rows[2:] {
		if r.Codec != "vqspeak unquantised" || !(r.Quality.STOI.Mean > 0.6) || r.Quality.STOI.Mean > ceiling+0.005 {
			t.Errorf("row %s %s: STOI %.3f (ceiling %.3f)", r.Codec, r.Setting, r.Quality.STOI.Mean, ceiling)
		}
	}
}

func TestBenchUsage(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args     []string
		code     int
		contains string
	}{
		{[]string{"bench", "-stages", "0", clip}, exitUsage, "-stages"},
		{[]string{"bench", "-stages", "1,x", clip}, exitUsage, "-stages"},
		{[]string{"bench", "-stages", "2,2", clip}, exitUsage, "appears twice"},
		{[]string{"bench", "-nonsense", clip}, exitUsage, "flag provided but not defined"},
		{[]string{"bench", "-example", "other.wav", clip}, exitUsage, "not among the inputs"},
		{[]string{"bench", filepath.Join(dir, "missing")}, exitFailure, "no such file"},
		{[]string{"bench", dir}, exitFailure, "no .wav or .flac files"},
		{[]string{"bench", "-every", "0", clip}, exitUsage, "-every 0"},
		{[]string{"bench", "-pesq", filepath.Join(dir, "nopesq"), clip}, exitUsage, "-pesq"},
	} {
		code, _, stderr := vqspeak(t, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.contains) {
			t.Errorf("vqspeak %v: exit %d, stderr %q; want exit %d and %q", tc.args, code, stderr, tc.code, tc.contains)
		}
	}
}

func TestCheck(t *testing.T) {
	ok := &bench.Result{LatencyMS: 30, Rows: []bench.Row{{Stages: 4, Timing: &bench.Timing{}}}}
	if err := check(ok); err != nil {
		t.Errorf("check(ok) = %v", err)
	}
	for _, bad := range []*bench.Result{
		{LatencyMS: 30.5},
		{LatencyMS: 20, Rows: []bench.Row{{Stages: 1, Timing: &bench.Timing{DecodeAllocs: 0.01}}}},
		{LatencyMS: 20, Rows: []bench.Row{{Stages: 3, Timing: &bench.Timing{EncodeAllocs: 2}}}},
	} {
		if err := check(bad); err == nil {
			t.Errorf("check(%+v) passed", bad)
		}
	}
}

// TestBenchFrom joins the rows of two saved results without measuring:
// the second's row that repeats the first's is left out, a file that is
// not a result is refused, and -from does not mix with -loss.
func TestBenchFrom(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, files []string, rows ...bench.Row) string {
		b, err := json.Marshal(bench.Result{Files: files, Rows: rows})
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	files := []string{"a.flac", "b.flac"}
	score := []bench.FileScore{{File: "a.flac"}}
	ours := write("ours.json", files,
		bench.Row{Codec: "vqspeak", Setting: "4 stages", BitrateBPS: 3200, PerFile: score},
		bench.Row{Codec: "vqspeak unquantised", Setting: "analysis/synthesis only", PerFile: score})
	peers := write("peers.json", files,
		bench.Row{Codec: "vqspeak", Setting: "4 stages", BitrateBPS: 1, PerFile: score},
		bench.Row{Codec: "Opus", Setting: "6 kb/s", Peer: true, BitrateBPS: 5400, PerFile: score})
	other := write("other.json", []string{"c.flac"}, bench.Row{Codec: "Speex", Setting: "q1", Peer: true, BitrateBPS: 6000})

	code, out, stderr := vqspeak(t, "bench", "-from", "-json", "-", ours, peers, other)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var res bench.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, out)
	}
	var got []string
	for _, r := range res.Rows {
		got = append(got, fmt.Sprintf("%s/%s/%g", r.Codec, r.Setting, r.BitrateBPS))
	}
	want := []string{"vqspeak/4 stages/3200", "vqspeak unquantised/analysis/synthesis only/0", "Opus/6 kb/s/5400", "Speex/q1/6000"}
	if !slices.Equal(got, want) {
		t.Errorf("rows %q, want %q", got, want)
	}
	if !strings.Contains(stderr, "left out") || !strings.Contains(stderr, "other files") {
		t.Errorf("stderr does not say which row was left out and which file was measured on other files: %q", stderr)
	}

	notResult := write("empty.json", nil)
	for _, tc := range []struct {
		args     []string
		code     int
		contains string
	}{
		{[]string{"bench", "-from", notResult}, exitFailure, "no rows"},
		{[]string{"bench", "-from", clip}, exitFailure, "not a vqspeak bench -json result"},
		{[]string{"bench", "-from", "-loss", ours}, exitUsage, "-from"},
		{[]string{"bench", "-from", "-json", ours, ours}, exitFailure, ""},
	} {
		code, _, stderr := vqspeak(t, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.contains) {
			t.Errorf("vqspeak %v: exit %d, stderr %q; want exit %d and %q", tc.args, code, stderr, tc.code, tc.contains)
		}
	}
	if b, err := os.ReadFile(ours); err != nil || !strings.Contains(string(b), "3200") {
		t.Errorf("the input result was damaged by -json naming it: %v %q", err, b)
	}
}
