package codec

import "math"

// The synthesis loops take two complex exponentials per bin and event,
// about a fifth of the decoder's time with math.Exp and math.Sincos.
// cexpSlice computes them from small tables instead, accurate to a few parts in 1e12
// (relative), which is far below what 16-bit output can show (1 part in
// 3e4 of full scale): exp by 2^(i/64) from a table times a degree-5
// polynomial of the remainder, sine and cosine by the angle sum formula from
// a 256-entry table and degree-5/6 polynomials of the remainder. Outside the
// ranges where the tables are exact enough it falls back to the math
// package.

const (
	expTableBits = 6
	expTableSize = 1 << expTableBits // 2^(j/64), j = 0..63
	sinTableSize = 256               // sin and cos of 2πj/256
)

var (
	exp2Table [expTableSize]float64
	sinTable  [sinTableSize]float64
	cosTable  [sinTableSize]float64
)

func init() {
	for j := range exp2Table {
		exp2Table[j] = math.Exp2(float64(j) / expTableSize)
	}
	for j := range sinTable {
		sinTable[j], cosTable[j] = math.Sincos(2 * math.Pi * float64(j) / sinTableSize)
	}
}

// roundInt rounds t (|t| < 2^51) to the nearest integer, ties to even: adding
// 1.5·2^52 leaves no bits below the units, and subtracting it again is exact.
func roundInt(t float64) float64 {
	const magic = 1.5 * (1 << 52)
	return (t + magic) - magic
}

// cexpSlice sets dst[k] = e^z[k] for every k (dst may be z), bit for bit
// as cexp, the plain scalar definition in cexp_test.go. Its fastExp and
// fastSincos are written out here: as functions none of the three is small
// enough for the compiler to inline, and without the calls the loop's
// iterations, each a long chain of dependent multiply-adds, overlap.
// TestCexpSliceMatchesCexp keeps the two equal.
func cexpSlice(dst, z []complex128) {
	dst = dst[:len(z)]
	for k, v := range z {
		x, theta := real(v), imag(v)
		var m, sin, cos float64
		if !(x > -700 && x < 700) {
			m = math.Exp(x)
		} else {
			// fastExp
			const toIndex = expTableSize / math.Ln2
			const ln2Hi = math.Ln2 / expTableSize
			f := roundInt(x * toIndex)
			i := int(f)
			r := x - f*ln2Hi
			p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120)))))
			e := i >> expTableBits
			scale := math.Float64frombits(uint64(e+1023) << 52)
			m = scale * exp2Table[i&(expTableSize-1)] * p
		}
		if !(theta > -1000 && theta < 1000) {
			sin, cos = math.Sincos(theta)
		} else {
			// fastSincos
			const toIndex = sinTableSize / (2 * math.Pi)
			const step = 2 * math.Pi / sinTableSize
			f := roundInt(theta * toIndex)
			j := int(f)
			r := theta - f*step
			r2 := r * r
			sr := r * (1 - r2*(1.0/6-r2*(1.0/120)))
			cr := 1 - r2*(1.0/2-r2*(1.0/24-r2*(1.0/720)))
			k := j & (sinTableSize - 1)
			st, ct := sinTable[k], cosTable[k]
			sin, cos = st*cr+ct*sr, ct*cr-st*sr
		}
		dst[k] = complex(m*cos, m*sin)
	}
}

// expSum2 returns the sum of fastExp(2·x[k]) over k in order, bit for bit
// as the scalar fastExp in cexp_test.go, its body written out (see cexpSlice).
func expSum2(x []float64) float64 {
	var s float64
	for _, v := range x {
		x := 2 * v
		if !(x > -700 && x < 700) {
			s += math.Exp(x)
			continue
		}
		const toIndex = expTableSize / math.Ln2
		const ln2Hi = math.Ln2 / expTableSize
		f := roundInt(x * toIndex)
		i := int(f)
		r := x - f*ln2Hi
		p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120)))))
		e := i >> expTableBits
		scale := math.Float64frombits(uint64(e+1023) << 52)
		s += scale * exp2Table[i&(expTableSize-1)] * p
	}
	return s
}

// expSum2Pair returns expSum2(a) and expSum2(b) (len(b) ≥ len(a)), bit for
// bit, in one pass: the two sums' chains of additions overlap. The
// exponentials are written out as in expSum2 (as a function fastExp is
// too big to inline); out of the table's range both take math.Exp.
func expSum2Pair(a, b []float64) (sa, sb float64) {
	const toIndex = expTableSize / math.Ln2
	const ln2Hi = math.Ln2 / expTableSize
	b = b[:len(a)]
	for k, v := range a {
		x, y := 2*v, 2*b[k]
		if !(x > -700 && x < 700 && y > -700 && y < 700) {
			sa += expSum2(a[k : k+1])
			sb += expSum2(b[k : k+1])
			continue
		}
		f, g := roundInt(x*toIndex), roundInt(y*toIndex)
		i, j := int(f), int(g)
		r, q := x-f*ln2Hi, y-g*ln2Hi
		p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120)))))
		o := 1 + q*(1+q*(1.0/2+q*(1.0/6+q*(1.0/24+q*(1.0/120)))))
		sa += math.Float64frombits(uint64(i>>expTableBits+1023)<<52) * exp2Table[i&(expTableSize-1)] * p
		sb += math.Float64frombits(uint64(j>>expTableBits+1023)<<52) * exp2Table[j&(expTableSize-1)] * o
	}
	return sa, sb
}
