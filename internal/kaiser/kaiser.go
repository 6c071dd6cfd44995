// Package kaiser holds what Kaiser-window filter designs share: the
// streaming resampler (features/resample) and the MATLAB-compatible one the
// STOI reference values need (bench/metrics).
package kaiser

// I0 is the modified Bessel function of the first kind, order 0, by its
// power series (converges quickly for the Kaiser β values of audio filters).
func I0(x float64) float64 {
	sum, term := 1.0, 1.0
	q := x * x / 4
	for k := 1; k < 500; k++ {
		term *= q / float64(k*k)
		sum += term
		if term < sum*1e-17 {
			break
		}
	}
	return sum
}
