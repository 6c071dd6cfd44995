package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/vqspeak/vqspeak/bench/metrics"
	"github.com/vqspeak/vqspeak/codec"
)

// PESQCommand is the name FindPESQ looks for in PATH.
const PESQCommand = "pesq"

// ErrNoPESQ means no PESQ scorer was given or found in PATH.
var ErrNoPESQ = errors.New("bench: no pesq command")

// FindPESQ resolves the PESQ scorer: path when given (it must run), else
// PESQCommand in PATH. The scorer is an external program (ITU-T P.862 /
// P.862.2, e.g. the one ../tools/pesq builds) called as `pesq -wb|-nb REF
// DEG` that prints "mos_lqo=<score>"; vqspeak never links or ships it.
func FindPESQ(path string) (string, error) {
	if path == "" {
		p, err := exec.LookPath(PESQCommand)
		if err != nil {
			return "", fmt.Errorf("%w in PATH", ErrNoPESQ)
		}
		return p, nil
	}
	p, err := exec.LookPath(path)
	if err != nil {
		return "", fmt.Errorf("pesq %s: %w", path, err)
	}
	return p, nil
}

// pesqScores runs the scorer at path on ref and deg (16 kHz, aligned as
// Measure aligns them) in wideband and narrowband mode. Its two WAV files
// live in a temporary directory that is removed before it returns, also on
// error or cancellation.
func pesqScores(ctx context.Context, path string, ref, deg []float32) (wb, nb float64, err error) {
	dir, err := os.MkdirTemp("", "vqspeak-pesq-")
	if err != nil {
		return 0, 0, err
	}
	defer os.RemoveAll(dir)
	r, d := metrics.Compensate(ref, deg, metrics.Align(ref, deg, int(metrics.MaxAlignSeconds*codec.SampleRate)))
	refPath, degPath := filepath.Join(dir, "ref.wav"), filepath.Join(dir, "deg.wav")
	if err := writeWAV(refPath, r, codec.SampleRate); err != nil {
		return 0, 0, err
	}
	if err := writeWAV(degPath, d, codec.SampleRate); err != nil {
		return 0, 0, err
	}
	if wb, err = runPESQ(ctx, path, "-wb", refPath, degPath); err != nil {
		return 0, 0, err
	}
	if nb, err = runPESQ(ctx, path, "-nb", refPath, degPath); err != nil {
		return 0, 0, err
	}
	return wb, nb, nil
}

// PESQ scores deg against ref (16 kHz) with the scorer at path (FindPESQ),
// wideband and narrowband, after aligning them as Measure does.
func PESQ(ctx context.Context, path string, ref, deg []float32) (wb, nb float64, err error) {
	return pesqScores(ctx, path, ref, deg)
}

// runPESQ runs one scoring and parses its mos_lqo line.
func runPESQ(ctx context.Context, path, mode, ref, deg string) (float64, error) {
	var out, errOut bytes.Buffer
	cmd := exec.CommandContext(ctx, path, mode, ref, deg)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("pesq %s: %w: %s", mode, err, strings.TrimSpace(errOut.String()))
	}
	for _, line := range strings.Split(out.String(), "\n") {
		k, v, ok := strings.Cut(line, "=")
		if ok && strings.TrimSpace(k) == "mos_lqo" {
			s, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				return 0, fmt.Errorf("pesq %s: bad score %q", mode, v)
			}
			return s, nil
		}
	}
	return 0, fmt.Errorf("pesq %s: no mos_lqo= line in its output %q", mode, strings.TrimSpace(out.String()))
}
