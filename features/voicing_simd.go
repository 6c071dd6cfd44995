//go:build goexperiment.simd && amd64

package features

import "simd/archsimd"

// bvCorr3SIMD is bvCorr3 in a GOEXPERIMENT=simd build (simdFIR: AVX2): the
// three lags' samples are lanes 2, 1 and 0 of four consecutive samples of
// y (lane 3 is the unused lag-1), and every sum (the means, the window's
// energy in a broadcast lane, the cross terms and energies) runs over the
// samples in order with separate multiplies and adds, so the values are
// bvCorr3's bit for bit. ok is false when the kernel is not available.
func bvCorr3SIMD(y []float64, w, lag int, demean bool) (r [3]float64, ok bool) {
	if !simdFIR {
		return r, false
	}
	const l = 4
	n := len(y)
	a := y[n-w:]
	c := y[n-w-lag-2 : n-lag+1][:len(a)+3] // c[i+m]: lag+2-m samples earlier
	zero := archsimd.BroadcastFloat64x4(0)
	var ms [l]float64 // lag+2, lag+1, lag, unused
	ma := 0.0
	if demean {
		sa, sm := zero, zero
		for i, v := range a {
			sa = sa.Add(archsimd.BroadcastFloat64x4(v))
			sm = sm.Add(archsimd.LoadFloat64x4((*[l]float64)(c[i:])))
		}
		var ta [l]float64
		sa.Store(&ta)
		sm.Store(&ms)
		ma = ta[0] / float64(w)
		for m := range ms {
			ms[m] /= float64(w)
		}
		ms[l-1] = 0
	}
	mav := archsimd.BroadcastFloat64x4(ma)
	mv := archsimd.LoadFloat64x4(&ms)
	ea, xy, e := zero, zero, zero
	for i, v := range a {
		vv := archsimd.BroadcastFloat64x4(v).Sub(mav)
		u := archsimd.LoadFloat64x4((*[l]float64)(c[i:])).Sub(mv)
		ea = ea.Add(vv.Mul(vv))
		xy = xy.Add(vv.Mul(u))
		e = e.Add(u.Mul(u))
	}
	var te, tx, tc [l]float64
	ea.Store(&te)
	xy.Store(&tx)
	e.Store(&tc)
	archsimd.ClearAVXUpperBits()
	for k := range 3 {
		r[k] = bvNorm(tx[2-k], te[0], tc[2-k])
	}
	return r, true
}
