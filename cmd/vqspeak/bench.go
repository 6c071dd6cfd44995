package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vqspeak/vqspeak/bench"
	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/internal/audiofile"
	"github.com/vqspeak/vqspeak/internal/corpus"
)

func init() {
	register(&command{
		name: "bench",
		args: "[-stages LIST] [-modes LIST] [-json FILE] [-plot DIR] [-peers] [-pesq PATH] [-keep DIR] [-check] [-loss [-loss-seed N] | -compact] FILES_OR_DIRS...\n" +
			"       vqspeak bench -decompose | -decompose-quant [-stages LIST] [-every N] [-pesq PATH] FILES_OR_DIRS...\n" +
			"       vqspeak bench -from [-json FILE] [-plot DIR] RESULT.json...",
		summary: "Measure quality (PESQ-WB and PESQ-NB when a pesq scorer is available, STOI, ESTOI,\n" +
			"MCD, LSD, F0, voicing), bitrate, latency and speed of vqspeak at each stage count, its\n" +
			"unquantised ceiling, and Opus, Codec 2 and Speex when their tools are installed. Silent\n" +
			"or too short files are skipped with a warning.",
		flags: func(fs *flag.FlagSet) {
			fs.String("stages", "1,2,3,4", "comma-separated stage `LIST` to measure")
			fs.String("modes", "", "comma-separated `LIST` of low-rate modes (800, 1200, 1600; 700 = 800) measured as rows of their own after the stage counts'")
			fs.String("json", "", "also write every number as JSON to `FILE` (\"-\" = stdout, replacing the table)")
			fs.String("plot", "", "write PNG plots into `DIR`")
			fs.Bool("peers", true, "also measure Opus, Codec 2 and Speex (skipped when their tools are missing)")
			fs.Bool("check", false, "fail (exit 1) if a packet allocates or the latency exceeds 30 ms (for CI)")
			fs.Bool("quality", true, "measure quality (false: bitrate, latency and speed only)")
			fs.Bool("timing", true, "time every packet's encode and decode (false: quality only)")
			fs.String("codebook", "", "codebook `FILE` (default: the embedded one, also named \"default\")")
			fs.Bool("envmodel", true, "decode with the decoder's envelope model (false: the middle frame's envelope is its neighbours' mean, as before issue 11)")
			fs.String("example", "", "`FILE` whose spectrograms -plot draws (default: the first of at least 3 s)")
			fs.String("pesq", "", "`PATH` of an ITU-T P.862 scorer run as \"pesq -wb|-nb REF DEG\" (default: pesq in PATH; without one the PESQ columns are left out)")
			fs.String("keep", "", "save every decoded file as a WAV under `DIR`, one subdirectory per row")
			fs.Int("every", 1, "measure only every `N`th input file (in sorted order, from the first): a reproducible subset")
			fs.Bool("decompose", false, "measure only the unquantised vocoder and its variants, each with one part substituted (README's decomposition table)")
			fs.Bool("decompose-quant", false, "measure the unquantised vocoder with one part quantised per row, after the -stages rows (README's quantisation decomposition)")
			fs.Bool("from", false, "instead of measuring, print (and -plot, -json) the rows of earlier -json results, the arguments, together; a row whose codec and setting an earlier file gave is left out")
			lossFlags(fs)
			fs.Bool("compact", false, "instead compare compact with plain .vqs files: size, entropy of each field, coding time (uses -stages, -json, -codebook)")
		},
		run:    runBench,
		writes: true,
	})
}

// loadBenchClips reads the bench's inputs: the WAV and FLAC files under
// args (every every-th of them in sorted order), with progress. Files that
// hold no samples are returned as skipped rather than failing the run.
func loadBenchClips(e *env, args []string, every int) ([]string, []bench.Clip, []bench.Skipped, error) {
	all, err := corpus.Files(args)
	if err != nil {
		return nil, nil, nil, err
	}
	if every < 1 {
		return nil, nil, nil, usagef("-every %d: want 1 or more", every)
	}
	if every > 1 {
		var sub []string
		for i := 0; i < len(all); i += every {
			sub = append(sub, all[i])
		}
		all = sub
	}
	if len(all) == 0 {
		return nil, nil, nil, fmt.Errorf("no .wav or .flac files in %s", strings.Join(args, " "))
	}
	prog := e.newProgress("reading")
	defer prog.end()
	var files []string
	var clips []bench.Clip
	var skipped []bench.Skipped
	for i, f := range all {
		if err := e.ctx.Err(); err != nil {
			return nil, nil, nil, err
		}
		c, err := bench.LoadClip(f)
		switch {
		case errors.Is(err, audiofile.ErrNoAudio):
			skipped = append(skipped, bench.Skipped{File: f, Reason: "no samples"})
		case err != nil:
			return nil, nil, nil, err
		default:
			files, clips = append(files, f), append(clips, c)
		}
		prog.update(i+1, len(all))
	}
	if len(clips) == 0 {
		return nil, nil, nil, fmt.Errorf("no audio in %s: every file is empty", strings.Join(args, " "))
	}
	return files, clips, skipped, nil
}

// warnSkipped tells stderr which inputs a bench run left out.
func warnSkipped(e *env, skipped []bench.Skipped) {
	for _, s := range skipped {
		fmt.Fprintf(e.stderr, "vqspeak bench: warning: skipping %s: %s\n", s.File, s.Reason)
	}
}

// phaseProgress returns a progress callback for the bench's phases, each
// with its own ETA on a new line, or nil with -q. The caller ends the last
// line.
func phaseProgress(e *env) func(phase string, done, total int) {
	if e.quiet {
		return nil
	}
	prog := e.newProgress("reading")
	return func(p string, done, total int) {
		if p != prog.label {
			prog.restart(p)
		}
		prog.update(done, total)
	}
}

// writeBenchResult prints res as a table (table) on stdout and, with -json,
// as indented JSON to that file ("-": stdout, instead of the table).
func writeBenchResult(e *env, fs *flag.FlagSet, res any, table func(io.Writer) error) error {
	jsonPath := stringFlag(fs, "json")
	if jsonPath != "-" {
		if err := table(e.stdout); err != nil {
			return err
		}
	}
	if jsonPath == "" {
		return nil
	}
	return e.writeOutput(jsonPath, nil, func(w io.Writer) error { // checked by checkBenchOutputs
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	})
}

// maxCheckLatency is the latency budget -check enforces.
const maxCheckLatency = 30 * time.Millisecond

// checkBenchOutputs finds a -json or -plot path that cannot be written
// before the bench runs for minutes: same file as an input, an existing
// file without -f, a missing directory.
func checkBenchOutputs(e *env, fs *flag.FlagSet, args []string) error {
	if p := stringFlag(fs, "json"); p != "" && p != "-" {
		files, _ := corpus.Files(args) // a bad input is reported later
		o, err := e.createOutput(p, append(files, args...)...)
		if err != nil {
			return err
		}
		o.Abort()
	}
	if dir := stringFlag(fs, "plot"); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("-plot: %w", err)
		}
		// The plots follow the same rule as any output: an existing one
		// is replaced only with -f.
		for _, name := range []string{bench.QualityPlot, bench.QualityPeersPlot, bench.SpectrogramPlot, bench.TimingPlot} {
			o, err := e.createOutput(filepath.Join(dir, name), args...)
			if err != nil {
				return fmt.Errorf("-plot: %w", err)
			}
			o.Abort()
		}
	}
	return nil
}

func runBench(e *env, fs *flag.FlagSet, args []string) error {
	if boolFlag(fs, "loss") && boolFlag(fs, "compact") {
		return usagef("-loss and -compact are separate experiments: choose one")
	}
	if len(args) == 0 {
		return usagef("name the speech to measure: WAV or FLAC files or directories (a clone has short clips in testdata/audio)")
	}
	if err := checkBenchOutputs(e, fs, args); err != nil {
		return err
	}
	if boolFlag(fs, "from") {
		if boolFlag(fs, "loss") || boolFlag(fs, "compact") {
			return usagef("-from reads the quality table's results, not -loss or -compact ones")
		}
		return runBenchFrom(e, fs, args)
	}
	if boolFlag(fs, "loss") {
		return runBenchLoss(e, fs, args)
	}
	if boolFlag(fs, "compact") {
		return runBenchCompact(e, fs, args)
	}
	stages, err := parseStages(stringFlag(fs, "stages"))
	if err != nil {
		return err
	}
	cb, err := loadCodebook(stringFlag(fs, "codebook"))
	if err != nil {
		return err
	}
	files, clips, skipped, err := loadBenchClips(e, args, intFlag(fs, "every"))
	if err != nil {
		return err
	}
	example := -1
	exampleFile := stringFlag(fs, "example")
	for i, f := range files {
		n := len(clips[i].Samples)
		if example < 0 && (f == exampleFile || exampleFile == "" && n >= 3*codec.SampleRate) {
			example = i
		}
	}
	if exampleFile != "" && example < 0 {
		return usagef("-example %s is not among the inputs", exampleFile)
	}
	if example < 0 {
		example = 0
	}
	modes, err := parseModes(stringFlag(fs, "modes"))
	if err != nil {
		return err
	}
	cfg := bench.Config{
		Stages:    stages,
		Modes:     modes,
		Codebook:  cb,
		NoQuality: !boolFlag(fs, "quality"),
		NoTiming:  !boolFlag(fs, "timing"),
		Example:   example,
		// -envmodel=false: without the decoder's envelope model
		NoEnvelopeModel: !boolFlag(fs, "envmodel"),
	}
	if boolFlag(fs, "decompose") {
		cfg.Stages, cfg.Variants = []int{}, bench.Decomposition()
	}
	if boolFlag(fs, "decompose-quant") {
		cfg.Variants = append(cfg.Variants, bench.QuantDecomposition()...)
	}
	if boolFlag(fs, "peers") && !cfg.NoQuality {
		var notes []string
		cfg.Peers, notes = bench.Available(bench.DefaultPeers())
		for _, n := range notes {
			fmt.Fprintf(e.stderr, "vqspeak bench: %s\n", n)
		}
	}
	if !cfg.NoQuality {
		if cfg.PESQ, err = findPESQ(e, fs); err != nil {
			return err
		}
	}
	cfg.Keep = stringFlag(fs, "keep")
	cfg.Progress = phaseProgress(e)
	res, err := bench.Run(e.ctx, clips, cfg)
	if cfg.Progress != nil && isTerminal(e.stderr) {
		fmt.Fprintln(e.stderr) // ends the redrawn line
	}
	if err != nil {
		return err
	}
	res.Skipped = append(skipped, res.Skipped...)
	warnSkipped(e, res.Skipped)
	if err := writeBenchResult(e, fs, res, func(w io.Writer) error { return bench.WriteTable(w, res) }); err != nil {
		return err
	}
	if err := writeBenchPlots(e, fs, res); err != nil {
		return err
	}
	if boolFlag(fs, "check") {
		return check(res)
	}
	return nil
}

// runBenchFrom joins the rows of saved -json results (vqspeak rows of one
// run with the peers' rows of another, say) into one table and plot
// without measuring again. Rows measured on other files than the first
// result's are kept, with a warning: their means are not comparable.
func runBenchFrom(e *env, fs *flag.FlagSet, paths []string) error {
	var res bench.Result
	seen := map[string]string{}
	for i, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		var r bench.Result
		if err := json.Unmarshal(b, &r); err != nil {
			return fmt.Errorf("%s: not a vqspeak bench -json result: %w", p, err)
		}
		if len(r.Rows) == 0 {
			return fmt.Errorf("%s: no rows (not a vqspeak bench -json result of the quality table?)", p)
		}
		if i == 0 {
			res = r
			res.Rows = nil
		} else if !slices.Equal(r.Files, res.Files) {
			fmt.Fprintf(e.stderr, "vqspeak bench: warning: %s was measured on other files than %s: its rows' means are not comparable\n", p, paths[0])
		}
		for _, row := range r.Rows {
			key := row.Codec + "\x00" + row.Setting
			if from, ok := seen[key]; ok {
				fmt.Fprintf(e.stderr, "vqspeak bench: %s %s of %s left out: %s gave it\n", row.Codec, row.Setting, p, from)
				continue
			}
			seen[key] = p
			res.Rows = append(res.Rows, row)
		}
	}
	if err := writeBenchResult(e, fs, &res, func(w io.Writer) error { return bench.WriteTable(w, &res) }); err != nil {
		return err
	}
	return writeBenchPlots(e, fs, &res)
}

// writeBenchPlots draws res into the -plot directory, if one was given
// (checkBenchOutputs made it and checked its files), and says what it wrote.
func writeBenchPlots(e *env, fs *flag.FlagSet, res *bench.Result) error {
	dir := stringFlag(fs, "plot")
	if dir == "" {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	paths, err := bench.WritePlots(dir, res)
	if err != nil {
		return err
	}
	for _, p := range paths {
		e.infof("vqspeak bench: wrote %s\n", p)
	}
	return nil
}

// errCheck is the failure of -check.
var errCheck = errors.New("check failed")

// check enforces what CI guards: no allocation per packet and the latency budget.
func check(res *bench.Result) error {
	var problems []string
	if res.LatencyMS > float64(maxCheckLatency)/float64(time.Millisecond) {
		problems = append(problems, fmt.Sprintf("algorithmic latency %.1f ms exceeds %v", res.LatencyMS, maxCheckLatency))
	}
	for _, r := range res.Rows {
		if r.Timing == nil {
			continue
		}
		if r.Timing.EncodeAllocs > 0 || r.Timing.DecodeAllocs > 0 {
			problems = append(problems, fmt.Sprintf("%d stages: %.3g allocations per packet in Encode, %.3g in Decode (want 0)",
				r.Stages, r.Timing.EncodeAllocs, r.Timing.DecodeAllocs))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", errCheck, strings.Join(problems, "; "))
	}
	return nil
}

// findPESQ resolves bench's -pesq scorer: "" with a note when there is none
// in PATH, a usage error when the one named does not run.
func findPESQ(e *env, fs *flag.FlagSet) (string, error) {
	p, err := bench.FindPESQ(stringFlag(fs, "pesq"))
	switch {
	case errors.Is(err, bench.ErrNoPESQ):
		fmt.Fprintf(e.stderr, "vqspeak bench: no pesq in PATH (give one with -pesq PATH): PESQ columns left out\n")
	case err != nil:
		return "", usagef("-pesq: %v", err)
	}
	return p, nil
}

// parseModes parses "800,1200" into low-rate modes, no repeats.
func parseModes(list string) ([]codec.Mode, error) {
	var out []codec.Mode
	if strings.TrimSpace(list) == "" {
		return nil, nil
	}
	for _, f := range strings.Split(list, ",") {
		bps, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return nil, usagef("-modes %q: want a comma-separated list of 800 (or 700), 1200, 1600", list)
		}
		m, err := codec.ModeForBitrate(bps)
		if err != nil {
			return nil, usagef("-modes %q: %v", list, err)
		}
		if !m.LowRate() {
			return nil, usagef("-modes %q: %d b/s is a 20 ms mode: measure it with -stages %d", list, bps, m.Stages)
		}
		if slices.Contains(out, m) {
			return nil, usagef("-modes %q: the %s mode appears twice", list, m.Name())
		}
		out = append(out, m)
	}
	return out, nil
}

// parseStages parses "1,2,4" into stage counts, each 1..MaxStages, no repeats.
func parseStages(list string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(list, ",") {
		s, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || s < 1 || s > codec.MaxStages {
			return nil, usagef("-stages %q: want a comma-separated list of 1 to %d", list, codec.MaxStages)
		}
		for _, o := range out {
			if o == s {
				return nil, usagef("-stages %q: %d appears twice", list, s)
			}
		}
		out = append(out, s)
	}
	return out, nil
}
