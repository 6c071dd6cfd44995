//go:build goexperiment.simd && amd64

package features

import "simd/archsimd"

// simdFIR reports whether firFilterSIMD runs: a GOEXPERIMENT=simd build on
// a CPU with AVX2 (see rvq's kernel_simd.go; the plain build is the
// product).
var simdFIR = archsimd.X86.AVX2()

// firFilterSIMD computes firFilter's outputs 32 at a time (four vectors of
// eight consecutive outputs, each lane summing h[k]·x[i+k] over k in order
// with a separate multiply and add: bit for bit firFilter's float32 sums)
// and returns how many it wrote (a multiple of 32; the caller does the
// rest).
func firFilterSIMD(y []float64, x, h []float32) int {
	if !simdFIR {
		return 0
	}
	const l = 8
	n := len(y) / (4 * l) * (4 * l)
	var tmp [4 * l]float32
	for i := 0; i < n; i += 4 * l {
		xs := x[i : i+4*l+len(h)-1]
		zero := archsimd.BroadcastFloat32x8(0)
		a0, a1, a2, a3 := zero, zero, zero, zero
		for k, v := range h {
			hv := archsimd.BroadcastFloat32x8(v)
			w := (*[4 * l]float32)(xs[k:])
			a0 = a0.Add(hv.Mul(archsimd.LoadFloat32x8((*[l]float32)(w[0*l:]))))
			a1 = a1.Add(hv.Mul(archsimd.LoadFloat32x8((*[l]float32)(w[1*l:]))))
			a2 = a2.Add(hv.Mul(archsimd.LoadFloat32x8((*[l]float32)(w[2*l:]))))
			a3 = a3.Add(hv.Mul(archsimd.LoadFloat32x8((*[l]float32)(w[3*l:]))))
		}
		a0.Store((*[l]float32)(tmp[0*l:]))
		a1.Store((*[l]float32)(tmp[1*l:]))
		a2.Store((*[l]float32)(tmp[2*l:]))
		a3.Store((*[l]float32)(tmp[3*l:]))
		o := y[i : i+4*l]
		for j, v := range tmp {
			o[j] = float64(v)
		}
	}
	// the rest of the program is scalar SSE code: leave the upper
	// halves of the vector registers clean, or it pays for them
	archsimd.ClearAVXUpperBits()
	return n
}
