package stream

import (
	"testing"

	"github.com/vqspeak/vqspeak/codec"
)

// TestFECPadStages: at 1 to 3 stages, whose packets carry pad stages, the
// FEC copies (1-stage packets without the pad) still rebuild every single
// loss, and the packets that arrive decode without error.
func TestFECPadStages(t *testing.T) {
	x := loadClip(t, "librispeech-7312-m.wav")[:3*codec.SampleRate]
	for stages := 1; stages <= 3; stages++ {
		pkts := packetize(t, x, &EncoderConfig{FEC: true, Stages: stages})
		var ds []delivery
		for k, p := range pkts {
			if k%5 != 2 {
				ds = append(ds, delivery{k, p})
			}
		}
		dec := newTestDecoder(t, &fixedDepth1)
		playout(t, dec, ds, len(pkts)+1)
		lost := int64(len(pkts)+2) / 5
		if s := dec.Stats(); s.Recovered != lost || s.Concealed != 0 || s.Invalid != 0 {
			t.Errorf("%d stages: %+v, want %d recovered, none concealed or invalid", stages, s, lost)
		}
	}
}
