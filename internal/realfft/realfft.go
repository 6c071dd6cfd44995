// Package realfft is the codec's real FFT for power-of-two sizes: what
// gonum's fourier.FFT computes (to within a few parts in 1e15 of the
// signal's scale) in a fraction of its time, without allocating after
// New. The decoder's synthesis (package codec) and the encoder's envelope
// analysis (package features) use it.
package realfft

import "math"

// FFT is a real FFT for one power-of-two size n. It
// computes what gonum's fourier.FFT does (Coefficients: the unnormalised
// forward transform's first n/2+1 bins; Sequence: the unnormalised inverse
// of such a half spectrum) to within a few parts in 1e15 of the signal's
// scale, at about a third of the time: the n real samples are packed into
// n/2 complex ones, transformed by an iterative radix-4 complex FFT (one
// radix-2 pass first when log2(n/2) is odd) over contiguous precomputed
// twiddles, and unpacked with a second table of twiddles. It allocates only
// in New and is not safe for concurrent use.
type FFT struct {
	n, m  int          // real size, complex size m = n/2
	rev   []int32      // bit reversal of 0..m-1
	odd   bool         // log2(m) is odd: one radix-2 pass first
	tw    []twiddle3   // radix-4 twiddles per pass, for j < quarter
	twInv []twiddle3   // their conjugates, for the inverse
	half  []complex128 // e^(-2πjk/n) for k < m: unpacking of the real spectrum
	z     []complex128 // scratch, m values
}

// New plans a real FFT of size n, a power of two of at least 8.
func New(n int) *FFT {
	if n < 8 || n&(n-1) != 0 {
		panic("realfft: size must be a power of two >= 8")
	}
	m := n / 2
	f := &FFT{n: n, m: m, rev: make([]int32, m), half: make([]complex128, m), z: make([]complex128, m)}
	bits := 0
	for 1<<bits < m {
		bits++
	}
	for i := range f.rev {
		r := 0
		for b := 0; b < bits; b++ {
			r |= (i >> b & 1) << (bits - 1 - b)
		}
		f.rev[i] = int32(r)
	}
	for k := range f.half {
		f.half[k] = UnitRoot(k, n)
	}
	for q := 1 + bits%2; 4*q <= m; q *= 4 {
		for j := range q {
			w := twiddle3{UnitRoot(j, 4*q), UnitRoot(2*j, 4*q), UnitRoot(3*j, 4*q)}
			f.tw = append(f.tw, w)
			f.twInv = append(f.twInv, twiddle3{cmplxConj(w.w1), cmplxConj(w.w2), cmplxConj(w.w3)})
		}
	}
	f.odd = bits%2 == 1
	return f
}

// Coefficients sets dst[k], k = 0..n/2, to Σ x[i]·e^(-2πjik/n).
func (f *FFT) Coefficients(dst []complex128, x []float64) {
	m := f.m
	z := f.z[:m]
	x = x[:2*m]
	for i, r := range f.rev {
		z[r] = complex(x[2*i], x[2*i+1])
	}
	f.transform(z, false)
	f.unpack(dst, z)
}

// CoefficientsPadded is Coefficients of x (len(x) <= n) followed by
// n−len(x) zeros, bit for bit. It packs only x, and when the zeros fill at
// least half the input, the first radix-4 pass skips its additions of
// them (keeping the +0 they add, which can turn a −0 into +0).
func (f *FFT) CoefficientsPadded(dst []complex128, x []float64) {
	m := f.m
	if len(x) > 2*m {
		panic("realfft: input longer than the transform")
	}
	nz := (len(x) + 1) / 2 // packed values not known to be zero
	if f.odd || 2*nz > m {
		z := f.z[:m]
		for i, r := range f.rev {
			a, b := 0.0, 0.0
			if 2*i+1 < len(x) {
				a, b = x[2*i], x[2*i+1]
			} else if 2*i < len(x) {
				a = x[2*i]
			}
			z[r] = complex(a, b)
		}
		f.transform(z, false)
		f.unpack(dst, z)
		return
	}
	z := f.z[:m]
	// Packed value i sits at rev[i]: for i < m/2 at an even position, for
	// i < m/4 at a multiple of 4. The first pass's butterfly on b0, b2 and
	// zeros b1 = b3 = +0 (see transform) is s02 = b0+0, d02 = b0,
	// s13 = b2+0, d13 = b2; with b2 = +0 too its outputs are b0+0,
	// (re(b0)+0, im(b0)), b0+0, (re(b0), im(b0)+0). So only the positions
	// it reads need their zeros.
	read := m / 2
	if 4*nz <= m {
		read = m / 4
	}
	rev := f.rev[:read]
	for i, r := range rev[:len(x)/2] {
		z[r] = complex(x[2*i], x[2*i+1])
	}
	if len(x)%2 == 1 {
		z[rev[nz-1]] = complex(x[len(x)-1], 0)
	}
	for _, r := range rev[nz:] {
		z[r] = 0
	}
	if 4*nz <= m {
		for start := 0; start+4 <= m; start += 4 {
			b := z[start : start+4 : start+4]
			v := b[0]
			p := v + 0
			b[0] = p
			b[1] = complex(real(p), imag(v))
			b[2] = p
			b[3] = complex(real(v), imag(p))
		}
	} else {
		for start := 0; start+4 <= m; start += 4 {
			b := z[start : start+4 : start+4]
			s02, d02 := b[0]+0, b[0]
			s13, d13 := b[2]+0, b[2]
			jd := complex(imag(d13), -real(d13)) // −j·d13
			b[0] = s02 + s13
			b[1] = d02 + jd
			b[2] = s02 - s13
			b[3] = d02 - jd
		}
	}
	f.passes(z, f.tw[1:], 4, 1)
	f.unpack(dst, z)
}

// unpack sets dst[k], k = 0..m, from z, the complex FFT of the packed
// even (real) and odd (imaginary) samples.
func (f *FFT) unpack(dst, z []complex128) {
	m := f.m
	z = z[:m]
	dst = dst[:m+1]
	dst[0] = complex(real(z[0])+imag(z[0]), 0)
	dst[m] = complex(real(z[0])-imag(z[0]), 0)
	half := f.half[:m]
	for k := 1; k <= m/2; k++ {
		a, b := z[k], z[m-k]
		// even and odd samples' spectra at k: E = (a + b*)/2, O = (a - b*)/2j
		er, ei := 0.5*(real(a)+real(b)), 0.5*(imag(a)-imag(b))
		or, oi := 0.5*(imag(a)+imag(b)), -0.5*(real(a)-real(b))
		w := half[k]
		tr := real(w)*or - imag(w)*oi
		ti := real(w)*oi + imag(w)*or
		dst[k] = complex(er+tr, ei+ti)
		// at m-k: E' = conj(E), O' = conj(O), w' = -conj(w)
		dst[m-k] = complex(er-tr, ti-ei)
	}
}

// Sequence sets dst[i], i < n, to Σ X[k]·e^(2πjik/n) over the whole
// Hermitian spectrum whose first n/2+1 bins are X; the imaginary parts of
// X[0] and X[n/2] are ignored.
func (f *FFT) Sequence(dst []float64, X []complex128) {
	m := f.m
	z := f.z[:m]
	X = X[:m+1]
	rev := f.rev[:m]
	half := f.half[:m]
	// Z[k] = (X[k] + X*[m-k]) + j·e^(2πjk/n)·(X[k] - X*[m-k])
	x0, xm := real(X[0]), real(X[m])
	z[0] = complex(x0+xm, x0-xm)
	for k := 1; k <= m/2; k++ {
		a, b := X[k], X[m-k]
		sr, si := real(a)+real(b), imag(a)-imag(b) // a + b*
		dr, di := real(a)-real(b), imag(a)+imag(b) // a - b*
		w := half[k]                               // conj(w) = e^(2πjk/n)
		// p = conj(w)·d; the second term is j·p
		pr := real(w)*dr + imag(w)*di
		pi := real(w)*di - imag(w)*dr
		z[rev[k]] = complex(sr-pi, si+pr)
		// at m-k: s' = conj(s), d' = -conj(d), w' = -conj(w), so the
		// second term is j·w·conj(d) = -conj(j·conj(w)·d)
		z[rev[m-k]] = complex(sr+pi, pr-si)
	}
	f.transform(z, true)
	dst = dst[:2*m]
	for i, v := range z {
		dst[2*i] = real(v)
		dst[2*i+1] = imag(v)
	}
}

// twiddle3 holds a radix-4 butterfly's three twiddles w^j, w^2j, w^3j.
type twiddle3 struct{ w1, w2, w3 complex128 }

func cmplxConj(w complex128) complex128 { return complex(real(w), -imag(w)) }

// UnitRoot is e^(-2πjk/n), exact at multiples of a quarter turn.
func UnitRoot(k, n int) complex128 {
	k %= n
	switch {
	case k == 0:
		return 1
	case 4*k == n:
		return complex(0, -1)
	case 2*k == n:
		return -1
	case 4*k == 3*n:
		return complex(0, 1)
	}
	s, c := math.Sincos(-2 * math.Pi * float64(k) / float64(n))
	return complex(c, s)
}

// transform runs the complex FFT of z, given in bit-reversed order, in
// place: forward (e^-) or, when inverse, unnormalised inverse (e^+).
func (f *FFT) transform(z []complex128, inverse bool) {
	m := len(z)
	q := 1
	if f.odd {
		for i := 0; i+1 < m; i += 2 {
			a, b := z[i], z[i+1]
			z[i], z[i+1] = a+b, a-b
		}
		q = 2
	}
	// The inverse differs in its twiddles and in the sign of j: its
	// second and fourth outputs are the forward butterfly's fourth and
	// second, which negating j·d13 swaps exactly (x − y is x + (−y)).
	tw := f.tw
	sg := 1.0 // the sign of j
	if inverse {
		tw = f.twInv
		sg = -1
	}
	if q == 1 && m >= 4 {
		// the first radix-4 pass has no twiddles
		for start := 0; start+4 <= m; start += 4 {
			b := z[start : start+4 : start+4]
			s02, d02 := b[0]+b[1], b[0]-b[1]
			s13, d13 := b[2]+b[3], b[2]-b[3]
			jd := complex(imag(d13), -real(d13)) // −j·d13
			if inverse {
				jd = -jd
			}
			b[0] = s02 + s13
			b[1] = d02 + jd
			b[2] = s02 - s13
			b[3] = d02 - jd
		}
		tw = tw[1:]
		q = 4
	}
	f.passes(z, tw, q, sg)
}

// passes runs transform's radix-4 passes from sub-transform size q on,
// with their twiddles tw and sg the sign of j (1 forward, −1 inverse).
func (f *FFT) passes(z []complex128, tw []twiddle3, q int, sg float64) {
	m := len(z)
	for ; 4*q <= m; q *= 4 {
		size := 4 * q
		t := tw[:q]
		tw = tw[q:]
		for start := 0; start+size <= m; start += size {
			b := z[start : start+size]
			b0, b1, b2, b3 := b[:len(t)], b[q:q+len(t)], b[2*q:2*q+len(t)], b[3*q:3*q+len(t)]
			for j := range t {
				// through a pointer: ranging over the values copied each
				// 48-byte twiddle3 to the stack and read it back
				w := &t[j]
				w1, w2, w3 := w.w1, w.w2, w.w3
				// the four bit-reversed sub-transforms, in order 0, 2, 1, 3
				a0 := b0[j]
				a2 := b1[j] * w2
				a1 := b2[j] * w1
				a3 := b3[j] * w3
				s02, d02 := a0+a2, a0-a2
				s13, d13 := a1+a3, a1-a3
				// −j·d13 (forward) or j·d13 (inverse): the products
				// by ±1 are exact, so fused or not this is the swap
				jd := complex(sg*imag(d13), -sg*real(d13))
				b0[j] = s02 + s13
				b1[j] = d02 + jd
				b2[j] = s02 - s13
				b3[j] = d02 - jd
			}
		}
	}
}
