package metrics

// LSD returns the log-spectral distance of deg against ref in dB: per frame
// the RMS over the 513 bins of a 1024-point FFT (0 to fs/2) of the level
// difference 20·log10(|X_ref| / |X_deg|), averaged over the frames whose
// reference energy is within 40 dB of the loudest reference frame. It uses
// the MCD framing (25 ms periodic Hann, 5 ms hop, full-scale sine = 1,
// amplitudes floored at −100 dBFS so digital silence does not dominate).
// Unlike MCD it weighs every bin alike, so it sees fine (harmonic) structure
// and level as well as envelope. ref and deg must be aligned and of equal
// length.
func LSD(ref, deg []float32, fs int) (float64, error) {
	return spectralDistance(ref, deg, fs, false)
}
