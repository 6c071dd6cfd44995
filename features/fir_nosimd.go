//go:build !(goexperiment.simd && amd64)

package features

// simdFIR is false without GOEXPERIMENT=simd on amd64 (see fir_simd.go).
const simdFIR = false

func firFilterSIMD(y []float64, x, h []float32) int { return 0 }

func ptNCCFRangeSIMD(r, y []float64, w, lo int, e0 float64) int { return 0 }

func ptCrossRangeSIMD(xy, y []float64, w, lo int) int { return 0 }
