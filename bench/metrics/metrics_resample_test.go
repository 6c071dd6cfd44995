package metrics

import (
	"math"
	"testing"
)

func TestResample(t *testing.T) {
	tests := []struct {
		fsIn, fsOut int
		f           float64 // test tone, Hz
		wantGain    float64 // amplitude out / in
		tol         float64
	}{
		{16000, 10000, 1000, 1, 2e-3},
		{16000, 10000, 4000, 1, 2e-2},  // near the band edge
		{16000, 10000, 7000, 0, 5e-3},  // would alias to 3 kHz
		{16000, 10000, 6000, 0, 0.01},  // 1 kHz past Nyquist
		{44100, 10000, 440, 1, 2e-3},   // an awkward ratio
		{8000, 10000, 3000, 1, 5e-3},   // upsampling
		{10000, 10000, 1234, 1, 1e-12}, // identity
	}
	for _, tc := range tests {
		n := tc.fsIn / 2
		x := make([]float64, n)
		for i := range x {
			x[i] = math.Sin(2 * math.Pi * tc.f * float64(i) / float64(tc.fsIn))
		}
		y, err := matlabResample(x, tc.fsOut, tc.fsIn)
		if err != nil {
			t.Fatal(err)
		}
		if want := (n*tc.fsOut + tc.fsIn - 1) / tc.fsIn; len(y) != want {
			t.Fatalf("%d→%d: %d samples, want %d", tc.fsIn, tc.fsOut, len(y), want)
		}
		// Compare the middle half with the ideal tone at the new rate.
		var maxErr float64
		for m := len(y) / 4; m < 3*len(y)/4; m++ {
			ideal := tc.wantGain * math.Sin(2*math.Pi*tc.f*float64(m)/float64(tc.fsOut))
			maxErr = math.Max(maxErr, math.Abs(y[m]-ideal))
		}
		if maxErr > tc.tol {
			t.Errorf("%d→%d Hz, %g Hz tone: max error %.2e, want < %g", tc.fsIn, tc.fsOut, tc.f, maxErr, tc.tol)
		}
	}
	if _, err := matlabResample([]float64{1}, 0, 16000); err == nil {
		t.Error("fsOut 0: no error")
	}
	if y, err := matlabResample(nil, 10000, 16000); err != nil || len(y) != 0 {
		t.Errorf("empty: %v, %v", y, err)
	}
}
