package main

import (
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/features"
	"github.com/vqspeak/vqspeak/internal/audiofile"
	"github.com/vqspeak/vqspeak/rvq"
)

func init() {
	register(&command{
		name: "train",
		args: "[-o FILE] [-stages N] [-size K] [-seed N] DIR_OR_FILE...",
		summary: "Train an envelope codebook on speech (WAV and FLAC, found recursively, any rate).\n" +
			"Every tenth file is held out and measured at the end: per-stage utilisation,\nperplexity and distortion.",
		flags: func(fs *flag.FlagSet) {
			fs.String("o", "codebook.vqcb", "output codebook `FILE`")
			fs.Int("stages", codec.DefaultStages, "RVQ stages (1 to 6)")
			fs.Int("size", 1024, "entries per stage (128 to 65536)")
			fs.Int64("seed", 1, "random seed: the same seed and input give the same codebook")
			fs.Int("iter", 25, "most Lloyd iterations per stage")
			fs.Int("refine", 2, "joint refinement passes over all stages")
			fs.Int("beam", codec.DefaultBeam, "beam width of the search used in refinement and measurement")
			fs.Int("max-vectors", 0, "use at most this many training vectors, evenly spaced (0 = all)")
		},
		run: runTrain,
	})
}

// speechFiles lists the WAV and FLAC files under the arguments, sorted.
func speechFiles(args []string) ([]string, error) {
	var files []string
	for _, a := range args {
		fi, err := os.Stat(a)
		if err != nil {
			return nil, err
		}
		if !fi.IsDir() {
			files = append(files, a)
			continue
		}
		err = filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			ext := strings.ToLower(filepath.Ext(p))
			if !d.IsDir() && (ext == ".wav" || ext == ".flac") {
				files = append(files, p)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	slices.Sort(files)
	return slices.Compact(files), nil
}

// extractVectors computes the envelope vectors of every file, in parallel,
// and returns them concatenated in file order (so the result does not
// depend on the number of cores).
func extractVectors(e *env, files []string, label string) ([]float32, float64, error) {
	per := make([][]float32, len(files))
	secs := make([]float64, len(files))
	errs := make([]error, len(files))
	next := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	start := time.Now()
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				a, err := audiofile.ReadFile(files[i])
				if err == nil && a.Rate != codec.SampleRate {
					a.Samples = features.Resample(a.Samples, a.Rate, codec.SampleRate)
				}
				if err != nil {
					errs[i] = fmt.Errorf("%s: %w", files[i], err)
					continue
				}
				secs[i] = float64(len(a.Samples)) / codec.SampleRate
				per[i] = codec.EnvelopeVectors(nil, a.Samples)
				mu.Lock()
				done++
				progress(e.stderr, label, done, len(files), start)
				mu.Unlock()
			}
		}()
	}
	for i := range files {
		if e.ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if err := e.ctx.Err(); err != nil {
		return nil, 0, fmt.Errorf("interrupted: %w", err)
	}
	var n int
	var total float64
	for i, v := range per {
		if errs[i] != nil {
			return nil, 0, errs[i]
		}
		n += len(v)
		total += secs[i]
	}
	out := make([]float32, 0, n)
	for _, v := range per {
		out = append(out, v...)
	}
	if isTerminal(e.stderr) {
		fmt.Fprintln(e.stderr)
	}
	return out, total, nil
}

// progress draws a one-line progress report with an ETA on a terminal, and
// a line every tenth of the way otherwise (logs stay short).
func progress(w io.Writer, label string, done, total int, start time.Time) {
	el := time.Since(start)
	eta := time.Duration(float64(el) / float64(done) * float64(total-done))
	line := fmt.Sprintf("%s: %d/%d (%.0f%%), elapsed %v, ETA %v", label, done, total,
		100*float64(done)/float64(total), el.Round(time.Second), eta.Round(time.Second))
	switch {
	case isTerminal(w):
		fmt.Fprintf(w, "\r%s   ", line)
	case done*10/total != (done-1)*10/total:
		fmt.Fprintln(w, line)
	}
}

// isTerminal reports whether w is a character device (an interactive terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func runTrain(e *env, fs *flag.FlagSet, args []string) error {
	if len(args) == 0 {
		return usagef("name at least one directory or file of speech")
	}
	stages, size := intFlag(fs, "stages"), intFlag(fs, "size")
	if stages < 1 || stages > codec.MaxStages {
		return usagef("-stages %d: want 1 to %d", stages, codec.MaxStages)
	}
	if size < 128 || size > 65536 {
		return usagef("-size %d: want 128 to 65536", size)
	}
	files, err := speechFiles(args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("no .wav or .flac files in %s", strings.Join(args, " "))
	}
	var trainFiles, heldOut []string
	for i, f := range files {
		if i%10 == 9 {
			heldOut = append(heldOut, f)
		} else {
			trainFiles = append(trainFiles, f)
		}
	}
	if len(heldOut) == 0 {
		heldOut = trainFiles
	}
	start := time.Now()
	data, secs, err := extractVectors(e, trainFiles, "analysing")
	if err != nil {
		return err
	}
	dim := codec.EnvelopeDim
	if max := intFlag(fs, "max-vectors"); max > 0 && len(data)/dim > max {
		data = subsample(data, dim, max)
	}
	fmt.Fprintf(e.stderr, "%d files, %.1f min of audio, %d vectors (%v)\n",
		len(trainFiles), secs/60, len(data)/dim, time.Since(start).Round(time.Second))

	beam := intFlag(fs, "beam")
	trainStart := time.Now()
	cb, _, err := rvq.Train(data, dim, rvq.TrainOptions{
		Stages:       stages,
		Size:         size,
		Seed:         int64Flag(fs, "seed"),
		MaxIter:      intFlag(fs, "iter"),
		RefinePasses: intFlag(fs, "refine"),
		Beam:         beam,
		Meta:         codec.EnvelopeMeta,
		Progress: func(stage, iter int, dist float64) {
			what := fmt.Sprintf("iteration %d", iter)
			if iter < 0 {
				what = fmt.Sprintf("joint refinement pass %d", -iter)
			}
			line := fmt.Sprintf("training: stage %d, %s, distortion %.5f, elapsed %v",
				stage+1, what, dist, time.Since(trainStart).Round(time.Second))
			if isTerminal(e.stderr) {
				fmt.Fprintf(e.stderr, "\r%s   ", line)
			} else {
				fmt.Fprintln(e.stderr, line)
			}
		},
	})
	if err != nil {
		return err
	}
	if isTerminal(e.stderr) {
		fmt.Fprintln(e.stderr)
	}
	out := stringFlag(fs, "o")
	if err := writeOutput(e, out, func(w io.Writer) error {
		_, err := cb.WriteTo(w)
		return err
	}); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "wrote %s (fingerprint %x) after %v\n", out, cb.Fingerprint(), time.Since(start).Round(time.Second))

	held, _, err := extractVectors(e, heldOut, "held-out")
	if err != nil {
		return err
	}
	printStats(e.stdout, cb, held, beam)
	return nil
}

// subsample keeps n vectors evenly spaced through data.
func subsample(data []float32, dim, n int) []float32 {
	total := len(data) / dim
	out := make([]float32, 0, n*dim)
	for i := range n {
		j := int(int64(i) * int64(total) / int64(n))
		out = append(out, data[j*dim:(j+1)*dim]...)
	}
	return out
}

// printStats prints per-stage utilisation, perplexity and distortion of cb on data.
func printStats(w io.Writer, cb *rvq.Codebook, data []float32, beam int) {
	stats := rvq.Stats(cb, data, cb.NumStages(), beam)
	fmt.Fprintf(w, "held-out: %d vectors, beam %d\n", len(data)/cb.Dim, beam)
	fmt.Fprintf(w, "%-6s %12s %11s %14s %12s\n", "stage", "utilisation", "perplexity", "distortion", "rmse")
	for i, s := range stats {
		fmt.Fprintf(w, "%-6d %11.1f%% %11.1f %14.5f %12.5f\n", i+1, 100*s.Utilisation, s.Perplexity, s.Distortion, s.RMSE)
	}
}
