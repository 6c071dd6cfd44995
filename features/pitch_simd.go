//go:build goexperiment.simd && amd64

package features

import "simd/archsimd"

// ptNCCFRangeSIMD is ptNCCFRange's main loop in a GOEXPERIMENT=simd build
// (simdFIR: AVX2): eight lags per pass over the window, as two vectors of
// four consecutive lags whose lagged samples are four consecutive samples
// of y. Each lane sums v·u and u·u over the window in order with a separate
// multiply and add, so every value is ptNCCF's bit for bit. It writes
// r[:k] for k a multiple of 8 and returns k; the caller does the rest.
func ptNCCFRangeSIMD(r, y []float64, w, lo int, e0 float64) int {
	if !simdFIR {
		return 0
	}
	const l = 4
	n := len(y)
	a := y[n-w:]
	k := len(r) / (2 * l) * (2 * l)
	for i := 0; i < k; i += 2 * l {
		lag := lo + i
		// lane m of vector 0 is lag+3-m, of vector 1 lag+7-m: the
		// window lag+3 (lag+7) samples earlier, read forwards
		b0 := y[n-w-lag-3 : n-lag][:len(a)+3]
		b1 := y[n-w-lag-7 : n-lag-4][:len(a)+3]
		zero := archsimd.BroadcastFloat64x4(0)
		xy0, e10, xy1, e11 := zero, zero, zero, zero
		for j, v := range a {
			vv := archsimd.BroadcastFloat64x4(v)
			u0 := archsimd.LoadFloat64x4((*[l]float64)(b0[j:]))
			u1 := archsimd.LoadFloat64x4((*[l]float64)(b1[j:]))
			xy0 = xy0.Add(vv.Mul(u0))
			e10 = e10.Add(u0.Mul(u0))
			xy1 = xy1.Add(vv.Mul(u1))
			e11 = e11.Add(u1.Mul(u1))
		}
		var x0, f0, x1, f1 [l]float64
		xy0.Store(&x0)
		e10.Store(&f0)
		xy1.Store(&x1)
		e11.Store(&f1)
		for m := range l {
			r[i+m] = ptNorm(x0[l-1-m], e0, f0[l-1-m])
			r[i+l+m] = ptNorm(x1[l-1-m], e0, f1[l-1-m])
		}
	}
	archsimd.ClearAVXUpperBits()
	return k
}

// ptCrossRangeSIMD is ptCrossRange's main loop in a GOEXPERIMENT=simd build:
// sixteen lags per pass, as four vectors of four consecutive lags, each lane
// summing a_j·y[n-w-lag+j] over j in order with a separate multiply and
// add (bit for bit ptCrossRange's sums). It writes xy[:k] for k a multiple
// of 16 and returns k; the caller does the rest.
func ptCrossRangeSIMD(xy, y []float64, w, lo int) int {
	if !simdFIR {
		return 0
	}
	const l = 4
	n := len(y)
	a := y[n-w:]
	k := len(xy) / (4 * l) * (4 * l)
	for i := 0; i < k; i += 4 * l {
		lag := lo + i
		// lane m of vector v is lag + 4v + 3 - m
		b0 := y[n-w-lag-3 : n-lag][:len(a)+3]
		b1 := y[n-w-lag-7 : n-lag-4][:len(a)+3]
		b2 := y[n-w-lag-11 : n-lag-8][:len(a)+3]
		b3 := y[n-w-lag-15 : n-lag-12][:len(a)+3]
		zero := archsimd.BroadcastFloat64x4(0)
		s0, s1, s2, s3 := zero, zero, zero, zero
		for j, v := range a {
			vv := archsimd.BroadcastFloat64x4(v)
			s0 = s0.Add(vv.Mul(archsimd.LoadFloat64x4((*[l]float64)(b0[j:]))))
			s1 = s1.Add(vv.Mul(archsimd.LoadFloat64x4((*[l]float64)(b1[j:]))))
			s2 = s2.Add(vv.Mul(archsimd.LoadFloat64x4((*[l]float64)(b2[j:]))))
			s3 = s3.Add(vv.Mul(archsimd.LoadFloat64x4((*[l]float64)(b3[j:]))))
		}
		var t [4][l]float64
		s0.Store(&t[0])
		s1.Store(&t[1])
		s2.Store(&t[2])
		s3.Store(&t[3])
		for v := range 4 {
			for m := range l {
				xy[i+v*l+m] = t[v][l-1-m]
			}
		}
	}
	archsimd.ClearAVXUpperBits()
	return k
}
