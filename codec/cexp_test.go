package codec

import (
	"math"
	"math/cmplx"
	"math/rand/v2"
	"testing"
)

// TestCexpAccuracy holds the table-driven cexp to the math package's
// complex exponential over the ranges synthesis uses (log amplitudes of
// −60..+20, phases of a few hundred radians) and beyond, where it falls
// back to the math package.
func TestCexpAccuracy(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	check := func(z complex128, tol float64) {
		t.Helper()
		got, want := cexp(z), cmplx.Exp(z)
		if want == 0 {
			if got != 0 {
				t.Fatalf("cexp(%v) = %v, want 0", z, got)
			}
			return
		}
		if err := cmplx.Abs(got-want) / cmplx.Abs(want); !(err <= tol) {
			t.Fatalf("cexp(%v) = %v, want %v (relative error %.3g)", z, got, want, err)
		}
	}
	for range 200000 {
		check(complex(-60+80*rng.Float64(), -400+800*rng.Float64()), 1e-12)
	}
	for _, z := range []complex128{0, complex(-699.9, 0.5), complex(699.9, -3), complex(-800, 1), complex(5, 1e4), complex(0, -999.9)} {
		check(z, 1e-12)
	}
	if v := cexp(complex(math.Inf(-1), 0)); v != 0 {
		t.Errorf("cexp(-Inf) = %v, want 0", v)
	}
	if v := cexp(complex(math.NaN(), 0)); !cmplx.IsNaN(v) {
		t.Errorf("cexp(NaN) = %v, want NaN", v)
	}
}

func BenchmarkCexp(b *testing.B) {
	zs := make([]complex128, 1024)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range zs {
		zs[i] = complex(-10+15*rng.Float64(), -20+40*rng.Float64())
	}
	var sink complex128
	for b.Loop() {
		for _, z := range zs {
			sink += cexp(z)
		}
	}
	_ = sink
}

// BenchmarkCexpMath is the math package's e^z on the same inputs, for
// comparison with BenchmarkCexp.
func BenchmarkCexpMath(b *testing.B) {
	zs := make([]complex128, 1024)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range zs {
		zs[i] = complex(-10+15*rng.Float64(), -20+40*rng.Float64())
	}
	var sink complex128
	for b.Loop() {
		for _, z := range zs {
			m := math.Exp(real(z))
			sin, cos := math.Sincos(imag(z))
			sink += complex(m*cos, m*sin)
		}
	}
	_ = sink
}
