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
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// env is what a command may touch besides its arguments, so that tests can
// run the CLI in-process.
type env struct {
	ctx    context.Context
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// A command is one subcommand of the CLI.
type command struct {
	name    string
	args    string // the synopsis after the name
	summary string
	run     func(e *env, fs *flag.FlagSet, args []string) error
	flags   func(fs *flag.FlagSet) // declares the flags; run reads them back from fs
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
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		printHelp(stderr)
		return exitUsage
	}
	name := args[0]
	if name == "help" || name == "-h" || name == "-help" || name == "--help" {
		if len(args) > 1 {
			if c := lookup(args[1]); c != nil {
				fs := newFlagSet(c, stdout)
				fs.Usage()
				return exitOK
			}
		}
		printHelp(stdout)
		return exitOK
	}
	c := lookup(name)
	if c == nil {
		fmt.Fprintf(stderr, "vqspeak: unknown command %q\n\n", name)
		printHelp(stderr)
		return exitUsage
	}
	fs := newFlagSet(c, stderr)
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	err := c.run(e, fs, fs.Args())
	var ue *usageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "vqspeak %s: %s\nusage: vqspeak %s %s\n", c.name, ue.msg, c.name, c.args)
		return exitUsage
	default:
		fmt.Fprintf(stderr, "vqspeak %s: %v\n", c.name, err)
		return exitFailure
	}
}

func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

func newFlagSet(c *command, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("vqspeak "+c.name, flag.ContinueOnError)
	fs.SetOutput(out)
	if c.flags != nil {
		c.flags(fs)
	}
	fs.Usage = func() {
		fmt.Fprintf(out, "usage: vqspeak %s %s\n\n%s\n", c.name, c.args, c.summary)
		var hasFlags bool
		fs.VisitAll(func(*flag.Flag) { hasFlags = true })
		if hasFlags {
			fmt.Fprintln(out, "\nflags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, "vqspeak: a low-bitrate wideband speech codec (16 kHz, 2–3.2 kb/s, 30 ms latency)")
	fmt.Fprintln(w, "\nusage: vqspeak COMMAND [flags] ARGS\n\ncommands:")
	for _, c := range commands {
		summary, _, _ := strings.Cut(c.summary, "\n")
		fmt.Fprintf(w, "  %-9s %s\n", c.name, summary)
	}
	fmt.Fprintln(w, "\nRun \"vqspeak COMMAND -h\" for a command's flags.")
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
