package main

import (
	"cmp"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"

	"github.com/vqspeak/vqspeak/bench/metrics"
	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/internal/corpus"
)

func init() {
	register(&command{
		name: "eval",
		args: "[-json] REF.wav DEG.wav",
		summary: "Measure the quality of DEG against REF: STOI, ESTOI, mel-cepstral distortion,\n" +
			"log-spectral distance, F0 RMSE and voicing error, after compensating the delay.\n" +
			"Long files are measured in segments of 30 s (memory stays bounded) and the\n" +
			"segments' results averaged, weighted by their length.",
		flags: func(fs *flag.FlagSet) {
			fs.Bool("json", false, "print JSON")
		},
		run: runEval,
	})
}

// evalSegment is how much audio eval measures at once: the metrics hold
// several transforms of their whole input, so a 30-minute pair measured
// whole took 5.3 GB; in segments memory stays bounded whatever the length.
// Files up to this long are measured whole, exactly as metrics.Measure does.
const evalSegment = 30 * codec.SampleRate

// evalResult is what "vqspeak eval -json" prints; null marks a metric
// that is undefined (too little speech for STOI, no voiced frame for F0).
type evalResult struct {
	STOI         *float64 `json:"stoi"`
	ESTOI        *float64 `json:"estoi"`
	MCD          float64  `json:"mcd_db"`
	LSD          float64  `json:"lsd_db"`
	F0RMSECents  *float64 `json:"f0_rmse_cents"`
	F0RMSEHz     *float64 `json:"f0_rmse_hz"`
	VoicingError float64  `json:"voicing_error"`
	Seconds      float64  `json:"duration_s"`
	Segments     int      `json:"segments"`
	Skipped      int      `json:"segments_skipped"` // silent or too short to measure
}

// evalMean accumulates a length-weighted mean that skips NaN.
type evalMean struct{ sum, w float64 }

func (m *evalMean) add(v, w float64) {
	if !math.IsNaN(v) {
		m.sum += v * w
		m.w += w
	}
}

func (m *evalMean) ptr() *float64 {
	if m.w == 0 {
		return nil
	}
	v := m.sum / m.w
	return &v
}

func runEval(e *env, fs *flag.FlagSet, args []string) error {
	if len(args) != 2 {
		return usagef("want a reference and a degraded file, got %s", plural(int64(len(args)), "argument"))
	}
	if args[0] == "-" && args[1] == "-" {
		return usagef("only one of the files can be stdin")
	}
	var srcs [2]*corpus.Input
	for i, p := range args {
		in, err := openInput(e, p)
		if err != nil {
			return err
		}
		defer in.Close()
		if srcs[i], err = corpus.Open(in); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
	}
	var (
		bufs                   [2][]float32
		stoi, estoi, f0c, f0h  evalMean
		mcd, lsd, voicing      evalMean
		res                    evalResult
		firstErr               error
		refDone, degDone       bool
		refCarry, degCarry     []float32
		segmentsRead, measured int
	)
	for !refDone && !degDone {
		var err error
		bufs[0], refCarry, refDone, err = readUpTo(srcs[0], bufs[0][:0], refCarry, evalSegment)
		if err != nil {
			return fmt.Errorf("%s: %w", args[0], err)
		}
		bufs[1], degCarry, degDone, err = readUpTo(srcs[1], bufs[1][:0], degCarry, evalSegment)
		if err != nil {
			return fmt.Errorf("%s: %w", args[1], err)
		}
		n := min(len(bufs[0]), len(bufs[1]))
		if n == 0 {
			break
		}
		segmentsRead++
		// The metrics take seconds a segment and cannot be stopped: on
		// Ctrl-C eval returns at once and leaves them to the exit.
		type out struct {
			r   metrics.Report
			err error
		}
		done := make(chan out, 1)
		go func(ref, deg []float32) {
			r, err := metrics.Measure(ref, deg, codec.SampleRate)
			done <- out{r, err}
		}(bufs[0], bufs[1])
		var o out
		select {
		case o = <-done:
		case <-e.ctx.Done():
			return fmt.Errorf("%w after %.0f s of audio: no result", errInterrupted, res.Seconds)
		}
		bufs = [2][]float32{} // the goroutine owned them; allocate afresh
		w := float64(n) / codec.SampleRate
		res.Seconds += w
		if o.err != nil {
			if !errors.Is(o.err, metrics.ErrSilent) && !errors.Is(o.err, metrics.ErrTooShort) {
				return o.err
			}
			firstErr = cmp.Or(firstErr, o.err)
			res.Skipped++
			continue
		}
		measured++
		stoi.add(o.r.STOI, w)
		estoi.add(o.r.ESTOI, w)
		mcd.add(o.r.MCD, w)
		lsd.add(o.r.LSD, w)
		f0c.add(o.r.F0RMSECents*o.r.F0RMSECents, w) // RMS: average the squares
		f0h.add(o.r.F0RMSEHz*o.r.F0RMSEHz, w)
		voicing.add(o.r.VoicingError, w)
	}
	if measured == 0 {
		if firstErr != nil {
			return firstErr
		}
		return errors.New("no audio to compare")
	}
	res.Segments = segmentsRead
	res.STOI, res.ESTOI = stoi.ptr(), estoi.ptr()
	res.MCD, res.LSD, res.VoicingError = *mcd.ptr(), *lsd.ptr(), *voicing.ptr()
	if p := f0c.ptr(); p != nil {
		c, h := math.Sqrt(*p), math.Sqrt(*f0h.ptr())
		res.F0RMSECents, res.F0RMSEHz = &c, &h
	}
	if res.Segments > 1 {
		e.infof("eval: %.1f s measured in %d segments of up to %d s", res.Seconds, res.Segments, evalSegment/codec.SampleRate)
		if res.Skipped > 0 {
			e.infof(", %d skipped (silent or too short)", res.Skipped)
		}
		e.infof("\n")
	}
	if boolFlag(fs, "json") {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	w := e.stdout
	fmt.Fprintf(w, "STOI          %s\n", fmtOpt(res.STOI, "%.3f"))
	fmt.Fprintf(w, "ESTOI         %s\n", fmtOpt(res.ESTOI, "%.3f"))
	fmt.Fprintf(w, "MCD           %.2f dB\n", res.MCD)
	fmt.Fprintf(w, "LSD           %.2f dB\n", res.LSD)
	if res.F0RMSECents != nil {
		fmt.Fprintf(w, "F0 RMSE       %.1f cents (%.1f Hz)\n", *res.F0RMSECents, *res.F0RMSEHz)
	} else {
		fmt.Fprintf(w, "F0 RMSE       undefined (no frame voiced in both)\n")
	}
	fmt.Fprintf(w, "voicing error %.1f %%\n", 100*res.VoicingError)
	return nil
}

// fmtOpt formats an optional value, "undefined" when absent.
func fmtOpt(v *float64, format string) string {
	if v == nil {
		return "undefined (too little speech)"
	}
	return fmt.Sprintf(format, *v)
}

// readUpTo appends up to n samples of src to dst: first those carried
// over from the last call, then new blocks. It returns what is left of
// the last block for the next call and whether src has ended.
func readUpTo(src *corpus.Input, dst, carry []float32, n int) (out, rest []float32, eof bool, err error) {
	take := min(n, len(carry))
	dst = append(dst, carry[:take]...)
	carry = carry[take:]
	var block []float32
	for len(dst) < n {
		block, err = src.ReadSamples(block[:0])
		if err == io.EOF {
			return dst, nil, len(carry) == 0, nil
		}
		if err != nil {
			return dst, nil, false, err
		}
		take := min(n-len(dst), len(block))
		dst = append(dst, block[:take]...)
		carry = append(carry, block[take:]...)
	}
	return dst, carry, false, nil
}
