package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/vqspeak/vqspeak/bench"
)

// runBenchCompact is vqspeak bench -compact (issue 8): for each stage count,
// plain against compact file sizes, the entropy of every field and the
// cost of the entropy coding. It uses -stages, -json and -codebook.
func runBenchCompact(e *env, fs *flag.FlagSet, args []string) error {
	stages, err := parseStages(stringFlag(fs, "stages"))
	if err != nil {
		return err
	}
	cb, err := loadCodebook(stringFlag(fs, "codebook"))
	if err != nil {
		return err
	}
	if len(args) == 0 {
		args = []string{"testdata/audio"}
	}
	files, err := speechFiles(args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("no .wav or .flac files in %s", strings.Join(args, " "))
	}
	tty := isTerminal(e.stderr)
	start := time.Now()
	clips := make([]bench.Clip, len(files))
	for i, f := range files {
		if clips[i], err = bench.LoadClip(f); err != nil {
			return err
		}
		if tty {
			progress(e.stderr, "reading", i+1, len(files), start)
		}
	}
	cfg := bench.CompactConfig{Stages: stages, Codebook: cb}
	if tty {
		fmt.Fprintln(e.stderr)
		start = time.Now()
		cfg.Progress = func(phase string, done, total int) { progress(e.stderr, phase, done, total, start) }
	}
	res, err := bench.RunCompact(e.ctx, clips, cfg)
	if tty {
		fmt.Fprintln(e.stderr)
	}
	if err != nil {
		return err
	}
	jsonPath := stringFlag(fs, "json")
	if jsonPath != "-" {
		if err := bench.WriteCompactTable(e.stdout, res); err != nil {
			return err
		}
	}
	if jsonPath == "" {
		return nil
	}
	return writeOutput(e, jsonPath, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	})
}
