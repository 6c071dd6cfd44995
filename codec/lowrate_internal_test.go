package codec

import (
	"math/rand/v2"
	"testing"
)

// TestLowRateEnergy checks that the joint choice of the end and middle
// energy codes never does worse over the packet's four frames than the
// nearest end code with the nearest middle offset (the rule before it), and
// that it stays within one code of the nearest.
func TestLowRateEnergy(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, m := range []Mode{Mode800, Mode1200, Mode1600} {
		e, err := NewModeEncoder(DefaultCodebook(), m)
		if err != nil {
			t.Fatal(err)
		}
		w := m.FieldBits(FieldEnergy)
		// cost is the squared c0 error over the four frames of the codes
		// (end field v, middle code k) as the decoder plays them.
		cost := func(v, k uint8) float64 {
			pe := e.pred.energy
			ee := dequantEnergy(int(expand(v, energyBits, w)))
			me := 0.5 * (pe + ee)
			if m.FieldBits(FieldMidEnergy) > 0 {
				me += midEnergyOffsets[k] * energyStep
			}
			d1 := float64(e.f1.MCep[0]) - 0.5*(pe+me)
			d2 := float64(e.mid.MCep[0]) - me
			d3 := float64(e.f3.MCep[0]) - 0.5*(me+ee)
			d4 := float64(e.end.MCep[0]) - ee
			return d1*d1 + d2*d2 + d3*d3 + lowRateEnergyEndWeight*d4*d4
		}
		for range 2000 {
			e.pred.energy = energyMin + r.Float64()*(energyMax-energyMin)
			for _, c := range []*float32{&e.f1.MCep[0], &e.mid.MCep[0], &e.f3.MCep[0], &e.end.MCep[0]} {
				*c = float32(energyMin + r.Float64()*(energyMax-energyMin))
			}
			v, k := e.lowRateEnergy()
			near := reduce(quantEnergy(float64(e.end.MCep[0])), energyBits, w)
			var nk uint8
			if m.FieldBits(FieldMidEnergy) > 0 {
				ref := 0.5 * (e.pred.energy + dequantEnergy(int(expand(near, energyBits, w))))
				nk = quantMidEnergy(ref, float64(e.mid.MCep[0]))
			} else if k != 0 {
				t.Fatalf("%s: middle energy code %d, the mode sends none", m.Name(), k)
			}
			if d := int(v) - int(near); d < -1 || d > 1 || int(v) >= 1<<w {
				t.Fatalf("%s: end energy field %d, nearest %d", m.Name(), v, near)
			}
			if c, cn := cost(v, k), cost(near, nk); c > cn+1e-9 {
				t.Fatalf("%s: joint codes cost %.4f, nearest %.4f", m.Name(), c, cn)
			}
		}
	}
}
