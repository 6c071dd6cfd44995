package features

import (
	"math/rand/v2"
	"testing"
)

// TestToLogSpectrum2 checks that the two-at-once evaluation gives each
// spectrum bit for bit as ToLogSpectrum does.
func TestToLogSpectrum2(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	mc := NewMelCepstrum(EnvelopeFFTSize, MCepOrder, MCepAlpha)
	bins := EnvelopeFFTSize/2 + 1
	a, b := make([]float32, MCepOrder+1), make([]float32, MCepOrder+1)
	la, lb, wa, wb := make([]float64, bins), make([]float64, bins), make([]float64, bins), make([]float64, bins)
	for range 50 {
		for m := range a {
			a[m] = float32(rng.NormFloat64())
			b[m] = float32(rng.NormFloat64())
		}
		mc.ToLogSpectrum2(la, lb, a, b)
		mc.ToLogSpectrum(wa, a)
		mc.ToLogSpectrum(wb, b)
		for k := range la {
			if la[k] != wa[k] || lb[k] != wb[k] {
				t.Fatalf("bin %d: %v %v, want %v %v", k, la[k], lb[k], wa[k], wb[k])
			}
		}
	}
}

func BenchmarkToLogSpectrum2(b *testing.B) {
	mc := NewMelCepstrum(EnvelopeFFTSize, MCepOrder, MCepAlpha)
	bins := EnvelopeFFTSize/2 + 1
	c := make([]float32, MCepOrder+1)
	for m := range c {
		c[m] = 1 / float32(m+1)
	}
	la, lb := make([]float64, bins), make([]float64, bins)
	b.Run("pair", func(b *testing.B) {
		for b.Loop() {
			mc.ToLogSpectrum2(la, lb, c, c)
		}
	})
	b.Run("twice", func(b *testing.B) {
		for b.Loop() {
			mc.ToLogSpectrum(la, c)
			mc.ToLogSpectrum(lb, c)
		}
	})
}
