//go:build goexperiment.simd && amd64

package rvq

import (
	"math/bits"
	"simd/archsimd"
)

// simdHeads reports whether headsBound can run: a GOEXPERIMENT=simd build
// on a CPU with AVX2. Only such builds have it; the plain build is the
// product and computes the same values with scoreBound24's scalar loops.
var simdHeads = archsimd.X86.AVX2()

// headsBound is scoreBound24's first pass and first selection for
// len(dst)/8 blocks of 8 entries laid out by transposeHeads: it writes into
// dst[i] the dot product of q with entry i's first boundSplit dimensions and
// appends to surv the indices whose bound cn[i] - dst[i] - qt·ct[i] does not
// exceed thr, returning their count. Eight entries go in one lane-parallel
// pass, each lane summing q_j·c_j over j in order with a separate multiply
// and add (VMULPS, VADDPS: no fused multiply-add), and the bound is the
// same operations in the same order, so every value and every decision is
// that of the scalar loops bit for bit.
func headsBound(dst, q, th, cn, ct []float32, qt, thr float32, surv []int32) int {
	const h, l = boundSplit, 8
	nb := len(dst) / l
	th = th[:nb*h*l]
	cn, ct = cn[:nb*l], ct[:nb*l]
	var qs [h]archsimd.Float32x8
	for j := range qs {
		qs[j] = archsimd.BroadcastFloat32x8(q[j])
	}
	qtv := archsimd.BroadcastFloat32x8(qt)
	thrv := archsimd.BroadcastFloat32x8(thr)
	ns := 0
	// select appends block b's survivors, given its partial sums a
	sel := func(a archsimd.Float32x8, b int) {
		c := archsimd.LoadFloat32x8((*[l]float32)(cn[b*l:]))
		t := archsimd.LoadFloat32x8((*[l]float32)(ct[b*l:]))
		m := ^c.Sub(a).Sub(qtv.Mul(t)).Greater(thrv).ToBits()
		for m != 0 {
			surv[ns] = int32(b*l + bits.TrailingZeros8(m))
			ns++
			m &= m - 1
		}
	}
	b := 0
	// four blocks per pass: four independent chains of additions
	for ; b+4 <= nb; b += 4 {
		blk := (*[4 * h * l]float32)(th[b*h*l:])
		zero := archsimd.BroadcastFloat32x8(0)
		a0, a1, a2, a3 := zero, zero, zero, zero
		for j := 0; j < h; j++ {
			qj := qs[j]
			a0 = a0.Add(qj.Mul(archsimd.LoadFloat32x8((*[l]float32)(blk[0*h*l+j*l:]))))
			a1 = a1.Add(qj.Mul(archsimd.LoadFloat32x8((*[l]float32)(blk[1*h*l+j*l:]))))
			a2 = a2.Add(qj.Mul(archsimd.LoadFloat32x8((*[l]float32)(blk[2*h*l+j*l:]))))
			a3 = a3.Add(qj.Mul(archsimd.LoadFloat32x8((*[l]float32)(blk[3*h*l+j*l:]))))
		}
		o := (*[4 * l]float32)(dst[b*l:])
		a0.Store((*[l]float32)(o[0:]))
		a1.Store((*[l]float32)(o[l:]))
		a2.Store((*[l]float32)(o[2*l:]))
		a3.Store((*[l]float32)(o[3*l:]))
		sel(a0, b)
		sel(a1, b+1)
		sel(a2, b+2)
		sel(a3, b+3)
	}
	for ; b < nb; b++ {
		blk := (*[h * l]float32)(th[b*h*l:])
		a := archsimd.BroadcastFloat32x8(0)
		for j := 0; j < h; j++ {
			a = a.Add(qs[j].Mul(archsimd.LoadFloat32x8((*[l]float32)(blk[j*l:]))))
		}
		a.Store((*[l]float32)(dst[b*l:]))
		sel(a, b)
	}
	// the rest of the program is scalar SSE code: leave the upper
	// halves of the vector registers clean, or it pays for them
	archsimd.ClearAVXUpperBits()
	return ns
}
