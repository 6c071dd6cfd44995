package rvq

import "math"

// The search kernels use the expansion
//
//	sum_j w_j (x_j - c_j)² = sum_j w_j x_j² - sum_j q_j c_j + ||c||²_w,   q = 2·w·x
//
// so the per-entry cost is one dot product over precomputed q and the
// precomputed weighted norm ||c||²_w; the x-only term is constant per query.
// Entries are processed four at a time so that each q_j load feeds four
// independent accumulator chains.

// weightedNorms writes ||c_i||²_w for every entry of a stage into dst.
func weightedNorms(dst, stage, w []float32, dim int) {
	w = w[:dim]
	for i := range dst {
		c := stage[i*dim : i*dim+dim]
		c = c[:len(w)]
		var s float32
		for j, v := range c {
			s += w[j] * v * v
		}
		dst[i] = s
	}
}

// makeQuery writes q = 2·w·r.
func makeQuery(q, r, w []float32) {
	r = r[:len(q)]
	w = w[:len(q)]
	for j := range q {
		q[j] = 2 * w[j] * r[j]
	}
}

// wdist returns sum_j w_j (a_j-b_j)².
func wdist(a, b, w []float32) float32 {
	b = b[:len(a)]
	w = w[:len(a)]
	var s float32
	for j, v := range a {
		d := v - b[j]
		s += w[j] * d * d
	}
	return s
}

// wnorm returns sum_j w_j a_j².
func wnorm(a, w []float32) float32 {
	w = w[:len(a)]
	var s float32
	for j, v := range a {
		s += w[j] * v * v
	}
	return s
}

// nearest returns the entry minimising ||c||²_w - q·c (lowest index on ties)
// and that score. len(q) is the dimension; len(cn) the number of entries.
func nearest(q, stage, cn []float32) (int, float32) {
	dim := len(q)
	k := len(cn)
	best, bestScore := 0, float32(math.Inf(1))
	i := 0
	for ; i+4 <= k; i += 4 {
		blk := stage[i*dim : (i+4)*dim]
		c0 := blk[0*dim : 1*dim]
		c1 := blk[1*dim : 2*dim]
		c2 := blk[2*dim : 3*dim]
		c3 := blk[3*dim : 4*dim]
		c0, c1, c2, c3 = c0[:len(q)], c1[:len(q)], c2[:len(q)], c3[:len(q)]
		var s0, s1, s2, s3 float32
		for j, qj := range q {
			s0 += qj * c0[j]
			s1 += qj * c1[j]
			s2 += qj * c2[j]
			s3 += qj * c3[j]
		}
		n := cn[i : i+4]
		if v := n[0] - s0; v < bestScore {
			best, bestScore = i, v
		}
		if v := n[1] - s1; v < bestScore {
			best, bestScore = i+1, v
		}
		if v := n[2] - s2; v < bestScore {
			best, bestScore = i+2, v
		}
		if v := n[3] - s3; v < bestScore {
			best, bestScore = i+3, v
		}
	}
	for ; i < k; i++ {
		c := stage[i*dim : i*dim+dim]
		c = c[:len(q)]
		var s float32
		for j, qj := range q {
			s += qj * c[j]
		}
		if v := cn[i] - s; v < bestScore {
			best, bestScore = i, v
		}
	}
	return best, bestScore
}

// scoreAll writes ||c_i||²_w - q·c_i for every entry into dst (len(cn)).
func scoreAll(dst, q, stage, cn []float32) {
	dim := len(q)
	k := len(cn)
	dst = dst[:k]
	i := 0
	if dim == kernelDim {
		i = scoreAll24(dst, q, stage, cn)
	}
	for ; i+4 <= k; i += 4 {
		blk := stage[i*dim : (i+4)*dim]
		c0 := blk[0*dim : 1*dim]
		c1 := blk[1*dim : 2*dim]
		c2 := blk[2*dim : 3*dim]
		c3 := blk[3*dim : 4*dim]
		c0, c1, c2, c3 = c0[:len(q)], c1[:len(q)], c2[:len(q)], c3[:len(q)]
		var s0, s1, s2, s3 float32
		for j, qj := range q {
			s0 += qj * c0[j]
			s1 += qj * c1[j]
			s2 += qj * c2[j]
			s3 += qj * c3[j]
		}
		n := cn[i : i+4]
		d := dst[i : i+4]
		d[0] = n[0] - s0
		d[1] = n[1] - s1
		d[2] = n[2] - s2
		d[3] = n[3] - s3
	}
	for ; i < k; i++ {
		c := stage[i*dim : i*dim+dim]
		c = c[:len(q)]
		var s float32
		for j, qj := range q {
			s += qj * c[j]
		}
		dst[i] = cn[i] - s
	}
}

// nearest2 is nearest that also returns the runner-up entry (-1 if k == 1),
// which gives the lower bound used to skip searches in Lloyd iterations.
func nearest2(q, stage, cn []float32) (best, second int) {
	dim := len(q)
	k := len(cn)
	best, second = 0, -1
	b1, b2 := float32(math.Inf(1)), float32(math.Inf(1))
	consider := func(i int, v float32) {
		if v < b2 {
			if v < b1 {
				second, b2 = best, b1
				best, b1 = i, v
			} else {
				second, b2 = i, v
			}
		}
	}
	i := 0
	for ; i+4 <= k; i += 4 {
		blk := stage[i*dim : (i+4)*dim]
		c0 := blk[0*dim : 1*dim]
		c1 := blk[1*dim : 2*dim]
		c2 := blk[2*dim : 3*dim]
		c3 := blk[3*dim : 4*dim]
		c0, c1, c2, c3 = c0[:len(q)], c1[:len(q)], c2[:len(q)], c3[:len(q)]
		var s0, s1, s2, s3 float32
		for j, qj := range q {
			s0 += qj * c0[j]
			s1 += qj * c1[j]
			s2 += qj * c2[j]
			s3 += qj * c3[j]
		}
		n := cn[i : i+4]
		if v := n[0] - s0; v < b2 {
			consider(i, v)
		}
		if v := n[1] - s1; v < b2 {
			consider(i+1, v)
		}
		if v := n[2] - s2; v < b2 {
			consider(i+2, v)
		}
		if v := n[3] - s3; v < b2 {
			consider(i+3, v)
		}
	}
	for ; i < k; i++ {
		c := stage[i*dim : i*dim+dim]
		c = c[:len(q)]
		var s float32
		for j, qj := range q {
			s += qj * c[j]
		}
		if v := cn[i] - s; v < b2 {
			consider(i, v)
		}
	}
	if best == second { // only when k == 1
		second = -1
	}
	return best, second
}

// kernelDim is the dimension with a specialised kernel: the codec's
// envelope vectors (features.MCepOrder).
const kernelDim = 24

// scoreAll24 is scoreAll's main loop for dim == kernelDim, six entries per
// pass: with the dimension a constant, the entries are constant offsets
// from one pointer and the loop needs no bounds checks, so six accumulator
// chains and their products fit in registers (with four, each pass waits
// on the latency of its additions; with eight, the compiler spills one).
// Each entry is still summed over j in the same order, so every score is
// the same bit for bit. It returns the number of entries scored; the
// caller scores the rest.
func scoreAll24(dst, q, stage, cn []float32) int {
	const d, e = kernelDim, 6
	qa := (*[d]float32)(q)
	k := len(cn) / e * e
	stage = stage[:k*d]
	for i := 0; i < k; i += e {
		b := (*[e * d]float32)(stage[i*d:])
		var s0, s1, s2, s3, s4, s5 float32
		for j := 0; j < d; j++ {
			qj := qa[j]
			s0 += qj * b[0*d+j]
			s1 += qj * b[1*d+j]
			s2 += qj * b[2*d+j]
			s3 += qj * b[3*d+j]
			s4 += qj * b[4*d+j]
			s5 += qj * b[5*d+j]
		}
		n := (*[e]float32)(cn[i:])
		o := (*[e]float32)(dst[i:])
		o[0] = n[0] - s0
		o[1] = n[1] - s1
		o[2] = n[2] - s2
		o[3] = n[3] - s3
		o[4] = n[4] - s4
		o[5] = n[5] - s5
	}
	return k
}

// boundSplit is where scoreBound24 stops to bound an entry's score: after
// the first boundSplit dimensions of the dot product, the rest is bounded by
// Cauchy–Schwarz.
const boundSplit = 16

// tailNorms writes ||c_i[boundSplit:]||_w for every entry of a stage.
func tailNorms(dst, stage, w []float32, dim int) {
	for i := range dst {
		c := stage[i*dim : i*dim+dim]
		var s float64
		for j := boundSplit; j < dim; j++ {
			s += float64(w[j]) * float64(c[j]) * float64(c[j])
		}
		dst[i] = float32(math.Sqrt(s))
	}
}

// scoreBound24 is scoreAll for dim == kernelDim that skips entries which
// cannot score below thr. Each entry's dot product q·c is summed over its
// first boundSplit dimensions (six entries per pass, as scoreAll24); then
//
//	||c||²_w - q·c >= ||c||²_w - q·c[:boundSplit] - qt·ct
//
// with qt >= ||q[boundSplit:]/w||_w, here 2·||r[boundSplit:]||_w, and ct the
// entry's tailNorms, because |sum_j 2 w_j r_j c_j| <= 2·||r_t||_w·||c_t||_w.
// Entries whose bound does not exceed thr go on summing from where they
// stopped, in the same order, so their scores in dst are those of scoreAll
// bit for bit; their indices, ascending, are written to surv[:n] and n is
// returned. The other entries' dst values are meaningless. thr must include
// a margin for the rounding of the bound and of the score (see beamSearch);
// surv needs len(cn) values.
//
// th, when not nil, holds the chunk's entries laid out by transposeHeads
// (from the chunk's first entry, a multiple of 8), and headsBound sums the
// first boundSplit dimensions and selects eight entries at a time instead.
func scoreBound24(dst, q, stage, cn, ct []float32, qt, thr float32, surv []int32, th []float32) int {
	const d, h, e = kernelDim, boundSplit, 6
	qa := (*[d]float32)(q)
	nk := len(cn)
	dst = dst[:nk]
	ct = ct[:nk]
	k := nk / e * e
	stage = stage[:nk*d]
	ns := 0
	if th != nil {
		k = nk / 8 * 8
		ns = headsBound(dst[:k], q, th, cn[:k], ct[:k], qt, thr, surv)
	}
	for i := 0; i < k && th == nil; i += e {
		b := (*[e * d]float32)(stage[i*d:])
		var s0, s1, s2, s3, s4, s5 float32
		for j := 0; j < h; j++ {
			qj := qa[j]
			s0 += qj * b[0*d+j]
			s1 += qj * b[1*d+j]
			s2 += qj * b[2*d+j]
			s3 += qj * b[3*d+j]
			s4 += qj * b[4*d+j]
			s5 += qj * b[5*d+j]
		}
		o := (*[e]float32)(dst[i:])
		o[0], o[1], o[2], o[3], o[4], o[5] = s0, s1, s2, s3, s4, s5
	}
	// keep the entries whose bound does not exceed thr, without branches
	// (which entries survive is unpredictable): append every entry, advance
	// only past survivors
	if th == nil {
		dst, cn, ct, surv := dst[:k], cn[:k], ct[:k], surv[:k]
		for i, v := range dst {
			surv[ns] = int32(i)
			if !(cn[i]-v-qt*ct[i] > thr) {
				ns++
			}
		}
	}
	nsv := ns
	// finish the survivors, four at a time to overlap their addition chains
	sv := surv[:nsv]
	m := 0
	for ; m+4 <= len(sv); m += 4 {
		i0, i1, i2, i3 := int(sv[m]), int(sv[m+1]), int(sv[m+2]), int(sv[m+3])
		c0 := (*[d]float32)(stage[i0*d:])
		c1 := (*[d]float32)(stage[i1*d:])
		c2 := (*[d]float32)(stage[i2*d:])
		c3 := (*[d]float32)(stage[i3*d:])
		s0, s1, s2, s3 := dst[i0], dst[i1], dst[i2], dst[i3]
		for j := h; j < d; j++ {
			qj := qa[j]
			s0 += qj * c0[j]
			s1 += qj * c1[j]
			s2 += qj * c2[j]
			s3 += qj * c3[j]
		}
		dst[i0] = cn[i0] - s0
		dst[i1] = cn[i1] - s1
		dst[i2] = cn[i2] - s2
		dst[i3] = cn[i3] - s3
	}
	for ; m < len(sv); m++ {
		i0 := int(sv[m])
		c0 := (*[d]float32)(stage[i0*d:])
		s0 := dst[i0]
		for j := h; j < d; j++ {
			s0 += qa[j] * c0[j]
		}
		dst[i0] = cn[i0] - s0
	}
	// the last len(cn) % 6 entries in full
	for i := k; i < nk; i++ {
		c := (*[d]float32)(stage[i*d:])
		var s float32
		for j := 0; j < d; j++ {
			s += qa[j] * c[j]
		}
		dst[i] = cn[i] - s
		surv[ns] = int32(i)
		ns++
	}
	return ns
}

// transposeHeads lays out the first boundSplit dimensions of a stage's
// entries for headsBound: for each block of 8 entries (the last size % 8
// entries are left out), dimension j of the 8 entries is contiguous.
func transposeHeads(stage []float32, dim, size int) []float32 {
	const h, l = boundSplit, 8
	nb := size / l
	t := make([]float32, nb*h*l)
	for b := range nb {
		for j := range h {
			for e := range l {
				t[(b*h+j)*l+e] = stage[(b*l+e)*dim+j]
			}
		}
	}
	return t
}
