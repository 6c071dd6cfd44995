package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vqspeak/vqspeak/bench/loss"
)

// TestBenchLoss runs the loss experiment on one clip, with the modes
// table of the 800 mode (the README's loss table of the 40 ms modes is this
// on the test set): the Markdown tables go to stdout, every number to the
// JSON file.
func TestBenchLoss(t *testing.T) {
	if testing.Short() {
		t.Skip("decodes one clip about twenty times")
	}
	js := filepath.Join(t.TempDir(), "loss.json")
	code, out, stderr := vqspeak(t, "bench", "-loss", "-loss-seed", "7", "-stages", "3", "-modes", "800", "-pesq", "", "-json", js, clip)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"vqspeak 3 stages (2800 b/s)", "loss seed 7",
		"| packets lost | silence inserted | repeat last packet | concealment | FEC + concealment |",
		"| 0 % |", "| 5 % random (", "| bursts of 3, 10 % (", "ESTOI", "FEC: ", "DTX: ", "DTX onsets: ",
		"Modes: ", "| 800 (40 ms, 2 stages) | 800 | 5 % random: ", "| 2800 (20 ms, 3 stages) | 2800 | 0 %: 0.0 % (0.0 %) |"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	b, err := os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	var res loss.Result
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	if res.Seed != 7 || res.Stages != 3 || len(res.Rows) != len(loss.DefaultPatterns) || res.FECDepth != 1 ||
		len(res.Rows[3].Scores[loss.FEC].PerFile) != 1 || !(res.Rows[0].Scores[loss.Conceal].STOI.Mean > 0.5) ||
		!(res.FEC.CostBPS > 1500) || len(res.Modes) != 2*len(loss.DefaultPatterns) || res.Modes[0].Mode != "800" ||
		!(res.Modes[1].Score.STOI.Mean > 0.5) {
		t.Errorf("JSON result: %+v", res)
	}
}

func TestBenchLossUsage(t *testing.T) {
	for _, tc := range []struct {
		args     []string
		contains string
	}{
		{[]string{"bench", "-loss", "-stages", "1,4", clip}, "one stage count"},
		{[]string{"bench", "-loss", "-stages", "7", clip}, "-stages"},
		{[]string{"bench", "-loss", "-plot", "dir", clip}, "-plot does not apply to -loss"},
		{[]string{"bench", "-loss", "-check", clip}, "-check does not apply"},
		{[]string{"bench", "-loss-seed", "x", clip}, "invalid value"},
		{[]string{"bench", "-loss", "-modes", "2000", clip}, "20 ms mode"},
		{[]string{"bench", "-loss", "-pesq", "/bin/true", clip}, "only with -modes"},
	} {
		code, _, stderr := vqspeak(t, tc.args...)
		if code != exitUsage || !strings.Contains(stderr, tc.contains) {
			t.Errorf("vqspeak %v: exit %d, stderr %q; want exit %d and %q", tc.args, code, stderr, exitUsage, tc.contains)
		}
	}
}
