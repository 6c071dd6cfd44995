package main

import (
	"flag"
	"fmt"
	"runtime"
	"strings"
	"time"

	"github.com/vqspeak/vqspeak/internal/corpus"
	"github.com/vqspeak/vqspeak/rvq"
)

// sideTraining is what "train -envmodel" and "train -pad" share: both code
// the training speech with a codebook, feed rows to a trainer in file
// order, write one file tied to that codebook and measure it on the
// held-out files (every tenth).
type sideTraining struct {
	e                   *env
	cb                  *rvq.Codebook
	out                 *output
	outPath             string
	trainFiles, heldOut []string
	workers             int
	start               time.Time
}

// startSideTraining reads the flags and files both commands take and opens
// the output (what and ext name it in the extension warning). The caller
// must Abort the output if it does not commit it.
func startSideTraining(e *env, fs *flag.FlagSet, args []string, defaultOut, what, ext string) (*sideTraining, error) {
	if len(args) == 0 {
		return nil, usagef("name at least one directory or file of speech")
	}
	workers := intFlag(fs, "workers")
	if workers < 0 {
		return nil, usagef("-workers %d: want 0 (all cores) or more", workers)
	}
	if workers == 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	cb, err := loadCodebook(stringFlag(fs, "codebook"))
	if err != nil {
		return nil, err
	}
	files, err := corpus.Files(args)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no .wav or .flac files in %s", strings.Join(args, " "))
	}
	outPath := defaultOut
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "o" {
			outPath = f.Value.String()
		}
	})
	out, err := e.createOutput(outPath, files...)
	if err != nil {
		return nil, err
	}
	e.warnExt(outPath, what, ext)
	t := &sideTraining{e: e, cb: cb, out: out, outPath: outPath, workers: workers, start: time.Now()}
	t.trainFiles, t.heldOut = splitHeldOut(files)
	return t, nil
}

// code codes files with rows (in parallel, handing the rows to add in file
// order) under a progress line labelled label, and returns the seconds of
// audio. An interrupt is reported as one that left nothing written.
func (t *sideTraining) code(files []string, label string, rows func([]float32) ([]float32, error), add func([]float32) error) (float64, error) {
	prog := t.e.newProgress(label)
	defer prog.end()
	secs, err := corpus.StreamRows(t.e.ctx, files, t.workers, rows, prog.update, add)
	if t.e.ctx.Err() != nil {
		return 0, fmt.Errorf("%w while coding the speech: nothing written", errInterrupted)
	}
	return secs, err
}

// elapsed is the time since the training started, rounded for printing.
func (t *sideTraining) elapsed() time.Duration { return time.Since(t.start).Round(time.Second) }
