package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/internal/audiofile"
	"github.com/vqspeak/vqspeak/rvq"
)

const audioDir = "../../testdata/audio"

func readCodebookFile(t *testing.T, path string) (*rvq.Codebook, []byte) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := rvq.ReadCodebook(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return cb, b
}

// TestTrainDeterministic trains twice on three test clips, with one and with
// two cores, and wants the same bytes.
func TestTrainDeterministic(t *testing.T) {
	dir := t.TempDir()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	var files [][]byte
	for _, procs := range []int{1, 2} {
		runtime.GOMAXPROCS(procs)
		out := filepath.Join(dir, "cb"+string(rune('0'+procs))+".vqcb")
		code, stdout, stderr := vqspeak(t, "train", "-o", out, "-size", "128", "-stages", "2", "-iter", "3", "-seed", "7",
			// 1574 vectors: two of rvq's 1024-vector work chunks
			filepath.Join(audioDir, "fleurs-es-006.wav"), filepath.Join(audioDir, "speechocean762-3088-child-m.wav"),
			filepath.Join(audioDir, "librispeech-367-f.wav"))
		if code != 0 {
			t.Fatalf("GOMAXPROCS %d: exit %d: %s", procs, code, stderr)
		}
		cb, b := readCodebookFile(t, out)
		if err := codec.CheckCodebook(cb); err != nil {
			t.Fatalf("trained codebook refused by the codec: %v", err)
		}
		if cb.Size != 128 || cb.NumStages() != 2 || cb.Dim != codec.EnvelopeDim || cb.Weights != nil {
			t.Fatalf("shape %d×%d×%d, weights %v", cb.NumStages(), cb.Size, cb.Dim, cb.Weights)
		}
		// the held-out table: greedy and beam rows for 1 and 2 stages
		for _, want := range []string{"greedy       1", "greedy       2", "beam 4       2"} {
			if !strings.Contains(stdout, want) {
				t.Errorf("stdout lacks %q:\n%s", want, stdout)
			}
		}
		// not a terminal: a few lines, not one per iteration
		if n := strings.Count(stderr, "\n"); n > 25 {
			t.Errorf("%d progress lines when not a terminal:\n%s", n, stderr)
		}
		files = append(files, b)
	}
	if !bytes.Equal(files[0], files[1]) {
		t.Fatal("GOMAXPROCS 1 and 2 trained different codebooks")
	}
}

// TestTrainOptions checks that each training flag takes effect and leaves a
// codebook the codec accepts.
func TestTrainOptions(t *testing.T) {
	dir := t.TempDir()
	one := filepath.Join(audioDir, "librispeech-367-f.wav")
	base := []string{"-size", "128", "-stages", "2", "-iter", "2", "-refine", "1", "-seed", "3", "-workers", "1"}
	fps := map[string]string{}
	for _, tc := range []struct {
		name  string
		flags []string
	}{
		{"default", nil},
		{"lbg", []string{"-init", "lbg"}},
		{"random", []string{"-init", "random"}},
		{"norevive", []string{"-no-revive", "-init", "random"}},
		{"refine0", []string{"-refine", "0"}},
		{"tol0", []string{"-tol", "0", "-iter", "4"}},
		{"weighted", []string{"-weighted"}},
		{"weighted-minibatch", []string{"-weighted", "-minibatch", "256", "-epochs", "1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, tc.name+".vqcb")
			args := append(append(append([]string{"train", "-o", out}, base...), tc.flags...), one)
			code, _, stderr := vqspeak(t, args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			cb, _ := readCodebookFile(t, out)
			if err := codec.CheckCodebook(cb); err != nil {
				t.Fatal(err)
			}
			fp := hexFingerprint(cb)
			for other, f := range fps {
				if f == fp {
					t.Errorf("same codebook as %s", other)
				}
			}
			fps[tc.name] = fp
			if cb.Weights != nil {
				t.Errorf("weights %v, want none (plain squared error)", cb.Weights)
			}
			if tc.name == "refine0" && strings.Contains(stderr, "refinement pass") {
				t.Errorf("-refine 0 still refined:\n%s", stderr)
			}
			if tc.name == "tol0" && !strings.Contains(stderr, "stage 1: 4 iterations") {
				t.Errorf("-tol 0 -iter 4 did not run 4 iterations:\n%s", stderr)
			}
		})
	}
}

func TestTrainUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"-init", "kmeans"}, `-init "kmeans": want kmeans++, lbg or random`},
		{[]string{"-tol", "1.5"}, "-tol 1.5"},
		{[]string{"-iter", "0"}, "-iter 0"},
		{[]string{"-refine", "-1"}, "-refine -1"},
		{[]string{"-beam", "0"}, "-beam 0"},
		{[]string{"-workers", "-2"}, "-workers -2"},
		{[]string{"-size", "64"}, "-size 64"},
		{[]string{"-stages", "0"}, "-stages 0"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			args := append(append([]string{"train", "-o", filepath.Join(t.TempDir(), "x.vqcb")}, tc.args...), audioDir)
			code, _, stderr := vqspeak(t, args...)
			if code != exitUsage || !strings.Contains(stderr, tc.msg) {
				t.Errorf("exit %d, want %d with %q:\n%s", code, exitUsage, tc.msg, stderr)
			}
		})
	}
}

func TestSubsample(t *testing.T) {
	data := make([]float32, 10*2)
	for i := range data {
		data[i] = float32(i / 2) // vector i is (i, i)
	}
	got := subsample(data, 2, 4)
	want := []float32{0, 0, 2, 2, 5, 5, 7, 7}
	if !slices.Equal(got, want) || cap(got) != len(want) {
		t.Fatalf("subsample = %v (cap %d), want %v", got, cap(got), want)
	}
}

func TestCodebookInfo(t *testing.T) {
	code, out, stderr := vqspeak(t, "codebook", "info", "default")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	cb := codec.DefaultCodebook()
	for _, want := range []string{
		"× 24 dimensions", "fingerprint: " + hexFingerprint(cb), cb.Meta, "codec:       usable",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("info lacks %q:\n%s", want, out)
		}
	}
	// a codebook the codec refuses is still described
	other := &rvq.Codebook{Dim: 3, Size: 2, Stages: [][]float32{{1, 2, 3, 4, 5, 6}}, Meta: "something else"}
	path := filepath.Join(t.TempDir(), "other.vqcb")
	var b bytes.Buffer
	if _, err := other.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(path, b.Bytes(), 0o644)
	code, out, _ = vqspeak(t, "codebook", "info", path)
	if code != 0 || !strings.Contains(out, "codec:       refused") || !strings.Contains(out, "1 stages × 2 entries × 3 dimensions") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	for _, args := range [][]string{{"codebook"}, {"codebook", "list"}, {"codebook", "info"}, {"codebook", "stats"}, {"codebook", "stats", "-beam", "0", "default"}} {
		if code, _, stderr := vqspeak(t, args...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d: %s", args, code, exitUsage, stderr)
		}
	}
}

func hexFingerprint(cb *rvq.Codebook) string {
	f := cb.Fingerprint()
	const hex = "0123456789abcdef"
	var s []byte
	for _, c := range f {
		s = append(s, hex[c>>4], hex[c&15])
	}
	return string(s)
}

func TestCodebookStats(t *testing.T) {
	one := filepath.Join(audioDir, "librispeech-367-f.wav")
	code, out, stderr := vqspeak(t, "codebook", "stats", "-json", "-beam", "8", "-stages", "3", "default", one)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var res struct {
		Vectors int
		Rows    []stageRow
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if res.Vectors < 100 || len(res.Rows) != 6 {
		t.Fatalf("%d vectors, %d rows, want > 100 and 6:\n%s", res.Vectors, len(res.Rows), out)
	}
	for i, r := range res.Rows {
		wantBeam := 1
		if i >= 3 {
			wantBeam = 8
		}
		if r.Beam != wantBeam || r.Stages != i%3+1 {
			t.Errorf("row %d: beam %d, stages %d", i, r.Beam, r.Stages)
		}
		if !(r.Utilisation > 0 && r.Utilisation <= 1) || !(r.Perplexity >= 1 && r.Perplexity <= float64(r.Used)+1e-9) {
			t.Errorf("row %d: utilisation %v, perplexity %v, used %d", i, r.Utilisation, r.Perplexity, r.Used)
		}
		// MCD is the mean of frame norms, bounded by the RMS norm
		if bound := mcdPerUnit * r.RMSE * math.Sqrt(codec.EnvelopeDim); !(r.MCD > 0 && r.MCD <= bound*(1+1e-9)) {
			t.Errorf("row %d: MCD %v outside (0, %v]", i, r.MCD, bound)
		}
		if i%3 > 0 && r.MCD >= res.Rows[i-1].MCD {
			t.Errorf("row %d: MCD %v did not fall with another stage (%v)", i, r.MCD, res.Rows[i-1].MCD)
		}
	}
	// the beam search finds a reconstruction at least as good after all stages
	if res.Rows[5].Distortion > res.Rows[2].Distortion*(1+1e-9) {
		t.Errorf("beam 8 distortion %v above greedy %v", res.Rows[5].Distortion, res.Rows[2].Distortion)
	}
	// the text table
	code, out, _ = vqspeak(t, "codebook", "stats", "-beam", "1", "default", one)
	if code != 0 || !strings.Contains(out, "greedy       4") || strings.Contains(out, "beam ") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

func TestTrainBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "b.wav")
	os.WriteFile(bad, []byte("RIFF but not really a wave file"), 0o644)
	good, err := filepath.Abs(filepath.Join(audioDir, "librispeech-367-f.wav"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(good, filepath.Join(dir, "a.wav")); err != nil {
		t.Skip(err)
	}
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{dir}, exitFailure, "b.wav"},
		{[]string{t.TempDir()}, exitFailure, "no .wav or .flac files"},
		{[]string{good}, exitFailure, "vectors for 65536 entries per stage"},
	} {
		args := append([]string{"train", "-o", filepath.Join(dir, "x.vqcb"), "-size", "65536"}, tc.args...)
		if tc.msg != "vectors for 65536 entries per stage" {
			args[4] = "128"
		}
		code, _, stderr := vqspeak(t, args...)
		if code != tc.code || !strings.Contains(stderr, tc.msg) {
			t.Errorf("%v: exit %d, want %d with %q:\n%s", tc.args, code, tc.code, tc.msg, stderr)
		}
		if _, err := os.Stat(filepath.Join(dir, "x.vqcb")); err == nil {
			t.Errorf("%v: wrote a codebook", tc.args)
		}
	}
}

// TestTrainProgress feeds a training's progress calls and checks the quiet
// (non-terminal) log: one line per finished stage and per refinement pass,
// each with an ETA, and 100 % at the end.
func TestTrainProgress(t *testing.T) {
	var b bytes.Buffer
	p := &trainProgress{w: &b, start: time.Now(), lastLine: time.Now(), stages: 2, maxIter: 10, refine: 2, refineIter: 3, stage: -1}
	for s, iters := range []int{4, 6} {
		for it := 1; it <= iters; it++ {
			p.update(s, it, 1/float64(it))
		}
	}
	for pass := 1; pass <= 2; pass++ {
		for s := range 2 {
			p.update(s, -pass, 0.1)
		}
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	want := []string{
		"training: stage 1 done after 4 iterations",
		"training: stage 2 done after 6 iterations",
		"training: refinement pass 1 stage 2, distortion 0.10000, 73%",
		"training: refinement pass 2 stage 2, distortion 0.10000, 100%",
	}
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(want), b.String())
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d = %q, want prefix %q", i, lines[i], w)
		}
	}
	if !strings.Contains(lines[3], "ETA 0s") {
		t.Errorf("last line %q lacks ETA 0s", lines[3])
	}
	// Off a terminal a long stage still reports every progressEvery.
	b.Reset()
	p.lastLine = time.Now().Add(-progressEvery)
	p.update(0, 1, 0.5)
	if !strings.HasPrefix(b.String(), "training: stage 1 iteration 1, distortion 0.50000") {
		t.Errorf("no line after %v: %q", progressEvery, b.String())
	}
}

// TestTrainMiniBatch: -minibatch trains from a temporary vector file
// (removed afterwards), deterministically on any core count, and the
// codebook codes held-out speech about as well as in-memory training does.
func TestTrainMiniBatch(t *testing.T) {
	dir, spill := t.TempDir(), t.TempDir()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	clips := []string{filepath.Join(audioDir, "fleurs-es-006.wav"), filepath.Join(audioDir, "speechocean762-3088-child-m.wav"),
		filepath.Join(audioDir, "librispeech-367-f.wav")}
	common := []string{"-size", "128", "-stages", "2", "-seed", "7", "-refine", "1"}
	var files [][]byte
	for _, procs := range []int{1, 2} {
		runtime.GOMAXPROCS(procs)
		out := filepath.Join(dir, "mb"+string(rune('0'+procs))+".vqcb")
		args := append(append([]string{"train", "-o", out, "-minibatch", "500", "-epochs", "2", "-spill", spill}, common...), clips...)
		code, stdout, stderr := vqspeak(t, args...)
		if code != 0 {
			t.Fatalf("GOMAXPROCS %d: exit %d: %s", procs, code, stderr)
		}
		if !strings.Contains(stderr, "mini-batch training, batches of 500, 2 epochs") || !strings.Contains(stdout, "beam 4       2") {
			t.Errorf("output:\n%s\n%s", stderr, stdout)
		}
		cb, b := readCodebookFile(t, out)
		if err := codec.CheckCodebook(cb); err != nil {
			t.Fatalf("codebook refused by the codec: %v", err)
		}
		files = append(files, b)
	}
	if !bytes.Equal(files[0], files[1]) {
		t.Fatal("GOMAXPROCS 1 and 2 trained different codebooks")
	}
	if left, _ := os.ReadDir(spill); len(left) != 0 {
		t.Errorf("spill files left behind: %v", left)
	}
	// Same data in memory: the mini-batch codebook's error on the clips'
	// vectors is within 10 % of the Lloyd codebook's.
	lloyd := filepath.Join(dir, "lloyd.vqcb")
	if code, _, stderr := vqspeak(t, append(append([]string{"train", "-o", lloyd}, common...), clips...)...); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var vecs []float32
	for _, c := range clips {
		vecs = codec.EnvelopeVectors(vecs, speechOf(t, c))
	}
	mb, _ := readCodebookFile(t, filepath.Join(dir, "mb1.vqcb"))
	ll, _ := readCodebookFile(t, lloyd)
	dm, dl := rvq.Stats(mb, vecs, 2, 4)[1].Distortion, rvq.Stats(ll, vecs, 2, 4)[1].Distortion
	t.Logf("distortion after 2 stages: mini-batch %.5f, Lloyd %.5f", dm, dl)
	if dm > 1.1*dl {
		t.Errorf("mini-batch distortion %v, Lloyd %v", dm, dl)
	}
	if code, _, stderr := vqspeak(t, "train", "-minibatch", "100", "-max-vectors", "5", clips[0]); code != exitUsage || !strings.Contains(stderr, "choose one") {
		t.Errorf("-minibatch with -max-vectors: exit %d: %s", code, stderr)
	}
}

// speechOf reads a 16 kHz clip.
func speechOf(t *testing.T, path string) []float32 {
	t.Helper()
	a, err := audiofile.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if a.Rate != codec.SampleRate {
		t.Fatalf("%s: %d Hz", path, a.Rate)
	}
	return a.Samples
}

// TestTrainWeighted checks that -weighted trains under the encoder's
// weighted distance: on the training vectors its codebook's weighted error
// is below the plain codebook's, and its plain error above.
func TestTrainWeighted(t *testing.T) {
	dir := t.TempDir()
	one := filepath.Join(audioDir, "librispeech-367-f.wav")
	common := []string{"-size", "128", "-stages", "2", "-iter", "5", "-seed", "3", "-workers", "1", one}
	weighted := func(cb *rvq.Codebook) *rvq.Codebook {
		w := cb.Clone()
		for _, st := range w.Stages {
			codec.WeightEnvelopes(st)
		}
		return w
	}
	cbs := map[string]*rvq.Codebook{}
	for _, name := range []string{"plain", "weighted"} {
		out := filepath.Join(dir, name+".vqcb")
		args := []string{"train", "-o", out}
		if name == "weighted" {
			args = append(args, "-weighted")
		}
		if code, _, stderr := vqspeak(t, append(args, common...)...); code != 0 {
			t.Fatalf("%s: exit %d: %s", name, code, stderr)
		}
		cbs[name], _ = readCodebookFile(t, out)
	}
	vecs := codec.EnvelopeVectors(nil, speechOf(t, one))
	wvecs := slices.Clone(vecs)
	codec.WeightEnvelopes(wvecs)
	dist := func(cb *rvq.Codebook, v []float32) float64 { return rvq.Stats(cb, v, 2, 4)[1].Distortion }
	pp, wp := dist(cbs["plain"], vecs), dist(cbs["weighted"], vecs)
	pw, ww := dist(weighted(cbs["plain"]), wvecs), dist(weighted(cbs["weighted"]), wvecs)
	t.Logf("plain error: plain codebook %.5f, weighted %.5f; weighted error: %.5f, %.5f", pp, wp, pw, ww)
	if !(ww < pw) || !(wp > pp) {
		t.Errorf("plain error: plain codebook %.5f, weighted %.5f; weighted error: %.5f, %.5f", pp, wp, pw, ww)
	}

	// The same bytes with two workers (the map is per vector, in order).
	two := filepath.Join(dir, "weighted2.vqcb")
	if code, _, stderr := vqspeak(t, "train", "-o", two, "-weighted", "-size", "128", "-stages", "2", "-iter", "5", "-seed", "3", "-workers", "2", one); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	_, a := readCodebookFile(t, filepath.Join(dir, "weighted.vqcb"))
	_, b := readCodebookFile(t, two)
	if !bytes.Equal(a, b) {
		t.Error("-weighted with 1 and 2 workers trained different codebooks")
	}
}
