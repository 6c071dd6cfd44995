package codec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestWeightGramFlat checks the numerical integral: with the weight 1
// everywhere the cosines are orthonormal, so M is the identity.
func TestWeightGramFlat(t *testing.T) {
	m := weightGram(func(float64) float64 { return 1 })
	for i := range EnvelopeDim {
		for j := range EnvelopeDim {
			want := 0.0
			if i == j {
				want = 1
			}
			if d := math.Abs(m[i*EnvelopeDim+j] - want); d > 1e-9 {
				t.Fatalf("M[%d][%d] = %g, want %g", i, j, m[i*EnvelopeDim+j], want)
			}
		}
	}
}

// TestWeightedDistance checks that |UΔc|² is the weighted log-spectral
// distance, summed directly over the warped axis, and that the weighting
// counts an error above weightTo less than the same error below weightFrom.
func TestWeightedDistance(t *testing.T) {
	u := weighting()
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		dc := make([]float32, EnvelopeDim)
		for i := range dc {
			dc[i] = float32(rng.NormFloat64() / float64(i+1))
		}
		var direct float64
		warpedGrid(8192, func(wt, f float64) {
			var s float64
			for i, c := range dc {
				s += 2 * float64(c) * math.Cos(float64(i+1)*wt)
			}
			direct += envWeight(f) * s * s / 8192 / 2
		})
		x := append([]float32(nil), dc...)
		applyUpper(x, u)
		var got float64
		for _, v := range x {
			got += float64(v * v)
		}
		if math.Abs(got-direct) > 1e-3*direct {
			t.Errorf("|UΔc|² = %g, the weighted distance %g", got, direct)
		}
	}
	if envWeight(weightFrom) != 1 || envWeight(weightTo) != weightHigh || !(weightHigh < 1) {
		t.Errorf("envWeight: %g at %g Hz, %g at %g Hz", envWeight(weightFrom), weightFrom, envWeight(weightTo), weightTo)
	}
}

// TestEnvSearcherDistance checks that the weighted search returns indices
// of the original codebook and the weighted distance of their decoding.
func TestEnvSearcherDistance(t *testing.T) {
	cb := DefaultCodebook()
	s := newEnvSearcher(cb, DefaultBeam)
	u := weighting()
	rng := rand.New(rand.NewPCG(3, 4))
	idx := make([]int, 4)
	for range 20 {
		x := make([]float32, EnvelopeDim)
		for i := range x {
			x[i] = float32(rng.NormFloat64() * 0.3 / float64(i+1))
		}
		dist := s.Encode(idx, x, 4)
		dec, err := cb.Decode(nil, idx)
		if err != nil {
			t.Fatal(err)
		}
		for i := range dec {
			dec[i] = x[i] - dec[i]
		}
		applyUpper(dec, u)
		var want float32
		for _, v := range dec {
			want += v * v
		}
		if math.Abs(float64(dist-want)) > 1e-4*float64(want)+1e-6 {
			t.Errorf("distance %g, the decoded indices' weighted error %g", dist, want)
		}
	}
}

// BenchmarkNewEncoder measures the constructor, which now also makes the
// weighted copy of the codebook and its searcher.
func BenchmarkNewEncoder(b *testing.B) {
	cb := DefaultCodebook()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewEncoder(cb, DefaultStages); err != nil {
			b.Fatal(err)
		}
	}
}

// TestWeightedCodebookCache checks that encoders of equal codebooks share
// one weighted copy and that another codebook gets its own.
func TestWeightedCodebookCache(t *testing.T) {
	a := weightedCodebook(DefaultCodebook())
	if b := weightedCodebook(DefaultCodebook()); a != b {
		t.Error("two copies of the default codebook got two weighted copies")
	}
	other := DefaultCodebook()
	other.Stages[1][5] += 0.25
	w := weightedCodebook(other)
	if w == a {
		t.Fatal("a changed codebook got the cached weighted copy")
	}
	want := append([]float32(nil), other.Stages[1][:EnvelopeDim]...)
	applyUpper(want, weighting())
	for i, v := range want {
		if w.Stages[1][i] != v {
			t.Fatalf("entry 0 of stage 1: %v, want %v", w.Stages[1][:EnvelopeDim], want)
		}
	}
}

// TestUnweightCodebook checks that UnweightCodebook undoes WeightEnvelopes
// (the map of `vqspeak train -weighted`) and that the weighted vectors'
// plain distances are the encoder's weighted ones.
func TestUnweightCodebook(t *testing.T) {
	cb := DefaultCodebook()
	orig := cb.Clone()
	for _, st := range cb.Stages {
		WeightEnvelopes(st)
	}
	w := weightedCodebook(orig)
	for s := range cb.Stages {
		for i, v := range cb.Stages[s] {
			if v != w.Stages[s][i] {
				t.Fatalf("stage %d value %d: WeightEnvelopes %g, the encoder's weighted copy %g", s, i, v, w.Stages[s][i])
			}
		}
	}
	UnweightCodebook(cb)
	for s := range cb.Stages {
		for i, v := range cb.Stages[s] {
			want := orig.Stages[s][i]
			if math.Abs(float64(v-want)) > 1e-5*(1+math.Abs(float64(want))) {
				t.Fatalf("stage %d value %d: %g after the round trip, want %g", s, i, v, want)
			}
		}
	}
}
