package main

import (
	"cmp"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/internal/corpus"
	"github.com/vqspeak/vqspeak/rvq"
)

// trainBeam is train's default beam: the width the embedded codebook was
// trained and measured with. Training is offline, so it stays wider than the
// encoder's codec.DefaultBeam, and the same command still makes the same
// codebook.
const trainBeam = 4

func init() {
	register(&command{
		name: "train",
		args: "[-o FILE] [-stages N] [-size K] [-seed N] [flags] DIR_OR_FILE...",
		summary: "Train an envelope codebook on speech (WAV and FLAC, found recursively, 4 to 384 kHz).\n" +
			"Every tenth file is held out and measured at the end: per-stage utilisation,\nperplexity, distortion and envelope error. The same -seed and input give the\nsame file byte for byte, whatever the number of cores or -workers.",
		flags: func(fs *flag.FlagSet) {
			fs.String("o", "codebook.vqcb", "output codebook `FILE`")
			fs.Int("stages", codec.DefaultStages, "RVQ stages (1 to 6)")
			fs.Int("size", 1024, "entries per stage (128 to 65536)")
			fs.Int64("seed", 1, "random seed: the same seed and input give the same codebook")
			fs.String("init", "kmeans++", "how each stage is seeded: kmeans++, lbg (binary splitting) or random")
			fs.Int("iter", 25, "most Lloyd iterations per stage")
			fs.Float64("tol", 1e-3, "stop a stage's iterations when the distortion improves by less than this fraction (0: always run -iter)")
			fs.Bool("no-revive", false, "do not re-seed entries that no vector chooses (dead codes)")
			fs.Int("refine", 2, "joint refinement passes over all stages (0: none)")
			fs.Int("beam", trainBeam, "beam width of the search used in refinement and measurement")
			fs.Int("max-vectors", 0, "use at most this many training vectors, evenly spaced (0 = all)")
			fs.Int("workers", 0, "goroutines for analysis and training (0 = all cores); never changes the result")
			fs.Int("minibatch", 0, "train by mini-batch k-means with batches of `N` vectors, keeping the vectors in a temporary file instead of memory (0: in-memory Lloyd)")
			fs.Int("epochs", 3, "with -minibatch: passes over the data per stage")
			fs.String("spill", "", "with -minibatch: `DIR` for the temporary vector file, about 200 bytes per 10 ms of speech (default: $TMPDIR, else /tmp)")
			fs.Bool("weighted", false, "train under the encoder's weighted distance (the log-spectral error above 4 kHz counts a quarter): k-means on the vectors multiplied by its Cholesky factor, the entries mapped back")
			fs.Bool("envmodel", false, "instead train the decoder's envelope model (codec/default.vqem) for -codebook: -o names the model file (default envmodel.vqem); uses -workers")
			fs.String("codebook", "", "with -envmodel or -pad: the codebook `FILE` the model or pad book is for (default: the embedded one)")
			fs.Bool("pad", false, "instead train the pad stages (codec/default.vqpd) for -codebook: small residual stages in the spare bits of 1- to 3-stage packets; -o names the file (default pad.vqpd); uses -seed, -iter and -workers")
		},
		run:    runTrain,
		writes: true,
	})
}

// extractVectors is corpus.Vectors with a progress line on e.stderr.
func extractVectors(e *env, files []string, label string, workers int) ([]float32, float64, error) {
	var out []float32
	secs, err := streamVectors(e, files, label, workers, func(v []float32) error {
		out = append(out, v...)
		return nil
	})
	return out, secs, err
}

// streamVectors is corpus.StreamVectors with a progress line on e.stderr.
func streamVectors(e *env, files []string, label string, workers int, sink func([]float32) error) (float64, error) {
	prog := e.newProgress(label)
	defer prog.end()
	secs, err := corpus.StreamVectors(e.ctx, files, workers, prog.update, sink)
	if e.ctx.Err() != nil {
		return 0, fmt.Errorf("%w while analysing the speech", errInterrupted)
	}
	return secs, err
}

// newSpillFile is corpus.NewVectorFile registered as a live temporary, so
// that even a second Ctrl-C removes it; remove deletes it.
func newSpillFile(dir string, dim int) (vf *corpus.VectorFile, remove func(), err error) {
	vf, err = corpus.NewVectorFile(dir, dim)
	if err != nil {
		return nil, nil, err
	}
	liveTemps.Store(vf.Name(), struct{}{})
	return vf, func() {
		vf.Remove()
		liveTemps.Delete(vf.Name())
	}, nil
}

// parseInit maps the -init names to rvq's seeding methods.
func parseInit(name string) (rvq.InitMethod, error) {
	for _, m := range []rvq.InitMethod{rvq.KMeansPP, rvq.LBG, rvq.Random} {
		if m.String() == name {
			return m, nil
		}
	}
	return 0, usagef("-init %q: want kmeans++, lbg or random", name)
}

// trainProgress reports training progress with an ETA. The ETA counts Lloyd
// iterations: a stage is expected to take as many as the finished stages
// took on average (-iter before any has finished), a refinement pass
// RefineIter per stage.
type trainProgress struct {
	w                  io.Writer
	term               bool
	start              time.Time
	stages, maxIter    int
	refine, refineIter int
	stage, iter        int   // last reported
	stageIters         []int // iterations of the finished stages
	lastDist           float64
	lastLine           time.Time // last line written off a terminal
}

func (p *trainProgress) update(stage, iter int, dist float64) {
	if p.stage >= 0 && p.iter > 0 && (iter < 0 || stage != p.stage) { // stage p.stage has finished
		p.stageIters = append(p.stageIters, p.iter)
		if !p.term {
			fmt.Fprintf(p.w, "training: stage %d done after %d iterations, distortion %.5f, elapsed %v\n",
				p.stage+1, p.iter, p.lastDist, time.Since(p.start).Round(time.Second))
		}
	}
	p.stage, p.iter, p.lastDist = stage, iter, dist

	expect := float64(p.maxIter)
	if len(p.stageIters) > 0 {
		var sum int
		for _, n := range p.stageIters {
			sum += n
		}
		expect = float64(sum) / float64(len(p.stageIters))
	}
	total := expect*float64(p.stages) + float64(p.refine*p.stages*p.refineIter)
	var done float64
	what := fmt.Sprintf("stage %d iteration %d", stage+1, iter)
	if iter > 0 {
		done = expect*float64(stage) + min(float64(iter), expect)
	} else {
		pass := -iter
		var sum int
		for _, n := range p.stageIters {
			sum += n
		}
		total = float64(sum) + float64(p.refine*p.stages*p.refineIter)
		done = float64(sum) + float64(((pass-1)*p.stages+stage+1)*p.refineIter)
		what = fmt.Sprintf("refinement pass %d stage %d", pass, stage+1)
	}
	el := time.Since(p.start)
	eta := time.Duration(float64(el) / max(done, 1e-9) * max(total-done, 0))
	line := fmt.Sprintf("training: %s, distortion %.5f, %.0f%%, elapsed %v, ETA %v",
		what, dist, 100*min(done/total, 1), el.Round(time.Second), eta.Round(time.Second))
	switch {
	case p.term:
		fmt.Fprintf(p.w, "\r%s   ", line)
	case iter < 0 && stage == p.stages-1, time.Since(p.lastLine) >= progressEvery:
		// one line per refinement pass, and one every few seconds in CI logs
		fmt.Fprintln(p.w, line)
		p.lastLine = time.Now()
	}
}

func runTrain(e *env, fs *flag.FlagSet, args []string) error {
	if len(args) == 0 {
		return usagef("name at least one directory or file of speech")
	}
	if boolFlag(fs, "envmodel") && boolFlag(fs, "pad") {
		return usagef("-envmodel and -pad: train one at a time")
	}
	if boolFlag(fs, "envmodel") {
		return runTrainEnvModel(e, fs, args)
	}
	if boolFlag(fs, "pad") {
		return runTrainPad(e, fs, args)
	}
	stages, size := intFlag(fs, "stages"), intFlag(fs, "size")
	if stages < 1 || stages > codec.MaxStages {
		return usagef("-stages %d: want 1 to %d", stages, codec.MaxStages)
	}
	if size < 128 || size > 65536 {
		return usagef("-size %d: want 128 to 65536", size)
	}
	init, err := parseInit(stringFlag(fs, "init"))
	if err != nil {
		return err
	}
	iter, refine, beam := intFlag(fs, "iter"), intFlag(fs, "refine"), intFlag(fs, "beam")
	if iter < 1 {
		return usagef("-iter %d: want at least 1", iter)
	}
	if refine < 0 {
		return usagef("-refine %d: want 0 or more", refine)
	}
	if beam < 1 || beam > rvq.MaxBeam {
		return usagef("-beam %d: want 1 to %d", beam, rvq.MaxBeam)
	}
	tol := floatFlag(fs, "tol")
	if !(tol >= 0) || tol >= 1 {
		return usagef("-tol %v: want 0 ≤ tol < 1", tol)
	}
	if tol == 0 {
		tol = -1 // rvq: negative runs every iteration
	}
	workers := intFlag(fs, "workers")
	if workers < 0 {
		return usagef("-workers %d: want 0 (all cores) or more", workers)
	}
	if workers == 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	maxVectors := intFlag(fs, "max-vectors")
	if maxVectors < 0 {
		return usagef("-max-vectors %d: want 0 (all) or more", maxVectors)
	}
	batch, epochs := intFlag(fs, "minibatch"), intFlag(fs, "epochs")
	if batch < 0 || epochs < 1 {
		return usagef("-minibatch %d -epochs %d: want a batch size ≥ 0 and at least one epoch", batch, epochs)
	}
	if batch > 0 && maxVectors > 0 {
		return usagef("-minibatch and -max-vectors: choose one (mini-batch training uses every vector)")
	}
	dim := codec.EnvelopeDim
	weighted := boolFlag(fs, "weighted")
	files, err := corpus.Files(args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("no .wav or .flac files in %s", strings.Join(args, " "))
	}
	// The output is created now, so that a bad path fails before the
	// minutes of training, not after.
	outPath := stringFlag(fs, "o")
	out, err := e.createOutput(outPath, files...)
	if err != nil {
		return err
	}
	defer out.Abort()
	e.warnExt(outPath, "a codebook", ".vqcb")
	trainFiles, heldOut := splitHeldOut(files)
	opt := rvq.TrainOptions{
		Stages:       stages,
		Size:         size,
		Seed:         int64Flag(fs, "seed"),
		Init:         init,
		MaxIter:      iter,
		Tol:          tol,
		NoRevive:     boolFlag(fs, "no-revive"),
		RefinePasses: refineOption(refine),
		Beam:         beam,
		Workers:      workers,
		Meta:         codec.EnvelopeMeta,
		BatchSize:    batch,
		Epochs:       epochs,
		Context:      e.ctx,
	}
	const refineIter = 3 // rvq's default RefineIter
	progOut := e.stderr
	if e.quiet {
		progOut = io.Discard
	}
	prog := &trainProgress{w: progOut, term: isTerminal(e.stderr),
		stages: stages, maxIter: iter, refine: refine, refineIter: refineIter, stage: -1}
	opt.Progress = prog.update

	// The training vectors: in memory for Lloyd, in a temporary file that
	// rvq.TrainMiniBatch reads a batch at a time for -minibatch.
	start := time.Now()
	var (
		train   func() (*rvq.Codebook, rvq.TrainReport, error)
		vectors int
		spill   = cmp.Or(stringFlag(fs, "spill"), os.TempDir())
	)
	if batch > 0 {
		vf, removeSpill, err := newSpillFile(spill, dim)
		if err != nil {
			return err
		}
		defer removeSpill()
		sink := vf.Append
		if weighted {
			sink = func(v []float32) error {
				codec.WeightEnvelopes(v)
				return vf.Append(v)
			}
		}
		secs, err := streamVectors(e, trainFiles, "analysing", workers, sink)
		if err == nil {
			err = vf.Finish()
		}
		if err != nil {
			return nothingWritten(e, err)
		}
		vectors = vf.Len()
		e.infof("%s, %.1f min of audio, %d vectors in %s, mini-batch training, batches of %d, %d epochs (%v)\n",
			plural(int64(len(trainFiles)), "file"), secs/60, vectors, spill, batch, epochs, time.Since(start).Round(time.Second))
		prog.maxIter, prog.refineIter = epochs+1, 1
		train = func() (*rvq.Codebook, rvq.TrainReport, error) { return rvq.TrainMiniBatch(vf, dim, opt) }
	} else {
		data, secs, err := extractVectors(e, trainFiles, "analysing", workers)
		if err != nil {
			return nothingWritten(e, err)
		}
		all := len(data) / dim
		if maxVectors > 0 && all > maxVectors {
			data = subsample(data, dim, maxVectors)
		}
		vectors = len(data) / dim
		if weighted {
			codec.WeightEnvelopes(data)
		}
		e.infof("%s, %.1f min of audio, %d vectors, training on %d (%v)\n",
			plural(int64(len(trainFiles)), "file"), secs/60, all, vectors, time.Since(start).Round(time.Second))
		train = func() (*rvq.Codebook, rvq.TrainReport, error) {
			defer func() { data = nil }() // let the collector have it before the held-out analysis
			return rvq.Train(data, dim, opt)
		}
	}
	if vectors < size {
		return fmt.Errorf("%d training vectors for %d entries per stage: give more speech or a smaller -size", vectors, size)
	}
	prog.start, prog.lastLine = time.Now(), time.Now()
	cb, rep, err := train()
	if prog.term && !e.quiet {
		fmt.Fprintln(e.stderr)
	}
	if weighted && cb != nil {
		codec.UnweightCodebook(cb)
	}
	if err != nil && e.ctx.Err() != nil {
		// Ctrl-C: keep the stages finished, a valid shorter codebook.
		if cb == nil {
			return fmt.Errorf("%w during stage 1: nothing written", errInterrupted)
		}
		if out.replaces {
			return out.keepExisting()
		}
		if err := writeCodebook(out, cb); err != nil {
			return err
		}
		return fmt.Errorf("%w: %s holds a valid codebook of the %s finished before it (of %d; not refined, not measured), fingerprint %x",
			errInterrupted, outPath, plural(int64(cb.NumStages()), "stage"), stages, cb.Fingerprint())
	}
	if err != nil {
		return err
	}
	for s, st := range rep.Stages {
		iters := fmt.Sprintf("%d iterations", st.Iterations)
		if batch > 0 {
			iters = fmt.Sprintf("%d epochs + 1 Lloyd update", st.Iterations-1)
		}
		e.infof("stage %d: %s, %d dead entries revived, training distortion %.5f (greedy)\n",
			s+1, iters, st.Revived, st.Distortion)
	}
	for p, d := range rep.Refine {
		e.infof("refinement pass %d: training distortion %.5f (beam %d)\n", p+1, d, beam)
	}
	if err := writeCodebook(out, cb); err != nil {
		return err
	}
	e.infof("wrote %s (fingerprint %x) after %v\n", outPath, cb.Fingerprint(), time.Since(start).Round(time.Second))

	held, total, err := heldOutVectors(e, heldOut, workers, batch > 0, spill)
	if err != nil && e.ctx.Err() != nil {
		return fmt.Errorf("%w: %s is complete; the held-out measurement was skipped", errInterrupted, outPath)
	}
	if err != nil {
		return err
	}
	if len(files) < 10 {
		fmt.Fprintf(e.stdout, "fewer than 10 files, none held out: measured on the training files (%d vectors)\n", len(held)/dim)
	} else {
		fmt.Fprintf(e.stdout, "held-out (every tenth file): %d files, %d of %d vectors\n", len(heldOut), len(held)/dim, total)
	}
	return printCodebookStats(e.stdout, cb, held, cb.NumStages(), []int{1, beam})
}

// nothingWritten adds to an interruption that no codebook was written.
func nothingWritten(e *env, err error) error {
	if e.ctx.Err() != nil {
		return fmt.Errorf("%w: nothing written", err)
	}
	return err
}

// writeCodebook writes cb to out and commits it.
func writeCodebook(out *output, cb *rvq.Codebook) error {
	if _, err := cb.WriteTo(out.W); err != nil {
		return err
	}
	return out.Commit()
}

// refineOption maps -refine to rvq's RefinePasses, where 0 means the
// default and a negative count none.
func refineOption(passes int) int {
	if passes == 0 {
		return -1
	}
	return passes
}

// maxHeldOut bounds the held-out vectors -minibatch measures on (about
// 40 MB), so that memory stays bounded on any corpus.
const maxHeldOut = 200000

// heldOutVectors returns the vectors of the held-out files and how many
// there are; bounded (through a spill file, at most maxHeldOut evenly
// spaced) when memory must stay bounded.
func heldOutVectors(e *env, files []string, workers int, bounded bool, spill string) ([]float32, int, error) {
	if !bounded {
		held, _, err := extractVectors(e, files, "held-out", workers)
		return held, len(held) / codec.EnvelopeDim, err
	}
	hf, removeHeld, err := newSpillFile(spill, codec.EnvelopeDim)
	if err != nil {
		return nil, 0, err
	}
	defer removeHeld()
	if _, err := streamVectors(e, files, "held-out", workers, hf.Append); err != nil {
		return nil, 0, err
	}
	if err := hf.Finish(); err != nil {
		return nil, 0, err
	}
	held, err := hf.EvenlySpaced(maxHeldOut)
	return held, hf.Len(), err
}

// subsample keeps n vectors evenly spaced through data, in place (vector i
// of the result comes from vector j ≥ i), and returns a right-sized copy so
// the large array can be freed.
func subsample(data []float32, dim, n int) []float32 {
	total := len(data) / dim
	for i := range n {
		j := int(int64(i) * int64(total) / int64(n))
		copy(data[i*dim:(i+1)*dim], data[j*dim:(j+1)*dim])
	}
	return slices.Clone(data[:n*dim])
}

// splitHeldOut keeps every tenth of files (the 10th, 20th, ...) out of
// training to measure on; with fewer than ten files it measures on the
// training files themselves. train and train -envmodel split alike, so a
// model's held-out files are its codebook's.
func splitHeldOut(files []string) (train, heldOut []string) {
	for i, f := range files {
		if i%10 == 9 {
			heldOut = append(heldOut, f)
		} else {
			train = append(train, f)
		}
	}
	if len(heldOut) == 0 {
		heldOut = train
	}
	return train, heldOut
}
