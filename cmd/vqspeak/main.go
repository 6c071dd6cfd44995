// Command vqspeak encodes, decodes, inspects and trains the vqspeak speech
// codec. Run "vqspeak help" for the commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP) // a closed terminal ends a run as Ctrl-C does
	go func() {
		<-sig
		cancel() // the command stops, says what it left and exits 130
		<-sig
		// A second signal: do not wait for the command any longer.
		removeTemps()
		fmt.Fprintln(os.Stderr, "vqspeak: stopped by a second signal")
		os.Exit(exitInterrupted)
	}()
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	os.Exit(code)
}

// env is what a command may touch besides its arguments, so that tests can
// run the CLI in-process.
type env struct {
	ctx    context.Context
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	force  bool // -f: replace existing outputs
	quiet  bool // -q: only warnings and errors on stderr
}

// infof prints a report line on stderr unless -q.
func (e *env) infof(format string, a ...any) {
	if !e.quiet {
		fmt.Fprintf(e.stderr, format, a...)
	}
}

// A command is one subcommand of the CLI.
type command struct {
	name    string
	args    string // the synopsis after the name
	summary string
	run     func(e *env, fs *flag.FlagSet, args []string) error
	flags   func(fs *flag.FlagSet) // declares the flags; run reads them back from fs
	// writes marks commands that write files: they take -f.
	writes bool
	// rawArgs hands run the arguments unparsed (a command with
	// subcommands parses their flags itself).
	rawArgs bool
}

// commands is filled by each command's file (and by optional ones behind build tags).
var commands []*command

func register(c *command) { commands = append(commands, c) }

// usageError marks a mistake in how the command was called: exit code 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return &usageError{fmt.Sprintf(format, a...)} }

// Exit codes.
const (
	exitOK          = 0
	exitFailure     = 1
	exitUsage       = 2
	exitInterrupted = 130 // 128 + SIGINT, as shells report it
)

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		printHelp(stderr)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			c := lookup(args[1])
			if c == nil {
				fmt.Fprintf(stderr, "vqspeak help: unknown command %q\n", args[1])
				return exitUsage
			}
			printUsage(stdout, c, newFlagSet(c))
			return exitOK
		}
		printHelp(stdout)
		return exitOK
	case "-version", "--version":
		name = "version"
	}
	c := lookup(name)
	if c == nil {
		fmt.Fprintf(stderr, "vqspeak: unknown command %q\n\n", name)
		printHelp(stderr)
		return exitUsage
	}
	fs := newFlagSet(c)
	fs.SetOutput(io.Discard) // parse errors are reported once, below, with the usage
	rest, err := args[1:], error(nil)
	switch {
	case !c.rawArgs:
		rest, err = parseArgs(fs, rest)
	case len(rest) == 1 && (rest[0] == "-h" || rest[0] == "-help" || rest[0] == "--help"):
		err = flag.ErrHelp
	}
	if errors.Is(err, flag.ErrHelp) {
		printUsage(stdout, c, fs) // asked for: stdout, exit 0
		return exitOK
	}
	if err == nil {
		e.quiet = !c.rawArgs && boolFlag(fs, "q")
		if c.writes && !c.rawArgs {
			e.force = boolFlag(fs, "f")
		}
		err = c.run(e, fs, rest)
	}
	var ue *usageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "vqspeak %s: %s\nusage: vqspeak %s %s\nRun \"vqspeak %s -h\" for the flags.\n",
			c.name, ue.msg, c.name, c.args, c.name)
		return exitUsage
	case ctx.Err() != nil:
		if !errors.Is(err, errInterrupted) { // the command had nothing to keep
			err = fmt.Errorf("%w: nothing written", errInterrupted)
		}
		fmt.Fprintf(stderr, "vqspeak %s: %v\n", c.name, err)
		return exitInterrupted
	default:
		fmt.Fprintf(stderr, "vqspeak %s: %v\n", c.name, err)
		return exitFailure
	}
}

// errInterrupted is what a command stopped by Ctrl-C returns, wrapped in a
// message that says what it left.
var errInterrupted = errors.New("interrupted")

// parseArgs parses flags wherever they stand among the arguments, as flac
// and opusenc do ("encode in.wav out.vqs -stages 2"); "--" ends the flags
// and "-" is an argument (stdin or stdout).
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usagef("%v", err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(pos, rest...), nil
		}
		// A bool flag takes no separate value: "-peers false" would make
		// "false" an input file.
		if n := len(args) - len(rest); n > 0 && (rest[0] == "true" || rest[0] == "false") {
			if f := fs.Lookup(strings.TrimLeft(args[n-1], "-")); f != nil && isBoolFlag(f) {
				return nil, usagef("-%s takes no separate value: write -%s=%s", f.Name, f.Name, rest[0])
			}
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

// newFlagSet declares c's flags and the ones every command shares.
func newFlagSet(c *command) *flag.FlagSet {
	fs := flag.NewFlagSet("vqspeak "+c.name, flag.ContinueOnError)
	fs.Usage = func() {} // run prints the usage itself, on the right stream
	if c.flags != nil {
		c.flags(fs)
	}
	if c.rawArgs {
		return fs
	}
	fs.Bool("q", false, "quiet: print only warnings and errors")
	if c.writes {
		fs.Bool("f", false, "overwrite existing output files")
	}
	return fs
}

// printUsage describes a command and its flags.
func printUsage(w io.Writer, c *command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "usage: vqspeak %s %s\n\n%s\n", c.name, c.args, c.summary)
	var hasFlags bool
	fs.VisitAll(func(*flag.Flag) { hasFlags = true })
	if hasFlags {
		fmt.Fprintln(w, "\nflags (before or after the file names; \"--\" ends them):")
		fs.SetOutput(w)
		fs.PrintDefaults()
	}
}

// helpIndex is the command list of "vqspeak help", in the order a new user
// meets them, each described in one line.
var helpIndex = []struct{ name, short string }{
	{"encode", "encode WAV or FLAC speech into a .vqs file (2000 to 3200 b/s)"},
	{"decode", "decode a .vqs file into a 16 kHz WAV file"},
	{"info", "describe a .vqs file: duration, stages, bitrate, codebook, damage"},
	{"eval", "measure the quality of a decoded file against the original"},
	{"tokens", "write the packets as speech tokens (JSONL or CSV)"},
	{"untokens", "turn speech tokens back into a WAV file"},
	{"train", "train a codebook on your own speech"},
	{"codebook", "inspect a codebook: shape, fingerprint, how well it codes speech"},
	{"bench", "measure quality, bitrate, latency and speed, against peer codecs"},
	{"send", "stream a file over RTP/UDP in real time"},
	{"receive", "receive an RTP/UDP stream into a WAV file"},
	{"record", "record the microphone into a .vqs file (live audio build)"},
	{"play", "play a .vqs file on the speakers (live audio build)"},
	{"loopback", "microphone → codec → simulated network → speakers (live audio build)"},
	{"devices", "list the sound cards (live audio build)"},
	{"version", "print the version, build and default codebook"},
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, "vqspeak: a low-bitrate wideband speech codec (16 kHz, 2–3.2 kb/s, 30 ms latency)")
	fmt.Fprintln(w, "\nusage: vqspeak COMMAND [flags] ARGS\n\ncommands:")
	listed := map[string]bool{}
	for _, h := range helpIndex {
		if lookup(h.name) != nil {
			fmt.Fprintf(w, "  %-9s %s\n", h.name, h.short)
			listed[h.name] = true
		}
	}
	for _, c := range commands { // registered but not in the index
		if !listed[c.name] {
			summary, _, _ := strings.Cut(c.summary, "\n")
			fmt.Fprintf(w, "  %-9s %s\n", c.name, summary)
		}
	}
	fmt.Fprintln(w, "\nRun \"vqspeak help COMMAND\" or \"vqspeak COMMAND -h\" for a command's flags.")
	fmt.Fprintln(w, "Exit status: 0 success, 1 failure, 2 usage error, 130 interrupted (Ctrl-C).")
}

// plural formats a count with its noun: "1 packet", "2 packets".
func plural(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// Flag accessors: commands declare flags in their flags func and read them
// back by name, which keeps each command's state local to one call.
func intFlag(fs *flag.FlagSet, name string) int {
	return fs.Lookup(name).Value.(flag.Getter).Get().(int)
}

func int64Flag(fs *flag.FlagSet, name string) int64 {
	return fs.Lookup(name).Value.(flag.Getter).Get().(int64)
}

func stringFlag(fs *flag.FlagSet, name string) string {
	return fs.Lookup(name).Value.String()
}

func boolFlag(fs *flag.FlagSet, name string) bool {
	return fs.Lookup(name).Value.(flag.Getter).Get().(bool)
}

func floatFlag(fs *flag.FlagSet, name string) float64 {
	return fs.Lookup(name).Value.(flag.Getter).Get().(float64)
}
