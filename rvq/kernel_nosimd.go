//go:build !(goexperiment.simd && amd64)

package rvq

// simdHeads is false without GOEXPERIMENT=simd on amd64: scoreBound24 sums
// the first boundSplit dimensions and selects in its scalar loops (see
// kernel_simd.go).
const simdHeads = false

func headsBound(dst, q, th, cn, ct []float32, qt, thr float32, surv []int32) int {
	panic("rvq: headsBound without SIMD")
}
