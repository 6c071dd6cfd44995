package features

import (
	"math"
	"testing"
)

// TestBVBankMatchesBandpass checks the bank's bands, for the codec's edges
// (shared groups) and for other edges (one group per low-pass), against
// one float64 band-pass FIR per band with the same windowed-sinc taps:
// equal up to float64 rounding.
func TestBVBankMatchesBandpass(t *testing.T) {
	const half = SampleRate / 500
	x := ptNoise(600+2*half, 0.3, 5)
	for e, edges := range [][]float64{
		VoicingBandEdges[:],
		{0, 500, 1000, 1500, 2000, 3000, 4000, 5000, 6000, 7000, 8000},
		{300, 1700, 9000},
	} {
		bank := newBVBank(SampleRate, edges, half, 600)
		if shared := bank.shared != nil; shared != (e == 0) {
			t.Fatalf("edges %v: shared groups %v", edges, shared)
		}
		got := make([][]float64, len(edges)-1)
		for i := range got {
			got[i] = make([]float64, 600)
		}
		bank.fill(got, x, 600)
		nyq := float64(SampleRate) / 2
		for band := range got {
			lo := min(edges[band], nyq) / SampleRate
			hi := min(edges[band+1], nyq) / SampleRate
			h := bvBandpass64(2*half+1, lo, hi)
			for i, g := range got[band] {
				var s, a float64
				for k, v := range h {
					s += v * float64(x[i+k])
					a += math.Abs(v * float64(x[i+k]))
				}
				if math.Abs(g-s) > 1e-13*a {
					t.Fatalf("edges %v band %d output %d: %v, band-pass %v", edges, band, i, g, s)
				}
			}
		}
	}
}

// bvBandpass64 is bvBandpass in float64.
func bvBandpass64(n int, lo, hi float64) []float64 {
	m := n / 2
	out := make([]float64, n)
	lp := func(fc float64, k float64) float64 {
		if fc <= 0 {
			return 0
		}
		if fc >= 0.5 {
			if k == 0 {
				return 1
			}
			return 0
		}
		if k == 0 {
			return 2 * fc
		}
		return math.Sin(2*math.Pi*fc*k) / (math.Pi * k)
	}
	for i := range out {
		k := float64(i - m)
		out[i] = (lp(hi, k) - lp(lo, k)) * (0.54 - 0.46*math.Cos(2*math.Pi*float64(i)/float64(n-1)))
	}
	return out
}

// TestBVBankNearFloat32Bandpass checks that the bank measures what the
// float32 band-pass FIRs it replaced measured: every band within 1e-6 of
// the signal's scale.
func TestBVBankNearFloat32Bandpass(t *testing.T) {
	const half = SampleRate / 500
	x := ptNoise(400+2*half, 0.3, 6)
	bank := newBVBank(SampleRate, VoicingBandEdges[:], half, 400)
	got := make([][]float64, NumVoicingBands)
	for i := range got {
		got[i] = make([]float64, 400)
	}
	bank.fill(got, x, 400)
	for band := range got {
		h := bvBandpass(2*half+1, VoicingBandEdges[band]/SampleRate, VoicingBandEdges[band+1]/SampleRate)
		want := make([]float64, 400)
		firFilter(want, x, h)
		for i, g := range got[band] {
			if math.Abs(g-want[i]) > 1e-6 {
				t.Fatalf("band %d output %d: %v, float32 band-pass %v", band, i, g, want[i])
			}
		}
	}
}

// BenchmarkBVBankFill is the band filters' work per 10 ms hop in stream
// mode: 160 new outputs of every band.
func BenchmarkBVBankFill(b *testing.B) {
	const half = SampleRate / 500
	x := ptNoise(HopSize+2*half, 0.3, 7)
	bank := newBVBank(SampleRate, VoicingBandEdges[:], half, HopSize)
	y := make([][]float64, NumVoicingBands)
	for i := range y {
		y[i] = make([]float64, HopSize)
	}
	for b.Loop() {
		bank.fill(y, x, HopSize)
	}
}

// BenchmarkBandpassFIRs is what BenchmarkBVBankFill replaced: five 65-tap
// float32 band-pass FIRs over 160 outputs.
func BenchmarkBandpassFIRs(b *testing.B) {
	const half = SampleRate / 500
	x := ptNoise(HopSize+2*half, 0.3, 7)
	var h [][]float32
	for band := range NumVoicingBands {
		h = append(h, bvBandpass(2*half+1, VoicingBandEdges[band]/SampleRate, VoicingBandEdges[band+1]/SampleRate))
	}
	y := make([]float64, HopSize)
	for b.Loop() {
		for _, hb := range h {
			firFilter(y, x, hb)
		}
	}
}
