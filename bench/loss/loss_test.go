package loss

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/vqspeak/vqspeak/bench"
)

// TestRun runs the experiment on one bundled clip and checks what must
// hold whatever the codec's quality: without loss every receiver plays the
// plain codec's output (the main harness's score); at 20 % loss inserting
// silence is clearly worst and FEC helps concealment; FEC costs about
// 1600 b/s; DTX sends less.
func TestRun(t *testing.T) {
	if testing.Short() {
		t.Skip("decodes one clip a dozen times")
	}
	c, err := bench.LoadClip("../../testdata/audio/librispeech-7312-m.wav")
	if err != nil {
		t.Fatal(err)
	}
	clips := []bench.Clip{c}
	pats := []Pattern{{Name: "0 %"}, {Name: "20 %", Rate: 0.2}, {Name: "bursts", Rate: 0.1, Burst: 3}}
	res, err := Run(context.Background(), clips, Config{Patterns: pats, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	main, err := bench.Run(context.Background(), clips, bench.Config{Stages: []int{4}, NoCeiling: true, NoTiming: true, Example: -1})
	if err != nil {
		t.Fatal(err)
	}
	want := main.Rows[0].Quality.STOI.Mean
	stoi := func(r Row, s string) float64 { return r.Scores[s].STOI.Mean }

	zero := res.Rows[0]
	if zero.Lost != 0 {
		t.Errorf("0 %%: %d packets lost", zero.Lost)
	}
	for _, s := range []string{Silence, Repeat, Conceal, FEC} {
		if got := stoi(zero, s); math.Abs(got-want) > 1e-9 {
			t.Errorf("0 %% loss, %s: STOI %.6f, the main harness %.6f", s, got, want)
		}
	}
	if got := res.DTX.Plain.STOI.Mean; math.Abs(got-want) > 1e-9 {
		t.Errorf("DTX reference STOI %.6f, the main harness %.6f", got, want)
	}

	r20 := res.Rows[1]
	t.Logf("20 %% (%.1f %% lost): silence %.3f, repeat %.3f, conceal %.3f, FEC %.3f; no loss %.3f",
		100*r20.LostFraction(), stoi(r20, Silence), stoi(r20, Repeat), stoi(r20, Conceal), stoi(r20, FEC), want)
	if f := r20.LostFraction(); f < 0.14 || f > 0.26 {
		t.Errorf("20 %% pattern lost %.3f of the packets", f)
	}
	if stoi(r20, Silence) > stoi(r20, Conceal)-0.03 {
		t.Errorf("20 %%: silence %.3f not clearly under concealment %.3f", stoi(r20, Silence), stoi(r20, Conceal))
	}
	if stoi(r20, FEC) < stoi(r20, Conceal) {
		t.Errorf("20 %%: FEC %.3f under concealment alone %.3f", stoi(r20, FEC), stoi(r20, Conceal))
	}
	for _, s := range []string{Silence, Repeat, Conceal, FEC} {
		if stoi(r20, s) >= want {
			t.Errorf("20 %%, %s: STOI %.3f not under the loss-free %.3f", s, stoi(r20, s), want)
		}
	}
	if r20.Recovered == 0 || r20.Recovered >= r20.Lost {
		t.Errorf("20 %%: FEC rebuilt %d of %d lost packets", r20.Recovered, r20.Lost)
	}
	// FEC rebuilds only the last packet of a burst of three.
	if rb := res.Rows[2]; rb.Recovered > rb.Lost/3 {
		t.Errorf("bursts of 3: FEC rebuilt %d of %d lost packets", rb.Recovered, rb.Lost)
	}

	if c := res.FEC.CostBPS; c < 1500 || c > 1600 {
		t.Errorf("FEC costs %.0f b/s, want just under 1600", c)
	}
	if d := res.DTX; d.BytesDTX > d.BytesPlain || d.Silent < 0 || d.Saved < 0 {
		t.Errorf("DTX: %d bytes against %d, %d silent slots", d.BytesDTX, d.BytesPlain, d.Silent)
	}

	// The real-time rows (DefaultNetworks).
	if len(res.Network) != len(DefaultNetworks) {
		t.Fatalf("%d network rows, want %d", len(res.Network), len(DefaultNetworks))
	}
	for _, r := range res.Network {
		t.Logf("%s: STOI %.3f, FEC %.3f; lost %d, rebuilt %d; concealed %d/%d, late %d/%d; mouth to ear %.0f/%.0f ms",
			r.Network.Name, r.Plain.STOI.Mean, r.FEC.STOI.Mean, r.Lost, r.FEC.Recovered, r.Plain.Concealed, r.FEC.Concealed,
			r.Plain.Late, r.FEC.Late, r.Plain.MouthToEarMS, r.FEC.MouthToEarMS)
		for _, ns := range []NetScore{r.Plain, r.FEC} {
			if ns.Late != 0 || r.Lost == 0 && ns.Concealed > 3 || ns.MouthToEarMS < 30 || ns.MouthToEarMS > 110 {
				t.Errorf("%s: %d late, %d concealed with %d lost, mouth to ear %.0f ms", r.Network.Name, ns.Late, ns.Concealed, r.Lost, ns.MouthToEarMS)
			}
		}
		if r.Lost > 0 && float64(r.FEC.Recovered) < 0.75*float64(r.Lost) {
			t.Errorf("%s: FEC rebuilt %d of %d", r.Network.Name, r.FEC.Recovered, r.Lost)
		}
		// Every input sample is scored with what played in its place: a
		// receiver that lost, shed and stretched nothing played the
		// codec's loss-free output, which the main harness scores.
		for _, ns := range []NetScore{r.Plain, r.FEC} {
			if r.Lost == 0 && ns.Concealed+ns.Skipped+ns.Stretched == 0 && math.Abs(ns.STOI.Mean-want) > 1e-9 {
				t.Errorf("%s: STOI %.6f without a loss, the main harness %.6f", r.Network.Name, ns.STOI.Mean, want)
			}
		}
	}

	var b strings.Builder
	if err := WriteTable(&b, res); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"| packets lost | silence inserted |", "| 20 % (", "FEC: ", "DTX: ", "| one 100 ms stall"} {
		if !strings.Contains(b.String(), s) {
			t.Errorf("table lacks %q:\n%s", s, b.String())
		}
	}
}

func TestRunErrors(t *testing.T) {
	ctx := context.Background()
	if _, err := Run(ctx, nil, Config{}); !errors.Is(err, ErrNoClips) {
		t.Errorf("no clips: %v", err)
	}
	clips := []bench.Clip{{Name: "x", Samples: make([]float32, 3200)}}
	if _, err := Run(ctx, clips, Config{Patterns: []Pattern{{Rate: 2}}}); !errors.Is(err, ErrPattern) {
		t.Errorf("rate 2: %v", err)
	}
	if _, err := Run(ctx, clips, Config{Stages: 9}); err == nil {
		t.Error("9 stages accepted")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Run(cancelled, clips, Config{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}
