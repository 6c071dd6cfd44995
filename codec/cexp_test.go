package codec

import (
	"math"
	"math/cmplx"
	"math/rand/v2"
	"slices"
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

// TestCexpSliceMatchesCexp checks that the batched exponentials, which
// write out cexp's and fastExp's bodies, give bit for bit what cexp and
// fastExp give, in range and where they fall back to the math package.
func TestCexpSliceMatchesCexp(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	zs := make([]complex128, 0, 100000)
	for range 100000 {
		zs = append(zs, complex(-60+80*rng.Float64(), -400+800*rng.Float64()))
	}
	zs = append(zs, 0, complex(-699.9, 0.5), complex(699.9, -3), complex(-800, 1), complex(350, 2),
		complex(-350.1, 1), complex(5, 1e4), complex(0, -999.9), complex(0, 1000),
		complex(math.Inf(-1), 0), complex(math.NaN(), math.NaN()))
	got := make([]complex128, len(zs))
	cexpSlice(got, zs)
	same := func(a, b float64) bool {
		return math.Float64bits(a) == math.Float64bits(b) || (math.IsNaN(a) && math.IsNaN(b))
	}
	for k, z := range zs {
		if w := cexp(z); !same(real(got[k]), real(w)) || !same(imag(got[k]), imag(w)) {
			t.Fatalf("cexpSlice(%v) = %v, cexp %v", z, got[k], w)
		}
	}
	xs := make([]float64, 0, len(zs))
	for _, z := range zs {
		xs = append(xs, real(z))
	}
	for _, n := range []int{0, 1, 7, 1000, len(xs) - 3, len(xs)} {
		var want float64
		for _, v := range xs[:n] {
			want += fastExp(2 * v)
		}
		if got := expSum2(xs[:n]); !same(got, want) {
			t.Fatalf("expSum2 of %d values = %v, want %v", n, got, want)
		}
		rev := slices.Clone(xs[:n])
		slices.Reverse(rev)
		wantRev := expSum2(rev)
		if a, b := expSum2Pair(xs[:n], rev); !same(a, want) || !same(b, wantRev) {
			t.Fatalf("expSum2Pair of %d values = %v, %v, want %v, %v", n, a, b, want, wantRev)
		}
	}
}

// cexp is the complex exponential e^z, written plainly: the definition
// that the synthesizer's batched cexpSlice and expSum2 match bit for bit.
func cexp(z complex128) complex128 {
	m := fastExp(real(z))
	sin, cos := fastSincos(imag(z))
	return complex(m*cos, m*sin)
}

// fastExp is e^x to about 1e-13 relative.
func fastExp(x float64) float64 {
	// Below −700 or above 700 (and for NaN) e^x is out of the normal
	// range the bit construction below covers.
	if !(x > -700 && x < 700) {
		return math.Exp(x)
	}
	// x = (i/64)·ln 2 + r with |r| <= ln2/128 ≈ 0.0054
	const toIndex = expTableSize / math.Ln2
	const ln2Hi = math.Ln2 / expTableSize
	f := roundInt(x * toIndex)
	i := int(f)
	r := x - f*ln2Hi
	// e^r by its Taylor series to r^5: the first term left out, r^6/720, is
	// below 3.5e-17.
	p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120)))))
	// 2^(i/64) = 2^(i>>6) · 2^((i&63)/64); 2^e built from its exponent bits
	e := i >> expTableBits
	scale := math.Float64frombits(uint64(e+1023) << 52)
	return scale * exp2Table[i&(expTableSize-1)] * p
}

// fastSincos is sin θ and cos θ to about 1e-13 absolute for |θ| < 1000
// (the range reduction's error grows with θ); beyond, math.Sincos.
func fastSincos(theta float64) (sin, cos float64) {
	if !(theta > -1000 && theta < 1000) {
		return math.Sincos(theta)
	}
	// θ = 2πj/256 + r with |r| <= π/256 ≈ 0.0123
	const toIndex = sinTableSize / (2 * math.Pi)
	const step = 2 * math.Pi / sinTableSize
	f := roundInt(theta * toIndex)
	j := int(f)
	r := theta - f*step
	r2 := r * r
	// Taylor series: the first terms left out, r^7/5040 and r^8/40320,
	// are below 1e-17.
	sr := r * (1 - r2*(1.0/6-r2*(1.0/120)))
	cr := 1 - r2*(1.0/2-r2*(1.0/24-r2*(1.0/720)))
	k := j & (sinTableSize - 1)
	st, ct := sinTable[k], cosTable[k]
	return st*cr + ct*sr, ct*cr - st*sr
}
