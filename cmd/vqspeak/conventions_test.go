package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vqspeak/vqspeak/bench"
	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/codec/vqs"
	"github.com/vqspeak/vqspeak/internal/audiofile"
)

// The command-line conventions of issue 13, one table per convention:
// inputs are never overwritten, outputs are replaced only with -f and
// checked before the work, Ctrl-C stops every long command quickly with a
// valid partial output and exit 130, flags go anywhere, help and version
// behave as users of other tools expect, and nothing depends on the
// working directory.

// TestMain lets the signal tests run this test binary as vqspeak itself.
func TestMain(m *testing.M) {
	if os.Getenv("VQSPEAK_TEST_MAIN") == "1" {
		main()
	}
	code := m.Run()
	for _, f := range afterTests {
		f()
	}
	os.Exit(code)
}

// afterTests are run once all tests have (build-tagged files add to it).
var afterTests []func()

// fixtures are the files the convention tests read, in a fresh directory.
type fixtures struct {
	t                *testing.T
	dir              string
	wav, vqs, tok    string
	absAudio         string // the bundled clips
	longVQS, longWAV string // made by long()
	longOnce         sync.Once
	longErr          error
}

func newFixtures(t *testing.T) *fixtures {
	t.Helper()
	f := &fixtures{dir: t.TempDir(), t: t}
	f.absAudio, _ = filepath.Abs(audioDir)
	f.wav = writeFile(t, f.dir, "in.wav", mustRead(t, clip))
	f.vqs = filepath.Join(f.dir, "in.vqs")
	f.tok = filepath.Join(f.dir, "in.jsonl")
	for _, args := range [][]string{
		{"encode", f.wav, f.vqs},
		{"tokens", "-o", f.tok, f.vqs},
	} {
		if code, _, stderr := vqspeak(t, args...); code != exitOK {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
	}
	return f
}

// long makes a 30-minute .vqs (the clip's packets over and over) and a
// 3-minute WAV, for the interruption tests.
func (f *fixtures) long() (vqsPath, wavPath string) {
	t := f.t
	f.longOnce.Do(func() {
		h, packets, _, err := vqs.ReadAllPackets(bytes.NewReader(mustRead(t, f.vqs)))
		if err != nil {
			f.longErr = err
			return
		}
		var b bytes.Buffer
		fw, err := vqs.NewPacketWriter(&b, h)
		if err != nil {
			f.longErr = err
			return
		}
		for n := 0; n < 30*60*50; {
			for _, p := range packets {
				if err := fw.WritePacket(p); err != nil {
					f.longErr = err
					return
				}
				n++
			}
		}
		if f.longErr = fw.Close(); f.longErr != nil {
			return
		}
		f.longVQS = writeFile(t, f.dir, "long.vqs", b.Bytes())
		x := robustClip(t)
		var pcm []float32
		for len(pcm) < 3*60*codec.SampleRate {
			pcm = append(pcm, x...)
		}
		b.Reset()
		if f.longErr = audiofile.WriteWAV(&b, pcm, codec.SampleRate); f.longErr != nil {
			return
		}
		f.longWAV = writeFile(t, f.dir, "long.wav", b.Bytes())
	})
	if f.longErr != nil {
		t.Fatal(f.longErr)
	}
	return f.longVQS, f.longWAV
}

// TestSameFileRefused: no command that writes may overwrite one of its
// inputs, however the path is spelt (the same string, "./", a symbolic
// link, a hard link); the input stays intact and the exit status is 1.
func TestSameFileRefused(t *testing.T) {
	f := newFixtures(t)
	dir := f.dir
	if err := os.Symlink("in.wav", filepath.Join(dir, "link.wav")); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(f.vqs, filepath.Join(dir, "hard.vqs")); err != nil {
		t.Fatal(err)
	}
	dot := "./" + filepath.Base(f.wav)
	for _, tc := range []struct {
		name, input string
		args        []string
	}{
		{"encode same path", f.wav, []string{"encode", "-f", f.wav, f.wav}},
		{"encode ./ spelling", f.wav, []string{"encode", "-f", f.wav, dot}},
		{"encode through a symlink", f.wav, []string{"encode", "-f", f.wav, filepath.Join(dir, "link.wav")}},
		{"decode same path", f.vqs, []string{"decode", "-f", f.vqs, f.vqs}},
		{"decode to a hard link", f.vqs, []string{"decode", "-f", f.vqs, filepath.Join(dir, "hard.vqs")}},
		{"tokens", f.vqs, []string{"tokens", "-f", "-o", f.vqs, f.vqs}},
		{"untokens", f.tok, []string{"untokens", "-f", f.tok, f.tok}},
		{"train -o", f.wav, []string{"train", "-f", "-size", "128", "-o", f.wav, f.wav}},
		{"bench -json", f.wav, []string{"bench", "-f", "-peers=false", "-stages", "1", "-json", f.wav, dir}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := mustRead(t, tc.input)
			cmd := exec.Command(os.Args[0], tc.args...)
			cmd.Dir = dir // for the "./" spelling
			cmd.Env = append(os.Environ(), "VQSPEAK_TEST_MAIN=1")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != exitFailure {
				t.Fatalf("exit %v, want 1; stderr:\n%s", err, stderr.String())
			}
			if !strings.Contains(stderr.String(), "refusing to overwrite it") {
				t.Errorf("stderr does not say why:\n%s", stderr.String())
			}
			if after := mustRead(t, tc.input); !bytes.Equal(after, before) {
				t.Errorf("the input %s changed", tc.input)
			}
			if extra := leftovers(t, dir, map[string]bool{"in.wav": true, "in.vqs": true, "in.jsonl": true,
				"link.wav": true, "hard.vqs": true}); len(extra) > 0 {
				t.Errorf("left behind: %v", extra)
			}
		})
	}
}

// TestOverwriteNeedsForce: every command that writes refuses an existing
// output without -f (keeping it), and replaces it with -f.
func TestOverwriteNeedsForce(t *testing.T) {
	f := newFixtures(t)
	old := []byte("precious")
	out := filepath.Join(f.dir, "existing")
	for _, tc := range []struct {
		name string
		args []string // OUT stands for the output
	}{
		{"encode", []string{"encode", f.wav, "OUT"}},
		{"decode", []string{"decode", f.vqs, "OUT"}},
		{"tokens", []string{"tokens", "-o", "OUT", f.vqs}},
		{"untokens", []string{"untokens", f.tok, "OUT"}},
		{"train", []string{"train", "-size", "128", "-stages", "1", "-iter", "2", "-o", "OUT", f.absAudio}},
		{"bench -json", []string{"bench", "-peers=false", "-quality=false", "-stages", "1", "-json", "OUT", f.wav}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := os.WriteFile(out, old, 0o600); err != nil {
				t.Fatal(err)
			}
			args := slicesReplace(tc.args, "OUT", out)
			code, _, stderr := vqspeak(t, args...)
			if code != exitFailure || !strings.Contains(stderr, "output "+out+" exists: add -f to overwrite it") {
				t.Fatalf("without -f: exit %d: %s", code, stderr)
			}
			if b := mustRead(t, out); !bytes.Equal(b, old) {
				t.Fatalf("without -f the output changed")
			}
			code, _, stderr = vqspeak(t, append([]string{args[0], "-f"}, args[1:]...)...)
			if code != exitOK {
				t.Fatalf("with -f: exit %d: %s", code, stderr)
			}
			fi, err := os.Stat(out)
			if err != nil || bytes.Equal(mustRead(t, out), old) {
				t.Fatalf("with -f the output was not replaced")
			}
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("replaced output has mode %v, want the old file's 0600", fi.Mode().Perm())
			}
		})
	}
}

// bench -plot writes its PNGs under the same rule: an existing plot is
// replaced only with -f.
func TestBenchPlotNeedsForce(t *testing.T) {
	f := newFixtures(t)
	dir := filepath.Join(f.dir, "plots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	old := []byte("precious")
	png := filepath.Join(dir, bench.TimingPlot)
	if err := os.WriteFile(png, old, 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"bench", "-peers=false", "-quality=false", "-stages", "1", "-plot", dir, f.wav}
	code, _, stderr := vqspeak(t, args...)
	if code != exitFailure || !strings.Contains(stderr, "output "+png+" exists: add -f to overwrite it") {
		t.Fatalf("without -f: exit %d: %s", code, stderr)
	}
	if !bytes.Equal(mustRead(t, png), old) {
		t.Fatalf("without -f the plot changed")
	}
	if code, _, stderr = vqspeak(t, append([]string{"bench", "-f"}, args[1:]...)...); code != exitOK {
		t.Fatalf("with -f: exit %d: %s", code, stderr)
	}
	if bytes.Equal(mustRead(t, png), old) {
		t.Fatalf("with -f the plot was not replaced")
	}
}

func slicesReplace(s []string, old, new string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = v
		if v == old {
			out[i] = new
		}
	}
	return out
}

// TestDevicesAndFIFOs: /dev/null and a named pipe are written in place,
// without -f, and never replaced by a regular file.
func TestDevicesAndFIFOs(t *testing.T) {
	f := newFixtures(t)
	if code, _, stderr := vqspeak(t, "decode", f.vqs, os.DevNull); code != exitOK {
		t.Fatalf("decode to %s: exit %d: %s", os.DevNull, code, stderr)
	}
	if fi, err := os.Stat(os.DevNull); err != nil || fi.Mode()&os.ModeDevice == 0 {
		t.Fatalf("%s is no longer a device: %v %v", os.DevNull, fi.Mode(), err)
	}
	fifo := filepath.Join(f.dir, "pipe.wav")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	got := make(chan []byte)
	go func() {
		r, err := os.Open(fifo)
		if err != nil {
			got <- nil
			return
		}
		b, _ := io.ReadAll(r)
		r.Close()
		got <- b
	}()
	if code, _, stderr := vqspeak(t, "decode", f.vqs, fifo); code != exitOK {
		t.Fatalf("decode to a FIFO: exit %d: %s", code, stderr)
	}
	b := <-got
	if x := decodeWAV(t, b); len(x) < codec.SampleRate {
		t.Errorf("the FIFO carried %d samples", len(x))
	}
	if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the FIFO was replaced: %v %v", fi.Mode(), err)
	}
}

// TestSymlinksAndSockets: a symbolic link is followed, as cp does: one to
// /proc/self/fd/1 or /dev/stdout writes into stdout; one to a regular file
// replaces that file with -f and stays a link; one to nothing is refused
// and kept. A Unix socket is connected to and written into.
func TestSymlinksAndSockets(t *testing.T) {
	f := newFixtures(t)
	dir := f.dir
	sub := func(args ...string) (int, []byte, string) {
		cmd := exec.Command(os.Args[0], args...)
		cmd.Env = append(os.Environ(), "VQSPEAK_TEST_MAIN=1")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode(), stdout.Bytes(), stderr.String()
		} else if err != nil {
			t.Fatal(err)
		}
		return 0, stdout.Bytes(), stderr.String()
	}
	fd1 := filepath.Join(dir, "fd1.wav")
	if err := os.Symlink("/proc/self/fd/1", fd1); err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{fd1, "/dev/stdout"} {
		code, stdout, stderr := sub("decode", f.vqs, out)
		if code != exitOK {
			t.Fatalf("decode to %s: exit %d: %s", out, code, stderr)
		}
		if x := decodeWAV(t, stdout); len(x) < codec.SampleRate {
			t.Errorf("decode to %s: stdout carried %d samples", out, len(x))
		}
	}
	if fi, err := os.Lstat(fd1); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link to /proc/self/fd/1 was replaced: %v %v", fi.Mode(), err)
	}

	target, link := filepath.Join(dir, "target.wav"), filepath.Join(dir, "link-out.wav")
	writeFile(t, dir, "target.wav", []byte("old"))
	if err := os.Symlink("target.wav", link); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := vqspeak(t, "decode", "-f", f.vqs, link); code != exitOK {
		t.Fatalf("decode -f through a link: exit %d: %s", code, stderr)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v %v", fi.Mode(), err)
	}
	decodeWAV(t, mustRead(t, target))

	dangling := filepath.Join(dir, "dangling.wav")
	if err := os.Symlink("nowhere/x.wav", dangling); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := vqspeak(t, "decode", f.vqs, dangling)
	if code != exitFailure || !strings.Contains(stderr, "output "+dangling+" is a symbolic link to nowhere/x.wav, which does not exist: refusing to write through it") {
		t.Errorf("decode to a dangling link: exit %d: %s", code, stderr)
	}
	if fi, err := os.Lstat(dangling); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the dangling link was replaced: %v %v", fi.Mode(), err)
	}

	sock := filepath.Join(t.TempDir(), "s.wav") // short: socket paths are limited to 108 bytes
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Skip("no Unix sockets here:", err)
	}
	defer ln.Close()
	got := make(chan []byte, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- nil
			return
		}
		b, _ := io.ReadAll(c)
		c.Close()
		got <- b
	}()
	if code, _, stderr := vqspeak(t, "decode", f.vqs, sock); code != exitOK {
		t.Fatalf("decode to a socket: exit %d: %s", code, stderr)
	}
	if x := decodeWAV(t, <-got); len(x) < codec.SampleRate {
		t.Errorf("the socket carried %d samples", len(x))
	}
	if fi, err := os.Lstat(sock); err != nil || fi.Mode()&os.ModeSocket == 0 {
		t.Errorf("the socket was replaced: %v %v", fi.Mode(), err)
	}
}

// TestOutputCheckedFirst: an output that cannot be created fails before
// the work, with a message that names the user's path and no temporary
// file; a contradicting extension is warned about.
func TestOutputCheckedFirst(t *testing.T) {
	f := newFixtures(t)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"train into a missing directory", []string{"train", "-o", filepath.Join(f.dir, "nodir", "x.vqcb"), f.absAudio},
			"cannot create output " + filepath.Join(f.dir, "nodir", "x.vqcb") + ": directory " + filepath.Join(f.dir, "nodir") + " does not exist"},
		{"bench -json under /proc", []string{"bench", "-json", "/proc/nope/x.json", f.absAudio}, "cannot create output /proc/nope/x.json"},
		{"encode into a missing directory", []string{"encode", f.wav, filepath.Join(f.dir, "nodir", "x.vqs")}, "does not exist"},
		{"tokens into a directory", []string{"tokens", "-o", f.dir, f.vqs}, "output " + f.dir + " is a directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			code, _, stderr := vqspeak(t, tc.args...)
			el := time.Since(start)
			if code != exitFailure || !strings.Contains(stderr, tc.want) {
				t.Fatalf("exit %d, stderr %q, want %q", code, stderr, tc.want)
			}
			if strings.Contains(stderr, ".tmp") || strings.Contains(stderr, "analysing") {
				t.Errorf("stderr names a temporary file or shows work done first:\n%s", stderr)
			}
			if el > time.Second {
				t.Errorf("took %v: the output was checked after the work", el)
			}
		})
	}
	code, _, stderr := vqspeak(t, "encode", f.wav, filepath.Join(f.dir, "out.wav"))
	if code != exitOK || !strings.Contains(stderr, "warning: writing a .vqs file into a file named .wav, which suggests WAV") {
		t.Errorf("encode to .wav: exit %d, no warning about the extension:\n%s", code, stderr)
	}
}

// signalled runs this test binary as vqspeak in dir, sends it sig when
// trigger says so (it sees stderr so far) and returns the exit status,
// stderr and how long the process took to exit after the signal.
func signalled(t *testing.T, dir string, sig os.Signal, trigger func(stderr string, running time.Duration) bool, args ...string) (int, string, time.Duration) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "VQSPEAK_TEST_MAIN=1")
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var (
		mu  sync.Mutex
		buf strings.Builder
	)
	read := make(chan struct{})
	go func() {
		defer close(read)
		r := bufio.NewReader(pipe)
		for {
			line, err := r.ReadString('\n')
			mu.Lock()
			buf.WriteString(line)
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	start := time.Now()
	var sent time.Time
	for sent.IsZero() {
		mu.Lock()
		s := buf.String()
		mu.Unlock()
		if trigger(s, time.Since(start)) {
			cmd.Process.Signal(sig)
			sent = time.Now()
			break
		}
		if time.Since(start) > time.Minute {
			cmd.Process.Kill()
			t.Fatalf("never triggered; stderr:\n%s", s)
		}
		time.Sleep(2 * time.Millisecond)
	}
	<-read
	err = cmd.Wait()
	stop := time.Since(sent)
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, buf.String(), stop
}

// maxStop is what the interruption tests accept as the time from SIGINT to
// exit. The target is 100 ms (an idle machine measures 9–24 ms, logged by
// the tests); the bound catches a command that ignores the signal and runs
// on, not a slow scheduler: on a 2-core machine running other test
// binaries at once, 341 ms was seen.
const maxStop = time.Second

func after(d time.Duration) func(string, time.Duration) bool {
	return func(_ string, running time.Duration) bool { return running >= d }
}

// TestInterrupt sends SIGINT to decode, eval, tokens, untokens and train in
// the middle of their work: each must exit 130 within maxStop, say what it
// left, leave a valid partial output (eval: none) and no temporary file.
func TestInterrupt(t *testing.T) {
	if testing.Short() {
		t.Skip("runs long commands")
	}
	f := newFixtures(t)
	longVQS, longWAV := f.long()
	dec := filepath.Join(f.dir, "dec.wav")
	if code, _, stderr := vqspeak(t, "decode", f.vqs, dec); code != exitOK {
		t.Fatal(stderr)
	}
	longTok := filepath.Join(f.dir, "long.jsonl")
	if code, _, stderr := vqspeak(t, "tokens", "-o", longTok, longVQS); code != exitOK {
		t.Fatal(stderr)
	}
	keep := map[string]bool{}
	for _, e := range mustReadDir(t, f.dir) {
		keep[e] = true
	}
	for _, tc := range []struct {
		name    string
		args    []string
		trigger func(string, time.Duration) bool
		out     string // the partial output, "" for none
		want    string // in stderr
		check   func(t *testing.T, out string)
	}{
		{"decode", []string{"decode", longVQS, "part.wav"}, after(300 * time.Millisecond), "part.wav",
			"interrupted: part.wav is a valid WAV file holding the first", func(t *testing.T, out string) {
				x := decodeWAV(t, mustRead(t, out))
				if len(x) == 0 || len(x) >= 30*60*codec.SampleRate {
					t.Errorf("partial WAV holds %d samples", len(x))
				}
			}},
		{"eval", []string{"eval", longWAV, longWAV}, after(300 * time.Millisecond), "", "interrupted after", nil},
		{"tokens", []string{"tokens", "-o", "part.jsonl", longWAV}, after(300 * time.Millisecond), "part.jsonl",
			"interrupted: part.jsonl holds the tokens of the first", func(t *testing.T, out string) {
				code, _, stderr := vqspeak(t, "untokens", out, filepath.Join(filepath.Dir(out), "back.wav"))
				os.Remove(filepath.Join(filepath.Dir(out), "back.wav"))
				if code != exitOK {
					t.Errorf("the partial tokens do not decode: %s", stderr)
				}
			}},
		{"untokens", []string{"untokens", longTok, "part.wav"}, after(300 * time.Millisecond), "part.wav",
			"interrupted: part.wav is a valid WAV file holding the first", func(t *testing.T, out string) {
				decodeWAV(t, mustRead(t, out))
			}},
		{"train", []string{"train", "-o", "part.vqcb", "-size", "1024", "-stages", "3", "-tol", "0", f.absAudio},
			func(s string, _ time.Duration) bool { return strings.Contains(s, "stage 1 done") }, "part.vqcb",
			"interrupted: part.vqcb holds a valid codebook of the 1 stage finished before it (of 3", func(t *testing.T, out string) {
				cb, _ := readCodebookFile(t, out)
				if cb.NumStages() != 1 || cb.Size != 1024 {
					t.Errorf("partial codebook: %d stages × %d", cb.NumStages(), cb.Size)
				}
			}},
		// the 3-minute input: the bundled clips' analysis, now a few hundred
		// ms, could end before the signal under a light load
		{"train while analysing", []string{"train", "-o", "part.vqcb", longWAV}, after(250 * time.Millisecond), "", // after the signal handler is installed, before the ~2 s of analysis end
			"interrupted", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stderr, stop := signalled(t, f.dir, os.Interrupt, tc.trigger, tc.args...)
			t.Logf("stopped %v after SIGINT", stop.Round(time.Millisecond))
			if code != exitInterrupted {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, exitInterrupted, stderr)
			}
			if stop > maxStop {
				t.Errorf("took %v to stop after SIGINT (want about 100 ms)", stop)
			}
			if !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr lacks %q:\n%s", tc.want, stderr)
			}
			if tc.out != "" {
				out := filepath.Join(f.dir, tc.out)
				if _, err := os.Stat(out); err != nil {
					t.Fatalf("no partial output: %v", err)
				}
				tc.check(t, out)
				os.Remove(out)
			}
			if extra := leftovers(t, f.dir, keep); len(extra) > 0 {
				t.Errorf("left behind: %v", extra)
			}
		})
	}
}

func mustReadDir(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// TestTermAndHangup: SIGTERM and SIGHUP (a closed terminal) stop a run as
// Ctrl-C does: exit 130, a valid partial output, no temporary file.
func TestTermAndHangup(t *testing.T) {
	if testing.Short() {
		t.Skip("runs long commands")
	}
	f := newFixtures(t)
	longVQS, _ := f.long()
	keep := map[string]bool{}
	for _, e := range mustReadDir(t, f.dir) {
		keep[e] = true
	}
	for _, sig := range []os.Signal{syscall.SIGTERM, syscall.SIGHUP} {
		// Signalled once some audio is written: a loaded machine may take
		// longer than any fixed delay to start decoding.
		written := func(string, time.Duration) bool {
			tmps, _ := filepath.Glob(filepath.Join(f.dir, ".part.wav.tmp*"))
			for _, p := range tmps {
				if fi, err := os.Stat(p); err == nil && fi.Size() > 64<<10 {
					return true
				}
			}
			return false
		}
		code, stderr, stop := signalled(t, f.dir, sig, written, "decode", longVQS, "part.wav")
		t.Logf("%v: stopped %v after the signal", sig, stop.Round(time.Millisecond))
		if code != exitInterrupted || !strings.Contains(stderr, "interrupted: part.wav is a valid WAV file") {
			t.Errorf("%v: exit %d: %s", sig, code, stderr)
		}
		decodeWAV(t, mustRead(t, filepath.Join(f.dir, "part.wav")))
		os.Remove(filepath.Join(f.dir, "part.wav"))
		if extra := leftovers(t, f.dir, keep); len(extra) > 0 {
			t.Errorf("%v: left behind: %v", sig, extra)
		}
	}
}

// TestStaleTemporaries: a temporary file that a killed run left (no live
// process holds its lock) is removed, with a warning, by the next run that
// writes the same output; one a live run holds, or one just created, is not.
func TestStaleTemporaries(t *testing.T) {
	f := newFixtures(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "k.vqs")
	old := time.Now().Add(-time.Hour)
	// A live run: this process holds the temporary file it created.
	e := &env{ctx: context.Background(), stdout: io.Discard, stderr: io.Discard}
	live, err := e.createOutput(out)
	if err != nil {
		t.Fatal(err)
	}
	defer live.Abort()
	stale := writeFile(t, dir, ".k.vqs.tmp1234", []byte("left by a killed run"))
	young := writeFile(t, dir, ".k.vqs.tmp5678", []byte("just created"))
	other := writeFile(t, dir, ".other.vqs.tmp1234", []byte("another output's"))
	for _, p := range []string{stale, other, live.tmp} {
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	code, _, stderr := vqspeak(t, "encode", "-f", f.wav, out)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the stale temporary file is still there")
	}
	for _, p := range []string{young, other, live.tmp} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s was removed: %v", filepath.Base(p), err)
		}
	}
	// From a fresh start, the warning names what went.
	writeFile(t, dir, ".k.vqs.tmp42", nil)
	os.Chtimes(filepath.Join(dir, ".k.vqs.tmp42"), old, old)
	code, _, stderr = vqspeak(t, "encode", "-f", f.wav, out)
	if code != exitOK || !strings.Contains(stderr, out+": warning: removed .k.vqs.tmp42, a temporary file left by a run that was killed") {
		t.Errorf("exit %d, no warning: %s", code, stderr)
	}
}

// TestSecondSignal: a second Ctrl-C exits at once and still removes the
// temporary output.
func TestSecondSignal(t *testing.T) {
	removeTemps() // nothing registered: a no-op
	dir := t.TempDir()
	e := &env{ctx: context.Background(), stdout: io.Discard, stderr: io.Discard}
	o, err := e.createOutput(filepath.Join(dir, "x.wav"))
	if err != nil {
		t.Fatal(err)
	}
	if len(mustReadDir(t, dir)) != 1 {
		t.Fatal("no temporary file was created")
	}
	removeTemps()
	if names := mustReadDir(t, dir); len(names) != 0 {
		t.Errorf("left behind: %v", names)
	}
	o.Abort()
}

// TestFlagsAnywhere: flags after the file names work as before them; "--"
// ends the flags; a bool flag given a separate value says how to write it.
func TestFlagsAnywhere(t *testing.T) {
	f := newFixtures(t)
	out := filepath.Join(f.dir, "x.vqs")
	code, _, stderr := vqspeak(t, "encode", f.wav, out, "-stages", "2")
	if code != exitOK || !strings.Contains(stderr, "2 stages, 2400 b/s") {
		t.Fatalf("flags after the files: exit %d: %s", code, stderr)
	}
	// After "--" a flag is an argument: three arguments here.
	code, _, stderr = vqspeak(t, "decode", "--", f.vqs, filepath.Join(f.dir, "y.wav"), "-f")
	if code != exitUsage || !strings.Contains(stderr, "want an input and an output file, got 3 arguments") {
		t.Errorf("decode -- IN OUT -f: exit %d: %s", code, stderr)
	}
	code, _, stderr = vqspeak(t, "bench", "-peers", "false", f.wav)
	if code != exitUsage || !strings.Contains(stderr, "-peers takes no separate value: write -peers=false") {
		t.Errorf("bench -peers false: exit %d: %s", code, stderr)
	}
	code, _, stderr = vqspeak(t, "codebook", "stats", "default", f.wav, "-beam", "2", "-stages", "1")
	if code != exitOK {
		t.Errorf("codebook stats with flags last: exit %d: %s", code, stderr)
	}
}

// TestHelpAndVersion: asked-for help goes to stdout with exit 0, a usage
// mistake to stderr with exit 2; the command list is whole and ordered;
// counts agree with their nouns; version reports the build.
func TestHelpAndVersion(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"help"}, {"--help"}, {"encode", "-h"}, {"help", "encode"}, {"codebook", "-h"}, {"bench", "--help"}} {
		code, stdout, stderr := vqspeak(t, args...)
		if code != exitOK || stdout == "" || stderr != "" {
			t.Errorf("%v: exit %d, %d bytes on stdout, stderr %q", args, code, len(stdout), stderr)
		}
	}
	_, help, _ := vqspeak(t, "help")
	var order []string
	for _, line := range strings.Split(help, "\n") {
		if strings.HasPrefix(line, "  ") {
			name := strings.Fields(line)[0]
			order = append(order, name)
			if strings.HasSuffix(line, " of") || strings.HasSuffix(line, ",") {
				t.Errorf("truncated description: %q", line)
			}
		}
	}
	if len(order) != len(commands) || order[0] != "encode" || order[1] != "decode" {
		t.Errorf("command list %v: want all %d commands, encode and decode first", order, len(commands))
	}
	code, _, stderr := vqspeak(t, "encode", clip)
	if code != exitUsage || !strings.Contains(stderr, "got 1 argument\n") {
		t.Errorf("one argument: exit %d: %q", code, stderr)
	}
	for _, args := range [][]string{{"version"}, {"-version"}, {"--version"}} {
		code, stdout, _ := vqspeak(t, args...)
		fp := hexFingerprint(codec.DefaultCodebook())
		if code != exitOK || !strings.Contains(stdout, runtime.Version()) || !strings.Contains(stdout, fp) || !strings.HasPrefix(stdout, "vqspeak ") {
			t.Errorf("%v: exit %d:\n%s", args, code, stdout)
		}
	}
}

// TestQuietAndProgress: -q leaves stderr empty on success; progress off a
// terminal is a line every progressEvery.
func TestQuietAndProgress(t *testing.T) {
	f := newFixtures(t)
	for _, args := range [][]string{
		{"encode", "-q", f.wav, filepath.Join(f.dir, "q.vqs")},
		{"decode", f.vqs, filepath.Join(f.dir, "q.wav"), "-q"},
		{"codebook", "stats", "-q", "default", f.wav},
		{"train", "-q", "-size", "128", "-stages", "1", "-iter", "2", "-o", filepath.Join(f.dir, "q.vqcb"), f.absAudio},
	} {
		code, _, stderr := vqspeak(t, args...)
		if code != exitOK || stderr != "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr)
		}
	}
	var b bytes.Buffer
	e := &env{stderr: &b}
	p := e.newProgress("analysing")
	p.update(1, 10)
	if b.Len() != 0 {
		t.Errorf("a line before %v: %q", progressEvery, b.String())
	}
	p.last = p.last.Add(-progressEvery)
	p.update(2, 10)
	if !strings.HasPrefix(b.String(), "analysing: 2/10 (20%)") {
		t.Errorf("after %v: %q", progressEvery, b.String())
	}
}

// TestOutsideRepository runs the commands in an empty directory, as an
// installed binary would be: nothing may depend on the working directory.
func TestOutsideRepository(t *testing.T) {
	f := newFixtures(t)
	empty := t.TempDir()
	wd, _ := os.Getwd()
	if err := os.Chdir(empty); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"encode", "-codebook", "default", f.wav, "a.vqs"}, exitOK, ""},
		{[]string{"decode", "a.vqs", "a.wav"}, exitOK, ""},
		{[]string{"info", "-json", "a.vqs"}, exitOK, ""},
		{[]string{"eval", f.wav, "a.wav"}, exitOK, ""},
		{[]string{"tokens", "-o", "a.csv", "-format", "csv", "a.vqs"}, exitOK, ""},
		{[]string{"untokens", "a.csv", "b.wav"}, exitOK, ""},
		{[]string{"codebook", "info", "default"}, exitOK, ""},
		{[]string{"codebook", "stats", "default"}, exitUsage, "and the speech to measure it on"},
		{[]string{"bench", "-peers=false"}, exitUsage, "name the speech to measure"},
		{[]string{"version"}, exitOK, ""},
	} {
		code, _, stderr := vqspeak(t, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) || strings.Contains(stderr, "testdata") && tc.code != exitUsage {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", tc.args, code, stderr, tc.code, tc.want)
		}
	}
}

// TestJSONKeys: every -json output uses snake_case keys.
func TestJSONKeys(t *testing.T) {
	f := newFixtures(t)
	dec := filepath.Join(f.dir, "d.wav")
	if code, _, stderr := vqspeak(t, "decode", f.vqs, dec); code != exitOK {
		t.Fatal(stderr)
	}
	for _, args := range [][]string{{"eval", "-json", f.wav, dec}, {"info", "-json", f.vqs}} {
		code, stdout, stderr := vqspeak(t, args...)
		if code != exitOK {
			t.Fatalf("%v: %s", args, stderr)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(stdout), &m); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		for k := range m {
			if strings.ToLower(k) != k || strings.ContainsAny(k, " -") {
				t.Errorf("%v: key %q is not snake_case", args, k)
			}
		}
		if args[0] == "eval" && (m["stoi"] == nil || m["mcd_db"] == nil) {
			t.Errorf("eval -json: %s", stdout)
		}
	}
}

// TestTokensHeader: token files start with the codebook's fingerprint and
// stage count, and untokens refuses another codebook as decode does.
func TestTokensHeader(t *testing.T) {
	f := newFixtures(t)
	first, _, _ := strings.Cut(string(mustRead(t, f.tok)), "\n")
	fp := hexFingerprint(codec.DefaultCodebook())
	if first != `{"codebook":"`+fp+`","stages":4}` {
		t.Errorf("first line %q", first)
	}
	other := codec.DefaultCodebook()
	other.Stages[0][0] += 0.5
	var b bytes.Buffer
	if _, err := other.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	cb := writeFile(t, f.dir, "other.vqcb", b.Bytes())
	_, decErr, _ := strings.Cut(runErr(t, "decode", "-codebook", cb, f.vqs, filepath.Join(f.dir, "x.wav")), ": ")
	_, untokErr, _ := strings.Cut(runErr(t, "untokens", "-codebook", cb, f.tok, filepath.Join(f.dir, "x.wav")), ": ")
	if decErr == "" || decErr != strings.Replace(untokErr, f.tok, f.vqs, 1) {
		t.Errorf("messages differ:\ndecode:   %s\nuntokens: %s", decErr, untokErr)
	}
}

// runErr runs a command that must fail with exit 1 and returns stderr.
func runErr(t *testing.T, args ...string) string {
	t.Helper()
	code, _, stderr := vqspeak(t, args...)
	if code != exitFailure {
		t.Fatalf("%v: exit %d: %s", args, code, stderr)
	}
	return strings.TrimSpace(stderr)
}

// TestSpillHonoursTMPDIR: train -minibatch keeps its vectors in $TMPDIR
// unless -spill says otherwise, and removes them.
func TestSpillHonoursTMPDIR(t *testing.T) {
	f := newFixtures(t)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	code, _, stderr := vqspeak(t, "train", "-minibatch", "512", "-epochs", "1", "-size", "128", "-stages", "1", "-refine", "0",
		"-o", filepath.Join(f.dir, "mb.vqcb"), f.absAudio)
	if code != exitOK || !strings.Contains(stderr, "vectors in "+tmp+",") {
		t.Fatalf("exit %d, the spill file is not in $TMPDIR (%s):\n%s", code, tmp, stderr)
	}
	if names := mustReadDir(t, tmp); len(names) != 0 {
		t.Errorf("left in $TMPDIR: %v", names)
	}
}

// TestEvalSegments: eval measures long files in segments of evalSegment
// (bounded memory, issue 13 item 5) and gets what the short file gets.
func TestEvalSegments(t *testing.T) {
	if testing.Short() {
		t.Skip("measures a minute of audio")
	}
	f := newFixtures(t)
	x := robustClip(t)
	var long []float32
	for len(long) < 2*evalSegment+codec.SampleRate {
		long = append(long, x...)
	}
	var b bytes.Buffer
	if err := audiofile.WriteWAV(&b, long, codec.SampleRate); err != nil {
		t.Fatal(err)
	}
	ref := writeFile(t, f.dir, "long.wav", b.Bytes())
	vqs, dec := filepath.Join(f.dir, "long.vqs"), filepath.Join(f.dir, "long-dec.wav")
	for _, args := range [][]string{{"encode", ref, vqs}, {"decode", vqs, dec}} {
		if code, _, stderr := vqspeak(t, args...); code != exitOK {
			t.Fatalf("%v: %s", args, stderr)
		}
	}
	eval := func(a, b string) evalResult {
		code, stdout, stderr := vqspeak(t, "eval", "-json", a, b)
		if code != exitOK {
			t.Fatalf("eval: exit %d: %s", code, stderr)
		}
		var r evalResult
		if err := json.Unmarshal([]byte(stdout), &r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	shortDec := filepath.Join(f.dir, "short-dec.wav")
	if code, _, stderr := vqspeak(t, "decode", f.vqs, shortDec); code != exitOK {
		t.Fatal(stderr)
	}
	short, whole := eval(f.wav, shortDec), eval(ref, dec)
	t.Logf("short: STOI %.3f MCD %.2f; %.0f s in %d segments: STOI %.3f MCD %.2f",
		*short.STOI, short.MCD, whole.Seconds, whole.Segments, *whole.STOI, whole.MCD)
	if whole.Segments != 3 || short.Segments != 1 {
		t.Errorf("segments: %d for %.0f s, %d for the clip", whole.Segments, whole.Seconds, short.Segments)
	}
	if d := *whole.STOI - *short.STOI; d < -0.02 || d > 0.02 {
		t.Errorf("STOI %.3f in segments, %.3f for the clip", *whole.STOI, *short.STOI)
	}
	if d := whole.MCD - short.MCD; d < -0.2 || d > 0.2 {
		t.Errorf("MCD %.2f dB in segments, %.2f dB for the clip", whole.MCD, short.MCD)
	}
}
