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
	"github.com/vqspeak/vqspeak/features/resample"
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

// NarrowbandRate is the sample rate PESQ-NB is scored at: P.862 is a
// telephone-band measure, and the peers' reference scores
// (shared/metrics/peers-test.md) were made at 8 kHz. Scored on the 16 kHz
// signals instead, the same pairs come out lower, about 0.1 for most codecs
// (the test set: Codec 2 3200 2.593 against 2.702 at 8 kHz, Opus 6 kb/s
// 2.926 against 3.011; README, "Quality, bitrate, speed"), so the two ways
// must not be mixed in one comparison.
const NarrowbandRate = 8000

// pesqScores runs the scorer at path on ref and deg (16 kHz, aligned as
// Measure aligns them) in wideband mode, and on both resampled to
// NarrowbandRate in narrowband mode. Its WAV files live in a temporary
// directory that is removed before it returns, also on error or
// cancellation.
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
	nbRef, nbDeg := filepath.Join(dir, "ref8k.wav"), filepath.Join(dir, "deg8k.wav")
	for _, f := range []struct {
		path string
		x    []float32
	}{{nbRef, r}, {nbDeg, d}} {
		x, err := toNarrowband(f.x)
		if err != nil {
			return 0, 0, err
		}
		if err := writeWAV(f.path, x, NarrowbandRate); err != nil {
			return 0, 0, err
		}
	}
	if nb, err = runPESQ(ctx, path, "-nb", nbRef, nbDeg); err != nil {
		return 0, 0, err
	}
	return wb, nb, nil
}

// toNarrowband resamples x from codec.SampleRate to NarrowbandRate. Both
// signals of a pair go through the same filter, so they stay aligned.
func toNarrowband(x []float32) ([]float32, error) {
	rs, err := resample.New(codec.SampleRate, NarrowbandRate)
	if err != nil {
		return nil, err
	}
	return rs.Flush(rs.Process(make([]float32, 0, len(x)/2+64), x)), nil
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
