package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/internal/audiofile"
)

// KeptPath is where Config.Keep saves row's decoding of the input file
// name: one subdirectory per row, the input's last two path elements joined
// by "_" with a .wav extension (so equal names in different directories do
// not collide).
func KeptPath(dir string, row Row, name string) string {
	base := strings.ReplaceAll(BaseName(name), "/", "_")
	base = strings.TrimSuffix(base, filepath.Ext(base)) + ".wav"
	return filepath.Join(dir, slug(row.Codec+" "+row.Setting), base)
}

// slug turns a row label into a directory name: lower-case letters and
// digits, runs of anything else as one "-".
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) && r < unicode.MaxASCII || unicode.IsDigit(r) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = true
		}
	}
	return b.String()
}

// keep saves y (16 kHz) at KeptPath through a temporary file renamed into
// place. It refuses to replace the input itself or anything that is not a
// regular file (a FIFO, a device, a directory).
func keep(dir string, row Row, input string, y []float32) error {
	path := KeptPath(dir, row, input)
	if fi, err := os.Lstat(path); err == nil {
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("-keep: %s exists and is not a regular file: not replacing it", path)
		}
		if in, err := os.Stat(input); err == nil && os.SameFile(fi, in) {
			return fmt.Errorf("-keep: %s is the input file itself: not overwriting it", path)
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".vqspeak-keep-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	err = audiofile.WriteWAV(f, y, codec.SampleRate)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("-keep: %w", err)
	}
	return nil
}
