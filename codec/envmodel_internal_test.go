package codec

import (
	"testing"

	"github.com/vqspeak/vqspeak/features"
)

// BenchmarkEnvelopeModelApply is the model's cost per packet (the issue's
// budget: 100 µs).
func BenchmarkEnvelopeModelApply(b *testing.B) {
	m := &DefaultEnvelopeModel().envModel
	var pp, p [features.MCepOrder + 1]float32
	var mid, end features.Frame
	for i := range pp {
		pp[i], p[i], end.MCep[i] = 0.1*float32(i), -0.05*float32(i), 0.02*float32(i)
	}
	mid.MCep[0], end.F0 = 1, 120
	b.ReportAllocs()
	for b.Loop() {
		m.apply(4, &pp, &p, true, &mid, &end)
	}
}
