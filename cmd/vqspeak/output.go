package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// The conventions every command that writes a file follows (README, "The
// command line"):
//   - an output that is the same file as an input is refused (os.SameFile,
//     so links and other spellings of the path are caught);
//   - an existing regular file is replaced only with -f, as flac does, and
//     only by a run that completes: an interrupted run keeps it as it was
//     (keepExisting), so a partial result never destroys a complete one;
//   - FIFOs, devices (/dev/null, /dev/stdout) and Unix sockets are written
//     in place, never replaced;
//   - a symbolic link is followed, as cp does: the file it points to is
//     written (or replaced, with -f) and the link stays; a link to nothing
//     is refused, as GNU cp refuses to write through a dangling link;
//   - everything else is written to a hidden temporary file next to the
//     output, created before the work starts (a bad path fails at once)
//     and renamed into place only on success; a failure, Ctrl-C, SIGTERM or
//     SIGHUP removes it, and no message names it. It is locked while open
//     (lockTemp), so that one left by a run that was killed or crashed is
//     recognised and removed by the next run writing the same output.

// output is one file a command writes. Write through W; then Commit, or
// let the deferred Abort throw the temporary file away.
type output struct {
	path   string    // as the user gave it, for messages
	target string    // what Commit replaces: path with symlinks resolved
	W      io.Writer // *os.File for a regular file (seekable), else a plain writer
	f      *os.File  // nil for stdout and sockets
	closer io.Closer // a socket's connection
	tmp    string    // "" when writing in place
	mode   os.FileMode
	done   bool
	// replaces is set when Commit would replace an existing file (-f).
	replaces bool
}

// liveTemps holds the temporary files not yet committed or removed, so
// that a second Ctrl-C, which exits at once, can still remove them.
var liveTemps sync.Map // name → struct{}

// removeTemps removes every temporary output file still open.
func removeTemps() {
	liveTemps.Range(func(k, _ any) bool {
		os.Remove(k.(string))
		return true
	})
}

// createOutput checks path against the conventions above and opens it for
// writing: "-" is stdout. inputs are the command's input paths ("-" and
// paths that do not exist are skipped).
func (e *env) createOutput(path string, inputs ...string) (*output, error) {
	if path == "-" {
		return &output{path: path, W: struct{ io.Writer }{e.stdout}}, nil
	}
	if path == "" {
		return nil, usagef("empty output file name")
	}
	if err := checkNotInput(path, inputs); err != nil {
		return nil, err
	}
	target := path
	mode := os.FileMode(0o644)
	replaces := false
	fi, err := os.Stat(path)
	switch {
	case err == nil && fi.IsDir():
		return nil, fmt.Errorf("output %s is a directory", path)
	case err == nil && fi.Mode()&os.ModeSocket != 0:
		c, err := net.Dial("unix", path)
		if err != nil {
			return nil, fmt.Errorf("cannot write to the socket %s: %w", path, unwrapNet(err))
		}
		return &output{path: path, target: path, W: c, closer: c}, nil
	case err == nil && !fi.Mode().IsRegular():
		// A FIFO or a device: write into it, never replace it.
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return nil, fmt.Errorf("cannot open output %s: %w", path, unwrapPath(err))
		}
		return &output{path: path, target: path, W: struct{ io.Writer }{f}, f: f}, nil
	case err == nil:
		if !e.force {
			return nil, fmt.Errorf("output %s exists: add -f to overwrite it", path)
		}
		mode, replaces = fi.Mode().Perm(), true
		if t, err := filepath.EvalSymlinks(path); err == nil {
			target = t // replace the file a link points to, not the link
		}
	case !errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("cannot write output %s: %w", path, unwrapPath(err))
	default:
		if dest, lerr := os.Readlink(path); lerr == nil {
			return nil, fmt.Errorf("output %s is a symbolic link to %s, which does not exist: refusing to write through it", path, dest)
		}
	}
	dir := filepath.Dir(target)
	e.removeStaleTemps(path, dir, filepath.Base(target))
	f, err := os.CreateTemp(dir, "."+filepath.Base(target)+".tmp*")
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("cannot create output %s: directory %s does not exist", path, dir)
		}
		return nil, fmt.Errorf("cannot create output %s: %w", path, unwrapPath(err))
	}
	lockTemp(f)
	liveTemps.Store(f.Name(), struct{}{})
	return &output{path: path, target: target, W: tempFile{f, path}, f: f, tmp: f.Name(), mode: mode, replaces: replaces}, nil
}

// staleAge is how old a temporary file must be to be taken for stale: a
// younger one may belong to a run that has created it but not yet locked it.
const staleAge = 10 * time.Second

// removeStaleTemps removes the temporary files of output base in dir that
// no live process holds: left by a run that was killed (SIGKILL) or
// crashed. Each one removed is named in a warning.
func (e *env) removeStaleTemps(path, dir, base string) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	prefix := "." + base + ".tmp"
	for _, ent := range ents {
		name, ok := strings.CutPrefix(ent.Name(), prefix)
		if !ok || name == "" || strings.Trim(name, "0123456789") != "" || !ent.Type().IsRegular() {
			continue // not a name os.CreateTemp gave us
		}
		p := filepath.Join(dir, ent.Name())
		fi, err := ent.Info()
		if err != nil || time.Since(fi.ModTime()) < staleAge || !unheld(p) {
			continue
		}
		if os.Remove(p) == nil {
			fmt.Fprintf(e.stderr, "%s: warning: removed %s, a temporary file left by a run that was killed\n", path, ent.Name())
		}
	}
}

// checkNotInput refuses an output that is one of the inputs.
func checkNotInput(path string, inputs []string) error {
	out, err := os.Stat(path)
	if err != nil {
		return nil // nothing there to lose
	}
	for _, in := range inputs {
		if in == "-" || in == "" {
			continue
		}
		if fi, err := os.Stat(in); err == nil && os.SameFile(fi, out) {
			if in == path {
				return fmt.Errorf("output %s is the input: refusing to overwrite it", path)
			}
			return fmt.Errorf("output %s is the same file as the input %s: refusing to overwrite it", path, in)
		}
	}
	return nil
}

// unwrapPath drops the *os.PathError layer, whose path may be a temporary
// file's name the user never chose.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// tempFile is a temporary output file seen under the output's name: the
// errors of writing it (a full disk) name the file the user asked for, not
// the hidden one. It stays seekable, for the WAV header.
type tempFile struct {
	f    *os.File
	name string
}

func (t tempFile) Write(p []byte) (int, error) {
	n, err := t.f.Write(p)
	return n, t.rename(err)
}

func (t tempFile) Seek(offset int64, whence int) (int64, error) {
	n, err := t.f.Seek(offset, whence)
	return n, t.rename(err)
}

func (t tempFile) rename(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("writing %s: %w", t.name, unwrapPath(err))
}

// unwrapNet drops the *net.OpError layer, which repeats the address.
func unwrapNet(err error) error {
	var oe *net.OpError
	if errors.As(err, &oe) {
		return unwrapPath(oe.Err)
	}
	return err
}

// Commit makes the output final: the temporary file is synced and renamed
// over the target.
func (o *output) Commit() error {
	if o.done {
		return nil
	}
	o.done = true
	if o.tmp == "" {
		switch {
		case o.f != nil:
			return o.f.Close()
		case o.closer != nil:
			return o.closer.Close()
		}
		return nil
	}
	defer liveTemps.Delete(o.tmp)
	err := o.f.Chmod(o.mode)
	if err == nil {
		err = o.f.Sync()
	}
	if cerr := o.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(o.tmp, o.target)
	}
	if err != nil {
		os.Remove(o.tmp)
		return fmt.Errorf("writing %s: %w", o.path, unwrapPath(err))
	}
	if d, err := os.Open(filepath.Dir(o.target)); err == nil { // make the rename durable; best effort
		d.Sync()
		d.Close()
	}
	return nil
}

// keepExisting ends an interrupted run whose output would replace an
// existing file: the partial result is thrown away and the file stays as
// it was. Commands that keep partial output call it instead of Commit when
// o.replaces.
func (o *output) keepExisting() error {
	o.Abort()
	return fmt.Errorf("%w: %s is left as it was (an interrupted run does not replace an existing file)",
		errInterrupted, outName(o.path))
}

// Abort removes the temporary file unless Commit ran; deferred by every
// command right after createOutput.
func (o *output) Abort() {
	if o.done {
		return
	}
	o.done = true
	if o.f != nil {
		o.f.Close()
	}
	if o.closer != nil {
		o.closer.Close()
	}
	if o.tmp != "" {
		os.Remove(o.tmp)
		liveTemps.Delete(o.tmp)
	}
}

// writeOutput creates path (see createOutput), calls write and commits.
func (e *env) writeOutput(path string, inputs []string, write func(io.Writer) error) error {
	o, err := e.createOutput(path, inputs...)
	if err != nil {
		return err
	}
	defer o.Abort()
	if err := write(o.W); err != nil {
		return err
	}
	return o.Commit()
}

// knownExts are the extensions whose content vqspeak knows.
var knownExts = map[string]string{
	".wav": "WAV", ".flac": "FLAC", ".vqs": ".vqs", ".vqcb": "codebook", ".vqem": "envelope model",
	".jsonl": "JSONL", ".csv": "CSV", ".json": "JSON",
}

// warnExt warns when path's extension names another format than the one
// written (what), e.g. a .vqs file written under a .wav name.
func (e *env) warnExt(path, what string, exts ...string) {
	if path == "-" {
		return
	}
	ext := strings.ToLower(filepath.Ext(path))
	name, known := knownExts[ext]
	if !known {
		return
	}
	for _, x := range exts {
		if ext == x {
			return
		}
	}
	fmt.Fprintf(e.stderr, "%s: warning: writing %s into a file named %s, which suggests %s\n", path, what, ext, name)
}
