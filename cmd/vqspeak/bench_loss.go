package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/vqspeak/vqspeak/bench/loss"
	"github.com/vqspeak/vqspeak/codec"
)

// lossFlags adds bench's packet-loss mode flags.
func lossFlags(fs *flag.FlagSet) {
	fs.Bool("loss", false, "measure packet loss (silence, repeat, concealment, FEC), FEC's cost and DTX\n"+
		"instead of the quality table (one stage count: -stages N, default 4); with -modes, also a table of\n"+
		"those modes and the 20 ms one at -stages under loss (concealment, PESQ with a scorer)")
	fs.Uint64("loss-seed", 1, "seed of the simulated losses (-loss)")
}

// runBenchLoss is `vqspeak bench -loss`: the loss, FEC and DTX experiment
// of package bench/loss on the inputs, as Markdown tables (and JSON).
func runBenchLoss(e *env, fs *flag.FlagSet, args []string) error {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for _, name := range []string{"plot", "check", "example", "quality"} {
		if set[name] {
			return usagef("-%s does not apply to -loss", name)
		}
	}
	stages := codec.DefaultStages
	if set["stages"] {
		list, err := parseStages(stringFlag(fs, "stages"))
		if err != nil {
			return err
		}
		if len(list) != 1 {
			return usagef("-loss measures one stage count; -stages %s lists %d", stringFlag(fs, "stages"), len(list))
		}
		stages = list[0]
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
	modes, err := parseModes(stringFlag(fs, "modes"))
	if err != nil {
		return err
	}
	cfg := loss.Config{
		Codebook: cb,
		Stages:   stages,
		Seed:     fs.Lookup("loss-seed").Value.(flag.Getter).Get().(uint64),
		Modes:    modes,
	}
	switch {
	case len(modes) > 0:
		if cfg.PESQ, err = findPESQ(e, fs); err != nil {
			return err
		}
	case set["pesq"]:
		return usagef("-pesq applies to -loss only with -modes")
	}
	cfg.Progress = phaseProgress(e)
	res, err := loss.Run(e.ctx, clips, cfg)
	if cfg.Progress != nil && isTerminal(e.stderr) {
		fmt.Fprintln(e.stderr) // ends the redrawn line
	}
	if err != nil {
		return err
	}
	return writeBenchResult(e, fs, res, func(w io.Writer) error { return loss.WriteTable(w, res) })
}
