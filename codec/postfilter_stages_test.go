package codec

import "testing"

// TestPostfilterByStages: 4 stages in 20 ms packets split the decoder's
// strength by voicing, fewer stages and the 40 ms modes do not, and
// SetPostfilter still scales (0 turns it off) and clamps both.
func TestPostfilterByStages(t *testing.T) {
	d, err := NewDecoder(DefaultCodebook())
	if err != nil {
		t.Fatal(err)
	}
	check := func(what string, stages int, v, uv float64) {
		t.Helper()
		d.postfilterAt(stages)
		if got, gotUV := d.vocoder.postfilter, d.vocoder.postfilterUV; got != v || gotUV != uv {
			t.Errorf("%s, %d stages: postfilter %v / %v, want %v / %v", what, stages, got, gotUV, v, uv)
		}
	}
	for s := 1; s < 4; s++ {
		check("default", s, DefaultPostfilter, DefaultPostfilter)
	}
	pf, most := float64(DefaultPostfilter), float64(MaxPostfilter) // as the decoder computes them
	check("default", 4, pf*postfilterVoiced4, pf*postfilterUnvoiced4)
	d.SetPostfilter(0)
	check("off", 4, 0, 0)
	d.SetPostfilter(MaxPostfilter)
	check("strongest", 4, most*postfilterVoiced4, most)
	d.SetPostfilter(0.3)
	check("0.3", 2, 0.3, 0.3)
	for _, m := range Modes() {
		if !m.LowRate() {
			continue
		}
		ld, err := NewModeDecoder(DefaultCodebook(), m)
		if err != nil {
			t.Fatal(err)
		}
		ld.postfilterAt(m.Stages)
		if ld.vocoder.postfilter != DefaultPostfilter || ld.vocoder.postfilterUV != DefaultPostfilter {
			t.Errorf("%s: postfilter %v / %v, want %v", m.Name(), ld.vocoder.postfilter, ld.vocoder.postfilterUV, DefaultPostfilter)
		}
	}
}
