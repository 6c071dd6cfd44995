package loss

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vqspeak/vqspeak/bench"
	"github.com/vqspeak/vqspeak/codec"
)

// TestRunModes runs the modes table on one bundled clip: a 40 ms mode and
// the 20 ms 1-stage mode at no loss and 20 % loss, with a stand-in PESQ
// scorer. Without loss nothing is concealed; at 20 % the receiver conceals
// every lost packet, one slot of the mode each (not those lost before the
// first it receives), and STOI falls.
func TestRunModes(t *testing.T) {
	if testing.Short() {
		t.Skip("decodes one clip a dozen times")
	}
	c, err := bench.LoadClip("../../testdata/audio/librispeech-7312-m.wav")
	if err != nil {
		t.Fatal(err)
	}
	pesq := filepath.Join(t.TempDir(), "pesq")
	script := "#!/bin/sh\n[ -f \"$2\" ] && [ -f \"$3\" ] || exit 3\ncase $1 in -wb) echo 'mos_lqo=3.25';; -nb) echo 'mos_lqo = 2.5';; esac\n"
	if err := os.WriteFile(pesq, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	pats := []Pattern{{Name: "0 %"}, {Name: "20 %", Rate: 0.2}}
	res, err := Run(context.Background(), []bench.Clip{c}, Config{Stages: 1, Patterns: pats, Networks: []Network{},
		Modes: []codec.Mode{codec.Mode1600}, PESQ: pesq, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Modes) != 4 {
		t.Fatalf("%d rows, want 2 modes × 2 patterns", len(res.Modes))
	}
	for i, want := range []struct {
		mode     string
		ms, bps  int
		rate     float64
		stoiOver float64
	}{{"1600", 40, 1600, 0, 0.7}, {"1600", 40, 1600, 0.2, 0.5}, {"2000", 20, 2000, 0, 0.7}, {"2000", 20, 2000, 0.2, 0.5}} {
		r := res.Modes[i]
		t.Logf("%s b/s, %s: %d of %d lost, %d concealed, STOI %.3f", r.Mode, r.Pattern.Name, r.Lost, r.Packets, r.Concealed, r.Score.STOI.Mean)
		if r.Mode != want.mode || r.PacketMS != want.ms || r.BitrateBPS != want.bps || r.Pattern.Rate != want.rate {
			t.Errorf("row %d: %+v", i, r)
		}
		if r.PESQWB == nil || r.PESQWB.Mean != 3.25 || r.PESQNB.Mean != 2.5 || r.PESQWB.Files != 1 {
			t.Errorf("row %d: PESQ %+v %+v", i, r.PESQWB, r.PESQNB)
		}
		if r.Score.STOI.Mean < want.stoiOver {
			t.Errorf("row %d: STOI %.3f", i, r.Score.STOI.Mean)
		}
		if want.rate == 0 && (r.Lost != 0 || r.Concealed != 0) || want.rate > 0 && (r.Lost < r.Packets/10 || r.Concealed > r.Lost || r.Concealed < r.Lost-2) {
			t.Errorf("row %d: %d of %d lost, %d concealed", i, r.Lost, r.Packets, r.Concealed)
		}
		if i%2 == 1 && r.Score.STOI.Mean >= res.Modes[i-1].Score.STOI.Mean {
			t.Errorf("row %d: STOI %.3f at 20 %% loss, %.3f without", i, r.Score.STOI.Mean, res.Modes[i-1].Score.STOI.Mean)
		}
	}
	if p := res.Modes[0].Packets; p != int64((len(c.Samples)+codec.Delay+639)/640) {
		t.Errorf("%d packets of 40 ms for %d samples", p, len(c.Samples))
	}
	var b strings.Builder
	writeModes(&b, res)
	for _, want := range []string{"| 1600 (40 ms, 4 stages) | 1600 | 20 %: ", "| 2000 (20 ms, 1 stage", "| 3.250 | 2.500 |"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
}
