package features

// firFilter writes y[i] = Σ_k h[k]·x[i+k] for every i in y (x must hold
// len(y)+len(h)-1 samples), summed in float32 in the order k = 0, 1, ….
//
// Four outputs are computed at a time. Each output is still one sum over k
// in the same order, so the result is bit for bit that of one output at a
// time; the four independent sums only keep the FPU from waiting on a single
// chain of additions (about 3× faster for the 33- and 65-tap filters here).
//
// In a GOEXPERIMENT=simd build, firFilterSIMD computes the outputs 32 at a
// time first, with the same sums.
func firFilter(y []float64, x, h []float32) {
	L := len(h)
	i := firFilterSIMD(y, x, h)
	for ; i+4 <= len(y); i += 4 {
		x0 := x[i : i+L]
		x1 := x[i+1 : i+1+L]
		x2 := x[i+2 : i+2+L]
		x3 := x[i+3 : i+3+L]
		var s0, s1, s2, s3 float32
		for k, v := range h {
			s0 += v * x0[k]
			s1 += v * x1[k]
			s2 += v * x2[k]
			s3 += v * x3[k]
		}
		y[i], y[i+1], y[i+2], y[i+3] = float64(s0), float64(s1), float64(s2), float64(s3)
	}
	for ; i < len(y); i++ {
		xx := x[i : i+L]
		var s float32
		for k, v := range h {
			s += v * xx[k]
		}
		y[i] = float64(s)
	}
}

// firCache keeps the filtered samples of an input that moves by a known
// number of samples between calls: the Analyzer's buffer moves one hop per
// push, so consecutive frames filter mostly the same samples, and each call
// filters only those it has not filtered before. A filtered sample depends
// only on the taps and the input samples under them, and firFilter computes
// it the same way every time, so reused samples are bit for bit those a
// full recomputation would give.
//
// y[i] is the filtered sample ending len(y)-i samples before the span's
// end; y[lo:hi] are valid.
type firCache struct {
	y      []float64
	lo, hi int
}

func newFIRCache(n int) firCache { return firCache{y: make([]float64, n)} }

// shift records that the input moved k samples towards the past (k new
// samples appended at its end): kept samples move k places down.
func (c *firCache) shift(k int) {
	c.lo, c.hi = max(c.lo-k, 0), max(c.hi-k, 0)
	if c.hi <= c.lo {
		c.lo, c.hi = 0, 0
		return
	}
	copy(c.y[c.lo:c.hi], c.y[c.lo+k:c.hi+k])
}

// reset forgets every kept sample.
func (c *firCache) reset() { c.lo, c.hi = 0, 0 }

// filter returns the n samples of h applied to buf whose span ends at end
// (exclusive): out[i] = Σ_k h[k]·buf[end-n+i-half+k], half = len(h)/2.
func (c *firCache) filter(buf []float32, end, n int, h []float32) []float64 {
	H := len(c.y)
	half := len(h) / 2
	// fill computes y[a:b].
	fill := func(a, b int) {
		s := end - H + a - half // first input sample under y[a]
		firFilter(c.y[a:b], buf[s:s+(b-a)+len(h)-1], h)
	}
	need := H - n
	if c.hi <= c.lo || c.hi < need { // nothing kept touches the span
		c.lo, c.hi = H, H
	}
	if c.hi < H {
		fill(c.hi, H)
		c.hi = H
	}
	if need < c.lo {
		fill(need, c.lo)
		c.lo = need
	}
	return c.y[need:]
}
