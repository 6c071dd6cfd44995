package rvq

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// bruteForce returns the best full path by exhaustive search and its
// distance (normalised units), the slow obvious reference.
func bruteForce(cb *Codebook, x []float32, stages int) ([]int, float64) {
	xn := cb.Normalize(nil, x)
	w := cb.weightsOrOnes()
	best := math.Inf(1)
	var bestIdx []int
	idx := make([]int, stages)
	var rec func(st int, r []float32)
	rec = func(st int, r []float32) {
		if st == stages {
			var d float64
			for j, v := range r {
				d += float64(w[j]) * float64(v) * float64(v)
			}
			if d < best {
				best, bestIdx = d, append([]int(nil), idx...)
			}
			return
		}
		for i := 0; i < cb.Size; i++ {
			idx[st] = i
			nr := append([]float32(nil), r...)
			subEntry(nr, cb.Stages[st], i)
			rec(st+1, nr)
		}
	}
	rec(0, xn)
	return bestIdx, best
}

// greedyRef is the obvious greedy search with direct distances.
func greedyRef(cb *Codebook, x []float32, stages int) []int {
	r := cb.Normalize(nil, x)
	w := cb.weightsOrOnes()
	idx := make([]int, stages)
	for st := 0; st < stages; st++ {
		bd := math.Inf(1)
		for i := 0; i < cb.Size; i++ {
			if d := float64(wdist(r, cb.Entry(st, i), w)); d < bd {
				bd, idx[st] = d, i
			}
		}
		subEntry(r, cb.Stages[st], idx[st])
	}
	return idx
}

func TestGreedyMatchesReference(t *testing.T) {
	cb := randomCodebook(5, 6, 37, 3, true) // size not a multiple of 4: kernel tail
	s := NewSearcher(cb, 1)
	r := rand.New(rand.NewPCG(9, 9))
	idx := make([]int, 3)
	x := make([]float32, 6)
	mismatch := 0
	for n := 0; n < 500; n++ {
		for j := range x {
			x[j] = float32(r.NormFloat64() * 2)
		}
		s.Encode(idx, x, 3)
		want := greedyRef(cb, x, 3)
		for st := range want {
			if want[st] != idx[st] {
				mismatch++
				break
			}
		}
	}
	// float rounding of the expanded distance may flip near-ties only
	if mismatch > 2 {
		t.Fatalf("%d of 500 greedy paths differ from the reference", mismatch)
	}
}

func TestBeamExhaustive(t *testing.T) {
	// With beam >= Size^(stages-1) the beam search is exhaustive.
	cb := randomCodebook(6, 4, 4, 3, true)
	s := NewSearcher(cb, 16)
	r := rand.New(rand.NewPCG(3, 3))
	idx := make([]int, 3)
	x := make([]float32, 4)
	for n := 0; n < 200; n++ {
		for j := range x {
			x[j] = float32(r.NormFloat64() * 2)
		}
		d := s.Encode(idx, x, 3)
		_, want := bruteForce(cb, x, 3)
		if math.Abs(float64(d)-want) > 1e-4*(1+want) {
			t.Fatalf("beam %v, exhaustive %v", d, want)
		}
	}
}

func TestBeamNoWorseThanGreedy(t *testing.T) {
	data := mixture(4, 3000, 8, 16, 1)
	cb, _ := mustTrain(t, data, 8, TrainOptions{Stages: 3, Size: 16, Seed: 1, Normalize: true, RefinePasses: -1})
	var prev float64
	for i, beam := range []int{1, 2, 4, 8} {
		st := Stats(cb, data, 3, beam)
		d := st[2].Distortion
		t.Logf("beam %d: distortion %.5f", beam, d)
		if i > 0 && d > prev*(1+1e-6) {
			t.Errorf("beam %d distortion %v > beam/2 %v", beam, d, prev)
		}
		prev = d
	}
	// per vector, beam 8 never loses to greedy
	g, b := NewSearcher(cb, 1), NewSearcher(cb, 8)
	idx := make([]int, 3)
	for i := 0; i < 3000; i++ {
		x := data[i*8 : i*8+8]
		dg, db := g.Encode(idx, x, 3), b.Encode(idx, x, 3)
		if db > dg*(1+1e-5)+1e-6 {
			t.Fatalf("vector %d: beam %v > greedy %v", i, db, dg)
		}
	}
}

func TestEncodeDecodeConsistent(t *testing.T) {
	cb := randomCodebook(8, 10, 64, 4, true)
	r := rand.New(rand.NewPCG(1, 2))
	x := make([]float32, 10)
	xn := make([]float32, 10)
	rn := make([]float32, 10)
	idx := make([]int, 4)
	for _, beam := range []int{1, 4} {
		s := NewSearcher(cb, beam)
		for n := 0; n < 200; n++ {
			for j := range x {
				x[j] = float32(r.NormFloat64())
			}
			stages := 1 + n%4
			d := s.Encode(idx, x, stages)
			rec, err := cb.Decode(nil, idx[:stages])
			if err != nil {
				t.Fatal(err)
			}
			cb.Normalize(xn, x)
			cb.Normalize(rn, rec)
			got := wdist(xn, rn, cb.Weights)
			if math.Abs(float64(got-d)) > 1e-4*(1+float64(d)) {
				t.Fatalf("beam %d stages %d: Encode dist %v, decoded error %v", beam, stages, d, got)
			}
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	cb := randomCodebook(1, 3, 8, 2, false)
	tests := []struct {
		idx []int
		ok  bool
	}{
		{[]int{}, true}, {[]int{7}, true}, {[]int{0, 7}, true},
		{[]int{8}, false}, {[]int{-1}, false}, {[]int{0, 0, 0}, false},
	}
	for _, tc := range tests {
		_, err := cb.Decode(nil, tc.idx)
		if tc.ok != (err == nil) || (!tc.ok && !errors.Is(err, ErrIndexRange)) {
			t.Errorf("Decode(%v): %v", tc.idx, err)
		}
		if cb.Valid(tc.idx) != tc.ok {
			t.Errorf("Valid(%v) = %v", tc.idx, !tc.ok)
		}
	}
}

func TestNormalizeRoundTrip(t *testing.T) {
	cb := randomCodebook(2, 5, 2, 1, true)
	x := []float32{1, -2, 3.5, 0, 7}
	y := cb.Denormalize(nil, cb.Normalize(nil, x))
	for j := range x {
		if math.Abs(float64(x[j]-y[j])) > 1e-5 {
			t.Fatalf("%v -> %v", x, y)
		}
	}
}

func TestZeroAllocs(t *testing.T) {
	cb := randomCodebook(1, 24, 64, 4, true)
	x := make([]float32, 24)
	for j := range x {
		x[j] = float32(j) / 10
	}
	idx := make([]int, 4)
	dst := make([]float32, 24)
	for _, beam := range []int{1, 4} {
		s := NewSearcher(cb, beam)
		if a := testing.AllocsPerRun(50, func() { s.Encode(idx, x, 4) }); a != 0 {
			t.Errorf("beam %d: Encode allocates %v", beam, a)
		}
	}
	if a := testing.AllocsPerRun(50, func() { cb.Decode(dst, idx) }); a != 0 {
		t.Errorf("Decode allocates %v", a)
	}
}
