// Package alsatest points ALSA at its file plugin so that tests of the
// PortAudio path run without a sound card (CI): the default capture device
// reads a raw file and the default playback device writes one.
package alsatest

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// Config is an ALSA configuration under which the default device
// captures from the raw file in (16-bit little-endian mono at the device's
// default rate) and plays into the raw file out, through ALSA's file plugin
// over its null device: tests of the live path need no sound card. The null
// device runs as fast as it is driven, which the backend's back-pressure
// turns into lossless capture and playback.
func Config(in, out string) string {
	return fmt.Sprintf(`pcm.!default {
  type asym
  playback.pcm "fileout"
  capture.pcm "filein"
}
pcm.fileout {
  type file
  slave.pcm "null"
  file %q
  format "raw"
}
pcm.filein {
  type file
  slave.pcm "null"
  file "/dev/null"
  infile %q
  format "raw"
}
`, out, in)
}

var (
	fileOnce        sync.Once
	fileIn, fileOut string
	fileErr         error
)

// Setup points ALSA at Config for the rest of the test
// process (HOME is set to a directory holding .asoundrc; ALSA reads it when
// PortAudio starts) and returns the capture and playback file paths. It must
// run before the first Open of the process. The files are shared: write the
// capture file before opening a source; the playback file is rewritten by
// each sink.
func Setup(tb testing.TB) (in, out string) {
	tb.Helper()
	fileOnce.Do(func() {
		dir, err := os.MkdirTemp("", "vqspeak-alsa-")
		if err != nil {
			fileErr = err
			return
		}
		fileIn, fileOut = filepath.Join(dir, "capture.raw"), filepath.Join(dir, "playback.raw")
		if err := os.WriteFile(fileIn, nil, 0o644); err != nil {
			fileErr = err
			return
		}
		fileErr = os.WriteFile(filepath.Join(dir, ".asoundrc"), []byte(Config(fileIn, fileOut)), 0o644)
		os.Setenv("HOME", dir)
		os.Setenv("JACK_NO_START_SERVER", "1")
	})
	if fileErr != nil {
		tb.Fatal(fileErr)
	}
	return fileIn, fileOut
}

// Cleanup removes the directory Setup made. Call it from TestMain after
// m.Run: the directory is shared by every test of the process, so no
// single test can remove it.
func Cleanup() {
	if fileIn != "" {
		os.RemoveAll(filepath.Dir(fileIn))
	}
}
