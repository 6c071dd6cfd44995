package main

import (
	"flag"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/vqspeak/vqspeak/codec"
)

func init() {
	register(&command{
		name:    "version",
		args:    "",
		summary: "Print the module version, the source revision, the Go version and the default codebook's fingerprint.",
		run:     runVersion,
	})
}

func runVersion(e *env, _ *flag.FlagSet, args []string) error {
	if len(args) != 0 {
		return usagef("takes no arguments, got %d", len(args))
	}
	version, revision, modified := "(unknown)", "", ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		version = bi.Main.Version // "(devel)" when built inside the clone
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				revision = s.Value
			case "vcs.time":
				revision += " (" + s.Value + ")"
			case "vcs.modified":
				if s.Value == "true" {
					modified = ", with uncommitted changes"
				}
			}
		}
	}
	if revision == "" {
		revision = "unknown (built without version control information)"
	}
	cb := codec.DefaultCodebook()
	w := e.stdout
	fmt.Fprintf(w, "vqspeak %s\n", version)
	fmt.Fprintf(w, "revision: %s%s\n", revision, modified)
	fmt.Fprintf(w, "go:       %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(w, "codebook: %x (default, %d stages × %d entries)\n", cb.Fingerprint(), cb.NumStages(), cb.Size)
	return nil
}
