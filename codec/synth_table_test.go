package codec

import (
	"math/rand/v2"
	"testing"

	"github.com/vqspeak/vqspeak/features"
)

// TestVoicingBinsMatchInterpBands checks that prepare's table gives what
// interpBands does, bit for bit, at every bin.
func TestVoicingBinsMatchInterpBands(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	binHz := float64(features.SampleRate) / synthN
	for range 100 {
		var v [features.NumVoicingBands]float32
		for b := range v {
			v[b] = rng.Float32()
		}
		for k := range voicingBins {
			bt := &voicingBins[k]
			got := (1-bt.t)*float64(v[bt.b]) + bt.t*float64(v[bt.b+1])
			if want := interpBands(&v, float64(k)*binHz); got != want {
				t.Fatalf("bin %d: %v, want %v", k, got, want)
			}
		}
	}
}
