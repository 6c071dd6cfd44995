package pcm

import (
	"math"
	"testing"
)

func TestRoundTripExact(t *testing.T) {
	for v := math.MinInt16; v <= math.MaxInt16; v++ {
		if got := ToInt16(FromInt16(int16(v))); got != int16(v) {
			t.Fatalf("%d → %d", v, got)
		}
	}
}

func TestToInt16(t *testing.T) {
	for _, tc := range []struct {
		x    float32
		want int16
	}{
		{0, 0}, {1, 32767}, {-1, -32768}, {2, 32767}, {-2, -32768},
		{float32(math.Inf(1)), 32767}, {float32(math.Inf(-1)), -32768}, {float32(math.NaN()), 0},
		{0.5 / 32768, 0}, {1.5 / 32768, 2}, {-0.5 / 32768, 0}, {-1.5 / 32768, -2}, // half to even
		{0.6 / 32768, 1}, {-0.6 / 32768, -1},
	} {
		if got := ToInt16(tc.x); got != tc.want {
			t.Errorf("ToInt16(%g) = %d, want %d", tc.x, got, tc.want)
		}
	}
}
