package features

import "math"

// bvBank filters one input into BandVoicing's bands with fewer products
// than one band-pass FIR per band. A band between edges lo and hi is the
// difference of two windowed-sinc low-passes, LP(hi) − LP(lo) (LP(0) = 0,
// LP at the Nyquist frequency passes the signal), so the bank computes
// low-passes and differences them. Their taps are summed in float64 from
// float64 taps, and the taps a sinc has at its zeros (2·fc·k an integer)
// are skipped.
//
// A low-pass is planned as a mix of tap groups (sparse FIRs without a
// centre tap) plus a multiple of the centre sample, and a band is the
// difference of two such mixes: bandY = Σ_g mix[band][g]·group_g +
// centre[band]·x. Each low-pass is one group of its own, except for the
// codec's edges (fs/16, fs/8, fs/4, 3fs/8), where the sinc's symmetries
// let four groups serve four low-passes (bvSharedGroups), and the taps'
// symmetry halves their products: 52 products and 28 sums of sample pairs
// per output sample, and 19 products to mix the bands, instead of the 325
// of five 65-tap band-passes.
type bvBank struct {
	half   int
	shared *bvSharedTaps // the codec's edges: the four groups in one pass
	groups []bvGroup
	mix    [][]float64 // [band][group]
	centre []float64   // [band]: weight of the centre sample
	xf     []float64   // the input span in float64
	gy     [][]float64 // [group]: this fill's group outputs
}

// bvGroup is a sparse FIR: output i is Σ_t h[t]·x[i+off[t]].
type bvGroup struct {
	off []int
	h   []float64
}

// bvWindow is the Hamming window of the band filters at tap k (−half..half).
func bvWindow(k, half int) float64 {
	n := 2*half + 1
	return 0.54 - 0.46*math.Cos(2*math.Pi*float64(k+half)/float64(n-1))
}

// bvSinc is the windowed low-pass tap at k for cutoff fc (cycles per
// sample, 0 < fc < 0.5), exactly 0 at the sinc's zeros.
func bvSinc(fc float64, k, half int) float64 {
	if k == 0 {
		return 2 * fc
	}
	if p := 2 * fc * float64(k); p == math.Round(p) {
		return 0
	}
	return math.Sin(2*math.Pi*fc*float64(k)) / (math.Pi * float64(k)) * bvWindow(k, half)
}

// newBVBank plans the bands between consecutive edges (Hz; clipped to the
// Nyquist frequency) for FIRs of 2·half+1 taps, for fills of up to maxOut
// outputs.
func newBVBank(fs int, edges []float64, half, maxOut int) *bvBank {
	nyq := float64(fs) / 2
	nb := len(edges) - 1
	b := &bvBank{half: half, mix: make([][]float64, nb), centre: make([]float64, nb)}
	// the cutoffs strictly between 0 and Nyquist, in cycles per sample
	var cut []float64
	index := func(e float64) int { // -1: LP = 0, -2: LP = identity
		fc := min(e, nyq) / float64(fs)
		switch {
		case fc <= 0:
			return -1
		case fc >= 0.5:
			return -2
		}
		for i, c := range cut {
			if c == fc {
				return i
			}
		}
		cut = append(cut, fc)
		return len(cut) - 1
	}
	lo := make([]int, nb)
	hi := make([]int, nb)
	for band := range nb {
		lo[band], hi[band] = index(edges[band]), index(edges[band+1])
	}
	// lpMix[j]: low-pass j as weights of the groups, lpCentre[j] its centre tap
	var lpMix [][]float64
	lpCentre := make([]float64, len(cut))
	for j, fc := range cut {
		lpCentre[j] = 2 * fc
	}
	if m, g, ok := bvSharedGroups(cut, half); ok {
		lpMix, b.groups = m, g
		b.shared = newBVSharedTaps(g, half)
	} else {
		for j, fc := range cut {
			var g bvGroup
			for k := -half; k <= half; k++ {
				if v := bvSinc(fc, k, half); k != 0 && v != 0 {
					g.off = append(g.off, k+half)
					g.h = append(g.h, v)
				}
			}
			b.groups = append(b.groups, g)
			row := make([]float64, len(cut))
			row[j] = 1
			lpMix = append(lpMix, row)
		}
	}
	// band = LP(hi) − LP(lo)
	add := func(band, j int, sign float64) {
		switch j {
		case -1:
		case -2:
			b.centre[band] += sign
		default:
			for g, w := range lpMix[j] {
				b.mix[band][g] += sign * w
			}
			b.centre[band] += sign * lpCentre[j]
		}
	}
	for band := range nb {
		b.mix[band] = make([]float64, len(b.groups))
		add(band, hi[band], 1)
		add(band, lo[band], -1)
	}
	b.xf = make([]float64, maxOut+2*half)
	if b.shared != nil {
		return b // filter mixes the bands itself: no group outputs kept
	}
	for range b.groups {
		b.gy = append(b.gy, make([]float64, maxOut))
	}
	return b
}

// bvSharedGroups plans the low-passes at fs/16, fs/8, fs/4 and 3fs/8 (in
// any order; ok is false for any other set) from four groups: all taps of
// LP(fs/16) (G0); the taps of LP(fs/8) at even k (G1), at k ≡ ±1 (G2) and
// k ≡ ±3 (mod 8) (G3). With s(f, k) = sin(2πfk)/(πk), s(3/8, k) =
// −(−1)^k·s(1/8, k), and at odd k s(1/4, k) = 2cos(πk/4)·s(1/8, k) =
// ±√2·s(1/8, k), so LP(fs/8) = G1 + G2 + G3, LP(3fs/8) = −G1 + G2 + G3 and
// LP(fs/4) = √2·(G2 − G3), each plus its centre tap; the window is common.
func bvSharedGroups(cut []float64, half int) (lpMix [][]float64, groups []bvGroup, ok bool) {
	want := []float64{1.0 / 16, 1.0 / 8, 1.0 / 4, 3.0 / 8}
	if len(cut) != len(want) {
		return nil, nil, false
	}
	which := make([]int, len(cut)) // cut[j] is want[which[j]]
	for j, fc := range cut {
		which[j] = -1
		for w, f := range want {
			if fc == f {
				which[j] = w
			}
		}
		if which[j] < 0 {
			return nil, nil, false
		}
	}
	groups = make([]bvGroup, 4)
	for k := -half; k <= half; k++ {
		if k == 0 {
			continue
		}
		if v := bvSinc(1.0/16, k, half); v != 0 {
			groups[0].off = append(groups[0].off, k+half)
			groups[0].h = append(groups[0].h, v)
		}
		v := bvSinc(1.0/8, k, half)
		if v == 0 {
			continue
		}
		g := 1
		if k%2 != 0 {
			if r := ((k % 8) + 8) % 8; r == 1 || r == 7 {
				g = 2
			} else {
				g = 3
			}
		}
		groups[g].off = append(groups[g].off, k+half)
		groups[g].h = append(groups[g].h, v)
	}
	mixes := [4][4]float64{
		{1, 0, 0, 0},                    // fs/16
		{0, 1, 1, 1},                    // fs/8
		{0, 0, math.Sqrt2, -math.Sqrt2}, // fs/4
		{0, -1, 1, 1},                   // 3fs/8
	}
	for j := range cut {
		lpMix = append(lpMix, mixes[which[j]][:])
	}
	return lpMix, groups, true
}

// fill writes bands[band][i] for i in [0, n) from x, which holds the n
// outputs' input span: x[i : i+2·half+1] is under output i.
func (b *bvBank) fill(bands [][]float64, x []float32, n int) {
	L := 2 * b.half
	xf := b.xf[:n+L]
	for i, v := range x[:n+L] {
		xf[i] = float64(v)
	}
	if b.shared != nil {
		b.shared.filter(bands, xf, n)
		return
	}
	for g, gr := range b.groups {
		bvGroupFilter(b.gy[g][:n], xf, gr.off, gr.h)
	}
	c := xf[b.half:][:n]
	for band, y := range bands {
		y = y[:n]
		mix := b.mix[band]
		w := b.centre[band]
		for i, v := range c {
			y[i] = w * v
		}
		for g, m := range mix {
			if m == 0 {
				continue
			}
			gy := b.gy[g][:n]
			for i, v := range gy {
				y[i] += m * v
			}
		}
	}
}

// bvGroupFilter writes y[i] = Σ_t h[t]·x[i+off[t]], four outputs at a time.
func bvGroupFilter(y, x []float64, off []int, h []float64) {
	h = h[:len(off)]
	i := 0
	for ; i+4 <= len(y); i += 4 {
		var s0, s1, s2, s3 float64
		for t, o := range off {
			v := h[t]
			xx := x[i+o : i+o+4]
			s0 += v * xx[0]
			s1 += v * xx[1]
			s2 += v * xx[2]
			s3 += v * xx[3]
		}
		y[i], y[i+1], y[i+2], y[i+3] = s0, s1, s2, s3
	}
	for ; i < len(y); i++ {
		var s float64
		for t, o := range off {
			s += h[t] * x[i+o]
		}
		y[i] = s
	}
}

// bvBankCache keeps a bank's band outputs for an input that moves by a
// known number of samples between calls, as firCache does for one FIR:
// y[band][i] is the output ending len(y)-i samples before the span's end;
// y[·][lo:hi] are valid.
type bvBankCache struct {
	bank   *bvBank
	y      [][]float64
	out    [][]float64 // filter's result slices
	lo, hi int
}

func newBVBankCache(bank *bvBank, bands, n int) *bvBankCache {
	c := &bvBankCache{bank: bank, out: make([][]float64, bands)}
	for range bands {
		c.y = append(c.y, make([]float64, n))
	}
	return c
}

// shift records that the input moved k samples towards the past.
func (c *bvBankCache) shift(k int) {
	c.lo, c.hi = max(c.lo-k, 0), max(c.hi-k, 0)
	if c.hi <= c.lo {
		c.lo, c.hi = 0, 0
		return
	}
	for _, y := range c.y {
		copy(y[c.lo:c.hi], y[c.lo+k:c.hi+k])
	}
}

// reset forgets every kept output.
func (c *bvBankCache) reset() { c.lo, c.hi = 0, 0 }

// filter returns, per band, the n outputs whose span ends at end
// (exclusive): out[band][i] is centred on buf[end-n+i].
func (c *bvBankCache) filter(buf []float32, end, n int) [][]float64 {
	H := len(c.y[0])
	half := c.bank.half
	fill := func(a, b int) {
		s := end - H + a - half // first input sample under y[a]
		for band, y := range c.y {
			c.out[band] = y[a:b]
		}
		c.bank.fill(c.out, buf[s:s+(b-a)+2*half], b-a)
	}
	need := H - n
	if c.hi <= c.lo || c.hi < need {
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
	for band, y := range c.y {
		c.out[band] = y[need:]
	}
	return c.out
}

// bvSharedTaps are bvSharedGroups' four groups by distance d = |k| from the
// centre tap (the taps are symmetric, so each is applied to the sum of the
// two samples at ±d), in blocks of eight distances, d = 8b+r: G0 has a
// tap at every r but 0, G1 at r = 2 and 6, G2 at r = 1 and 7, G3 at r = 3
// and 5 (d = 32 is a zero of every group). That is 28 sums of pairs and 52
// products per output instead of 104 products.
type bvSharedTaps struct {
	blocks [4]bvBlock
}

type bvBlock struct {
	g0       [8]float64 // [r]; g0[0] is 0
	g1a, g1b float64    // r = 2, 6
	g2a, g2b float64    // r = 1, 7
	g3a, g3b float64    // r = 3, 5
}

// newBVSharedTaps lays out groups (bvSharedGroups') for half = 32; nil for
// any other half.
func newBVSharedTaps(groups []bvGroup, half int) *bvSharedTaps {
	if half != 32 {
		return nil
	}
	st := &bvSharedTaps{}
	for g, gr := range groups {
		for t, o := range gr.off {
			d := o - half
			if d <= 0 {
				continue // the same taps as at -d
			}
			blk, r := &st.blocks[d/8], d%8
			v := gr.h[t]
			switch g {
			case 0:
				blk.g0[r] = v
			case 1:
				if r == 2 {
					blk.g1a = v
				} else {
					blk.g1b = v
				}
			case 2:
				if r == 1 {
					blk.g2a = v
				} else {
					blk.g2b = v
				}
			case 3:
				if r == 3 {
					blk.g3a = v
				} else {
					blk.g3b = v
				}
			}
		}
	}
	return st
}

// filter writes n outputs of the codec's five bands (bands[0..4]) from x
// (n+64 samples), two outputs at a time: the four groups' sums, then the
// low-passes and their differences (the mix newBVBank plans for them,
// written out).
func (st *bvSharedTaps) filter(bands [][]float64, x []float64, n int) {
	y0, y1, y2, y3, y4 := bands[0][:n], bands[1][:n], bands[2][:n], bands[3][:n], bands[4][:n]
	c := x[32:][:n]
	for i := 0; i < n; i += 2 {
		var a0, a1, b0, b1, c0, c1, d0, d1 float64
		for blk := range st.blocks {
			t := &st.blocks[blk]
			// output i's pair at d = 8·blk+r is lo[8-r] + hi[r];
			// output i+1's is lo[9-r] + hi[r+1]
			lo := x[i+24-8*blk : i+33-8*blk]
			hi := x[i+32+8*blk : i+41+8*blk]
			p0, p1 := lo[7]+hi[1], lo[8]+hi[2] // r = 1
			a0 += t.g0[1] * p0
			a1 += t.g0[1] * p1
			c0 += t.g2a * p0
			c1 += t.g2a * p1
			p0, p1 = lo[6]+hi[2], lo[7]+hi[3] // r = 2
			a0 += t.g0[2] * p0
			a1 += t.g0[2] * p1
			b0 += t.g1a * p0
			b1 += t.g1a * p1
			p0, p1 = lo[5]+hi[3], lo[6]+hi[4] // r = 3
			a0 += t.g0[3] * p0
			a1 += t.g0[3] * p1
			d0 += t.g3a * p0
			d1 += t.g3a * p1
			p0, p1 = lo[4]+hi[4], lo[5]+hi[5] // r = 4
			a0 += t.g0[4] * p0
			a1 += t.g0[4] * p1
			p0, p1 = lo[3]+hi[5], lo[4]+hi[6] // r = 5
			a0 += t.g0[5] * p0
			a1 += t.g0[5] * p1
			d0 += t.g3b * p0
			d1 += t.g3b * p1
			p0, p1 = lo[2]+hi[6], lo[3]+hi[7] // r = 6
			a0 += t.g0[6] * p0
			a1 += t.g0[6] * p1
			b0 += t.g1b * p0
			b1 += t.g1b * p1
			p0, p1 = lo[1]+hi[7], lo[2]+hi[8] // r = 7
			a0 += t.g0[7] * p0
			a1 += t.g0[7] * p1
			c0 += t.g2b * p0
			c1 += t.g2b * p1
		}
		y0[i], y1[i], y2[i], y3[i], y4[i] = bvSharedBands(a0, b0, c0, d0, c[i])
		if i+1 == n { // odd n: the second output is not wanted
			break
		}
		y0[i+1], y1[i+1], y2[i+1], y3[i+1], y4[i+1] = bvSharedBands(a1, b1, c1, d1, c[i+1])
	}
}

// bvSharedBands turns the four groups' sums g0..g3 at one output, and the
// centre sample x, into the five bands (see bvSharedGroups).
func bvSharedBands(g0, g1, g2, g3, x float64) (b0, b1, b2, b3, b4 float64) {
	lp1 := g0 + 0.125*x
	lp2 := g1 + g2 + g3 + 0.25*x
	lp4 := math.Sqrt2*(g2-g3) + 0.5*x
	lp6 := -g1 + g2 + g3 + 0.75*x
	return lp1, lp2 - lp1, lp4 - lp2, lp6 - lp4, x - lp6
}
