package main

import (
	"flag"
	"fmt"
	"io"

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
	_, clips, skipped, err := loadBenchClips(e, args, intFlag(fs, "every"))
	if err != nil {
		return err
	}
	warnSkipped(e, skipped)
	cfg := bench.CompactConfig{Stages: stages, Codebook: cb}
	cfg.Progress = phaseProgress(e)
	res, err := bench.RunCompact(e.ctx, clips, cfg)
	if cfg.Progress != nil && isTerminal(e.stderr) {
		fmt.Fprintln(e.stderr) // ends the redrawn line
	}
	if err != nil {
		return err
	}
	return writeBenchResult(e, fs, res, func(w io.Writer) error { return bench.WriteCompactTable(w, res) })
}
