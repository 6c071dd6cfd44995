package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"slices"
	"strings"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/internal/corpus"
	"github.com/vqspeak/vqspeak/rvq"
)

func init() {
	register(&command{
		name: "codebook",
		args: "info FILE | stats [-beam N] [-stages N] [-json] FILE DIRS_OR_FILES...",
		summary: "Inspect an envelope codebook (FILE \"default\" is the embedded one).\n" +
			"  info   shape, fingerprint, label, weights and whether this codec accepts it\n" +
			"  stats  encode the envelope vectors of the given speech\n" +
			"         greedily and with a beam search and report, after 1..N stages, per-stage\n" +
			"         utilisation and perplexity, distortion and the envelope error as RMSE in\n" +
			"         cepstral units and as an MCD equivalent in dB:\n" +
			"           MCD_dB = (10/ln 10) · sqrt(2 · Σ_d e_d²), e_d = c_d − ĉ_d for d = 1..24,\n" +
			"         averaged over the (non-silent) 10 ms frames. It approximates the quantiser's share of\n" +
			"         the MCD of decoded speech, which also includes the vocoder's error.\n" +
			"         Rows for fewer stages truncate the N-stage encoding (what a decoder gets when\n" +
			"         stages are dropped); -stages K measures an encoder set to K stages.\n" +
			"Run \"vqspeak codebook stats -h\" for the flags of stats.",
		run:     runCodebook,
		rawArgs: true, // stats has flags of its own
	})
}

func runCodebook(e *env, _ *flag.FlagSet, args []string) error {
	if len(args) == 0 {
		return usagef("want a subcommand: info or stats")
	}
	switch args[0] {
	case "info":
		if len(args) != 2 {
			return usagef("info wants one codebook FILE, got %s", plural(int64(len(args)-1), "argument"))
		}
		return runCodebookInfo(e, args[1])
	case "stats":
		return runCodebookStats(e, args[1:])
	}
	return usagef("unknown subcommand %q: want info or stats", args[0])
}

// readAnyCodebook loads a codebook file, or the embedded one for "default",
// without asking whether the codec accepts it (info and stats say so).
func readAnyCodebook(path string) (*rvq.Codebook, error) {
	if path == "default" {
		return codec.DefaultCodebook(), nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cb, err := rvq.ReadCodebook(f)
	if err != nil {
		return nil, fmt.Errorf("codebook %s: %w", path, err)
	}
	return cb, nil
}

// codebookInfo is what "vqspeak codebook info" reports.
type codebookInfo struct {
	File        string    `json:"file"`
	Dim         int       `json:"dim"`
	Size        int       `json:"size"`
	Stages      int       `json:"stages"`
	IndexBits   int       `json:"index_bits"`
	Fingerprint string    `json:"fingerprint"`
	Meta        string    `json:"meta"`
	Normalised  bool      `json:"normalised"`
	Weights     []float32 `json:"weights,omitempty"`
	Codec       string    `json:"codec"` // "ok" or why the codec refuses it
	BitratesBPS []int     `json:"bitrates_bps,omitempty"`
}

func describeCodebook(name string, cb *rvq.Codebook) codebookInfo {
	in := codebookInfo{File: name, Dim: cb.Dim, Size: cb.Size, Stages: cb.NumStages(),
		IndexBits: codec.IndexBits(cb), Fingerprint: fmt.Sprintf("%x", cb.Fingerprint()),
		Meta: cb.Meta, Normalised: cb.Mean != nil || cb.Scale != nil, Weights: cb.Weights, Codec: "ok"}
	if err := codec.CheckCodebook(cb); err != nil {
		in.Codec = err.Error()
	} else {
		for s := 1; s <= cb.NumStages(); s++ {
			in.BitratesBPS = append(in.BitratesBPS, codec.Bitrate(cb, s))
		}
	}
	return in
}

func runCodebookInfo(e *env, path string) error {
	cb, err := readAnyCodebook(path)
	if err != nil {
		return err
	}
	in := describeCodebook(path, cb)
	w := e.stdout
	fmt.Fprintf(w, "codebook:    %s\n", in.File)
	fmt.Fprintf(w, "shape:       %d stages × %d entries × %d dimensions (%d bits per stage index)\n",
		in.Stages, in.Size, in.Dim, in.IndexBits)
	fmt.Fprintf(w, "fingerprint: %s\n", in.Fingerprint)
	fmt.Fprintf(w, "meta:        %q\n", in.Meta)
	fmt.Fprintf(w, "normalised:  %v\n", in.Normalised)
	if in.Weights == nil {
		fmt.Fprintln(w, "weights:     none (plain squared error)")
	} else {
		fmt.Fprintf(w, "weights:     %v\n", in.Weights)
	}
	if in.Codec != "ok" {
		fmt.Fprintf(w, "codec:       refused: %s\n", in.Codec)
		return nil
	}
	var rates []string
	for i, b := range in.BitratesBPS {
		rates = append(rates, fmt.Sprintf("%d stage(s) %d b/s", i+1, b))
	}
	fmt.Fprintf(w, "codec:       usable: %s\n", strings.Join(rates, ", "))
	return nil
}

// mcdPerUnit converts a frame's Euclidean cepstral error norm into
// mel-cepstral distortion in dB: MCD = (10/ln 10)·sqrt(2·Σ e_d²).
var mcdPerUnit = 10 / math.Ln10 * math.Sqrt2

// stageRow is one line of the stats table: a search width after 1..Stage stages.
type stageRow struct {
	Beam        int     `json:"beam"`
	Stages      int     `json:"stages"`
	Used        int     `json:"used"`
	Utilisation float64 `json:"utilisation"`
	Perplexity  float64 `json:"perplexity"`
	Distortion  float64 `json:"distortion"`
	RMSE        float64 `json:"rmse"`
	MCD         float64 `json:"mcd_db"`
}

// codebookStats measures cb on data with each beam width (deduplicated, in order).
func codebookStats(cb *rvq.Codebook, data []float32, stages int, beams []int) []stageRow {
	var rows []stageRow
	var seen []int
	for _, b := range beams {
		if slices.Contains(seen, b) {
			continue
		}
		seen = append(seen, b)
		for _, s := range rvq.Stats(cb, data, stages, b) {
			rows = append(rows, stageRow{Beam: b, Stages: s.Stage + 1, Used: s.Used, Utilisation: s.Utilisation,
				Perplexity: s.Perplexity, Distortion: s.Distortion, RMSE: s.RMSE, MCD: mcdPerUnit * s.MeanError})
		}
	}
	return rows
}

func printStageRows(w io.Writer, cb *rvq.Codebook, rows []stageRow) {
	fmt.Fprintf(w, "%-7s %6s %6s %7s %10s %10s %8s %8s\n",
		"search", "stages", "used", "util", "perplexity", "distortion", "rmse", "MCD dB")
	for _, r := range rows {
		search := "greedy"
		if r.Beam > 1 {
			search = fmt.Sprintf("beam %d", r.Beam)
		}
		fmt.Fprintf(w, "%-7s %6d %6d %6.1f%% %10.1f %10.5f %8.4f %8.3f\n",
			search, r.Stages, r.Used, 100*r.Utilisation, r.Perplexity, r.Distortion, r.RMSE, r.MCD)
	}
	fmt.Fprintf(w, "(used, util and perplexity are of the last stage's indices; distortion, rmse and MCD\n"+
		"are of the envelope after that many stages; %d entries per stage)\n", cb.Size)
}

// printCodebookStats prints the stats table of cb on data for the given beams.
func printCodebookStats(w io.Writer, cb *rvq.Codebook, data []float32, stages int, beams []int) error {
	if len(data) < cb.Dim {
		return fmt.Errorf("no envelope vectors to measure (all frames silent?)")
	}
	printStageRows(w, cb, codebookStats(cb, data, stages, beams))
	return nil
}

func runCodebookStats(e *env, args []string) error {
	fs := flag.NewFlagSet("vqspeak codebook stats", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // parse errors are reported once, as usage errors
	beam := fs.Int("beam", codec.DefaultBeam, "beam width compared with greedy search (1: greedy only)")
	stages := fs.Int("stages", 0, "measure after 1..N stages (0: all of the codebook's)")
	asJSON := fs.Bool("json", false, "print JSON")
	quiet := fs.Bool("q", false, "quiet: print only warnings and errors")
	fs.Usage = func() {}
	args, err := parseArgs(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(e.stdout, "usage: vqspeak codebook stats [-beam N] [-stages N] [-json] FILE DIRS_OR_FILES...\n\n"+
			"FILE is a codebook or \"default\" (the embedded one).\n\nflags:\n")
		fs.SetOutput(e.stdout)
		fs.PrintDefaults()
		return nil
	}
	if err != nil {
		return err
	}
	e.quiet = *quiet
	if len(args) < 2 {
		return usagef("stats wants a codebook FILE (or \"default\") and the speech to measure it on (WAV or FLAC files or directories)")
	}
	if *beam < 1 || *beam > rvq.MaxBeam {
		return usagef("-beam %d: want 1 to %d", *beam, rvq.MaxBeam)
	}
	cb, err := readAnyCodebook(args[0])
	if err != nil {
		return err
	}
	if *stages < 0 || *stages > cb.NumStages() {
		return usagef("-stages %d: the codebook has 1 to %d", *stages, cb.NumStages())
	}
	if *stages == 0 {
		*stages = cb.NumStages()
	}
	if cb.Dim != codec.EnvelopeDim {
		return fmt.Errorf("codebook %s has dimension %d; envelope vectors have %d", args[0], cb.Dim, codec.EnvelopeDim)
	}
	if err := codec.CheckCodebook(cb); err != nil {
		fmt.Fprintf(e.stderr, "note: the codec would refuse this codebook (%v); measuring it anyway\n", err)
	}
	speech := args[1:]
	files, err := corpus.Files(speech)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("no .wav or .flac files in %s", strings.Join(speech, " "))
	}
	data, secs, err := extractVectors(e, files, "analysing", runtime.GOMAXPROCS(0))
	if err != nil {
		return err
	}
	if len(data) < cb.Dim {
		return fmt.Errorf("no envelope vectors in %s (all frames silent?)", strings.Join(speech, " "))
	}
	rows := codebookStats(cb, data, *stages, []int{1, *beam})
	if *asJSON {
		out := struct {
			Codebook codebookInfo `json:"codebook"`
			Files    int          `json:"files"`
			Minutes  float64      `json:"minutes"`
			Vectors  int          `json:"vectors"`
			Rows     []stageRow   `json:"rows"`
		}{describeCodebook(args[0], cb), len(files), secs / 60, len(data) / cb.Dim, rows}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	fmt.Fprintf(e.stdout, "codebook %s: %d stages × %d entries, fingerprint %x\n",
		args[0], cb.NumStages(), cb.Size, cb.Fingerprint())
	fmt.Fprintf(e.stdout, "speech: %s, %.1f min, %d envelope vectors\n", plural(int64(len(files)), "file"), secs/60, len(data)/cb.Dim)
	printStageRows(e.stdout, cb, rows)
	return nil
}
