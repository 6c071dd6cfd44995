// Package metrics scores decoded speech against its input: objective quality
// metrics (STOI, ESTOI, mel-cepstral distortion, log-spectral distance, F0
// error and voicing error from an independent YIN pitch tracker) and delay
// alignment of codec output against its input. Its only third-party import
// is gonum's FFT, so any test can score audio without the benchmark
// harness, its plots or its peer codecs (package bench).
//
// Every metric takes float32 samples in [-1, 1] (full scale = 1.0) with an
// explicit sample rate, and does its arithmetic in float64. Pair metrics
// expect the two signals to be sample-aligned and of equal length; use
// [Align] and [Compensate] (or [Measure], which does both) on codec output,
// which is a delayed copy of the input.
//
// STOI, ESTOI and MCD follow the exact definitions of the project's metric
// test vectors (testdata/metrics/README.md) and agree with them within
// 0.005 and 0.05 dB respectively; the tests check every row.
package metrics

import (
	"errors"
	"fmt"
	"math"
)

// Errors returned by the metrics. They are wrapped with context; match them
// with errors.Is.
var (
	// ErrTooShort means a signal has too few samples (or, for STOI, too few
	// non-silent frames) for the metric to be defined.
	ErrTooShort = errors.New("metrics: signal too short for metric")
	// ErrLengthMismatch means the reference and degraded signals of a pair
	// metric differ in length; align and trim them first (see Compensate).
	ErrLengthMismatch = errors.New("metrics: reference and degraded lengths differ")
	// ErrSampleRate means the sample rate is not positive or too low for the
	// metric's analysis.
	ErrSampleRate = errors.New("metrics: unsupported sample rate")
	// ErrSilent means the reference has no energy at all, so no frame can be
	// selected for a frame-averaged metric.
	ErrSilent = errors.New("metrics: reference signal is silent")
	// ErrNoVoicedFrames means no frame is voiced in both signals, so the F0
	// error is undefined.
	ErrNoVoicedFrames = errors.New("metrics: no frame voiced in both signals")
)

// Report gathers every quality metric of one degraded signal against its
// reference. Higher is better for STOI and ESTOI; lower is better for the
// rest.
type Report struct {
	STOI  float64 // Taal et al. 2011, 0..1
	ESTOI float64 // Jensen & Taal 2016, about 0..1
	MCD   float64 // mel-cepstral distortion, dB
	LSD   float64 // log-spectral distance, dB

	// F0RMSECents and F0RMSEHz are the RMS pitch errors over frames voiced in
	// both signals. They are NaN when no frame is voiced in both.
	F0RMSECents  float64
	F0RMSEHz     float64
	VoicingError float64 // fraction of frames whose voicing decision differs
}

// String formats the report on one line.
func (r Report) String() string {
	return fmt.Sprintf("STOI %.4f ESTOI %.4f MCD %.3f dB LSD %.3f dB F0 RMSE %.1f cents (%.2f Hz) voicing err %.4f",
		r.STOI, r.ESTOI, r.MCD, r.LSD, r.F0RMSECents, r.F0RMSEHz, r.VoicingError)
}

// MaxAlignSeconds is the largest delay (either sign) that Measure searches
// when aligning the degraded signal with the reference.
const MaxAlignSeconds = 0.1

// Measure aligns deg to ref (searching delays up to MaxAlignSeconds), trims
// both to their common part and computes every metric on it. ref and deg may
// differ in length; the codec delay is removed, not measured as distortion.
func Measure(ref, deg []float32, fs int) (Report, error) {
	if fs <= 0 {
		return Report{}, fmt.Errorf("%w: %d Hz", ErrSampleRate, fs)
	}
	lag := Align(ref, deg, int(MaxAlignSeconds*float64(fs)))
	r, d := Compensate(ref, deg, lag)
	var rep Report
	var err error
	rep.STOI, err = STOI(r, d, fs)
	switch {
	case errors.Is(err, ErrTooShort):
		// Under 30 non-silent frames (384 ms of speech) STOI is undefined;
		// the other metrics still are.
		rep.STOI, rep.ESTOI = math.NaN(), math.NaN()
	case err != nil:
		return Report{}, fmt.Errorf("STOI: %w", err)
	default:
		if rep.ESTOI, err = ESTOI(r, d, fs); err != nil {
			return Report{}, fmt.Errorf("ESTOI: %w", err)
		}
	}
	if rep.MCD, err = MCD(r, d, fs); err != nil {
		return Report{}, fmt.Errorf("MCD: %w", err)
	}
	if rep.LSD, err = LSD(r, d, fs); err != nil {
		return Report{}, fmt.Errorf("LSD: %w", err)
	}
	rep.F0RMSECents, rep.F0RMSEHz, err = F0RMSE(r, d, fs)
	switch {
	case errors.Is(err, ErrNoVoicedFrames):
		rep.F0RMSECents, rep.F0RMSEHz = math.NaN(), math.NaN()
	case err != nil:
		return Report{}, fmt.Errorf("F0 RMSE: %w", err)
	}
	if rep.VoicingError, err = VoicingError(r, d, fs); err != nil {
		return Report{}, fmt.Errorf("voicing error: %w", err)
	}
	return rep, nil
}

// checkPair validates the arguments shared by every pair metric.
func checkPair(ref, deg []float32, fs int) error {
	if fs <= 0 {
		return fmt.Errorf("%w: %d Hz", ErrSampleRate, fs)
	}
	if len(ref) != len(deg) {
		return fmt.Errorf("%w: %d and %d samples", ErrLengthMismatch, len(ref), len(deg))
	}
	return nil
}

// toFloat64 widens x into a new float64 slice.
func toFloat64(x []float32) []float64 {
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = float64(v)
	}
	return y
}

// nextPow2 returns the smallest power of two >= n (and >= 1).
func nextPow2(n int) int {
	p := 1
	for p < n {
		p <<= 1
	}
	return p
}
