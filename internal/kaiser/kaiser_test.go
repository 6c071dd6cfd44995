package kaiser

import (
	"math"
	"testing"
)

func TestI0(t *testing.T) {
	// Reference values of I0 (Abramowitz and Stegun, table 9.8).
	for _, tc := range []struct{ x, want float64 }{
		{0, 1}, {1, 1.2660658777520082}, {5, 27.239871823604442}, {10, 2815.716628466254},
	} {
		if got := I0(tc.x); math.Abs(got-tc.want) > 1e-12*tc.want {
			t.Errorf("I0(%g) = %.16g, want %.16g", tc.x, got, tc.want)
		}
	}
}
