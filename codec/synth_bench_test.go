package codec

import (
	"fmt"
	"testing"

	"github.com/vqspeak/vqspeak/features"
)

// BenchmarkSynthHop renders voiced hops at a steady pitch: the decoder's
// cost per hop grows with the number of pulses (README, speed work, round 8).
func BenchmarkSynthHop(b *testing.B) {
	for _, f0 := range []float64{120, 200, 300, 400} {
		b.Run(fmt.Sprintf("f0=%g", f0), func(b *testing.B) {
			s := NewSynthesizer(DefaultPostfilter)
			var fr [2]features.Frame
			for i := range fr {
				fr[i].F0 = f0 * (1 + 0.05*float64(i))
				fr[i].MCep[0] = -3
				fr[i].MCep[1] = 1
				fr[i].MCep[2] = float32(0.3 * float64(i))
				for k := range fr[i].Voicing {
					fr[i].Voicing[k] = 0.7
				}
			}
			dst := make([]float32, features.HopSize)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				s.Hop(dst, &fr[i&1])
			}
		})
	}
}
