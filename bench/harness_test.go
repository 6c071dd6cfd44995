package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/vqspeak/vqspeak/codec"
)

const harnessClip = "../testdata/audio/librispeech-367-f.wav"

// shortRun measures stages 1 and 4 and the ceiling on the first 2.5 s of a
// repository clip, once for every test that needs a Result.
var shortRun = sync.OnceValues(func() (*Result, error) {
	c, err := LoadClip(harnessClip)
	if err != nil {
		return nil, err
	}
	c.Samples = c.Samples[:5*codec.SampleRate/2]
	return Run(context.Background(), []Clip{c}, Config{Stages: []int{1, 4}})
})

func TestRunShortClip(t *testing.T) {
	res, err := shortRun()
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 3 {
		t.Fatalf("got %d rows, want 1 and 4 stages and the ceiling", len(res.Rows))
	}
	if res.LatencyMS != 30 || res.AudioSeconds != 2.5 || res.ExampleFile != harnessClip || len(res.Example) != 40000 {
		t.Errorf("result header: latency %v ms, %v s, example %q (%d samples)",
			res.LatencyMS, res.AudioSeconds, res.ExampleFile, len(res.Example))
	}
	cb := codec.DefaultCodebook()
	for _, r := range res.Rows {
		q := r.Quality
		if !(q.STOI.Mean > 0.5 && q.STOI.Mean <= 1) || q.STOI.Files != 1 || q.STOI.WorstFile != harnessClip {
			t.Errorf("%s %s: STOI %+v, want one file in (0.5, 1]", r.Codec, r.Setting, q.STOI)
		}
		if !(q.MCD.Mean > 0 && q.MCD.Mean < 10) || !(q.ESTOI.Mean > 0.3) || !(q.VoicingError.Mean < 0.3) {
			t.Errorf("%s %s: implausible quality %+v", r.Codec, r.Setting, q)
		}
		if len(r.Example) != len(res.Example) {
			t.Errorf("%s %s: example has %d samples, want %d", r.Codec, r.Setting, len(r.Example), len(res.Example))
		}
		if r.Codec != "vqspeak" {
			if r.Timing != nil || r.BitrateBPS != 0 {
				t.Errorf("ceiling row has timing %v or bitrate %v", r.Timing, r.BitrateBPS)
			}
			continue
		}
		if want := float64(codec.Bitrate(cb, r.Stages)); r.BitrateBPS != want || want != float64(1600+400*r.Stages) {
			t.Errorf("%d stages: %v b/s, want %v", r.Stages, r.BitrateBPS, want)
		}
		tm := r.Timing
		if tm == nil {
			t.Fatalf("%d stages: no timing", r.Stages)
		}
		if tm.Packets != 125 || len(tm.EncodeNS) != 125 || len(tm.DecodeNS) != 125 {
			t.Errorf("%d stages: %d packets timed (%d, %d), want 125", r.Stages, tm.Packets, len(tm.EncodeNS), len(tm.DecodeNS))
		}
		if tm.EncodeAllocs != 0 || tm.DecodeAllocs != 0 {
			t.Errorf("%d stages: %v allocations per Encode, %v per Decode; want 0", r.Stages, tm.EncodeAllocs, tm.DecodeAllocs)
		}
		for _, d := range []Dist{tm.Encode, tm.Decode} {
			if !(0 < d.P50 && d.P50 <= d.P99 && d.P99 <= d.Max && d.Mean <= d.Max) {
				t.Errorf("%d stages: distribution %+v out of order", r.Stages, d)
			}
		}
		per := (tm.Encode.Mean + tm.Decode.Mean) / 1e3 // ms
		if math.Abs(tm.Streams*per-20) > 1e-9 || math.Abs(tm.RealTimeFactor*20-per) > 1e-9 {
			t.Errorf("%d stages: streams %v, RTF %v inconsistent with %v ms per packet", r.Stages, tm.Streams, tm.RealTimeFactor, per)
		}
	}
	if res.Rows[0].Quality.MCD.Mean <= res.Rows[1].Quality.MCD.Mean {
		t.Errorf("1 stage MCD %.2f not worse than 4 stages %.2f", res.Rows[0].Quality.MCD.Mean, res.Rows[1].Quality.MCD.Mean)
	}
}

func TestResultJSONRoundTrip(t *testing.T) {
	res, err := shortRun()
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var got Result
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	// What JSON leaves out: the raw samples and time series.
	want := *res
	want.Example = nil
	want.Rows = append([]Row(nil), res.Rows...)
	for i := range want.Rows {
		want.Rows[i].Example = nil
		if tm := want.Rows[i].Timing; tm != nil {
			c := *tm
			c.EncodeNS, c.DecodeNS = nil, nil
			want.Rows[i].Timing = &c
		}
	}
	if !reflect.DeepEqual(&got, &want) {
		t.Errorf("JSON round trip changed the result:\n got %+v\nwant %+v", got, want)
	}
	for _, key := range []string{`"stoi":{"mean":`, `"encode_allocs_per_packet":0`, `"algorithmic_latency_ms":30`, `"bitrate_bps":3200`} {
		if !strings.Contains(string(b), key) {
			t.Errorf("JSON lacks %s", key)
		}
	}
}

func TestSummarise(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	for _, tc := range []struct {
		name  string
		files []FileScore
		want  Quality
	}{
		{"empty", nil, Quality{}},
		{"worst is lowest STOI and highest MCD; undefined F0 skipped", []FileScore{
			{File: "a", STOI: f(0.9), ESTOI: f(0.8), MCD: 4, LSD: 8, F0RMSECents: f(30), F0RMSEHz: f(3), VoicingError: 0.1},
			{File: "b", STOI: f(0.7), ESTOI: f(0.9), MCD: 6, LSD: 7, VoicingError: 0.2},
		}, Quality{
			STOI:         Stat{0.8, 0.7, "b", 2},
			ESTOI:        Stat{0.85, 0.8, "a", 2},
			MCD:          Stat{5, 6, "b", 2},
			LSD:          Stat{7.5, 8, "a", 2},
			F0RMSECents:  Stat{30, 30, "a", 1},
			F0RMSEHz:     Stat{3, 3, "a", 1},
			VoicingError: Stat{0.15, 0.2, "b", 2},
		}},
	} {
		got := summarise(tc.files)
		// Means are sums divided by counts: compare them to within rounding.
		for _, p := range [][2]*Stat{{&got.STOI, &tc.want.STOI}, {&got.ESTOI, &tc.want.ESTOI}, {&got.MCD, &tc.want.MCD},
			{&got.LSD, &tc.want.LSD}, {&got.F0RMSECents, &tc.want.F0RMSECents}, {&got.F0RMSEHz, &tc.want.F0RMSEHz},
			{&got.VoicingError, &tc.want.VoicingError}} {
			if math.Abs(p[0].Mean-p[1].Mean) < 1e-12 {
				p[0].Mean = p[1].Mean
			}
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, got, tc.want)
		}
	}
}

func TestRunErrors(t *testing.T) {
	clip := Clip{Name: "x", Samples: make([]float32, 16000)}
	for _, tc := range []struct {
		name  string
		clips []Clip
		cfg   Config
		want  error
	}{
		{"no clips", nil, Config{}, ErrNoClips},
		{"stage 0", []Clip{clip}, Config{Stages: []int{0}}, codec.ErrStages},
		{"too many stages", []Clip{clip}, Config{Stages: []int{codec.MaxStages + 1}}, codec.ErrStages},
		{"only a silent clip", []Clip{clip}, Config{Stages: []int{1}, NoTiming: true}, ErrNoClips},
	} {
		if _, err := Run(context.Background(), tc.clips, tc.cfg); !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestRunCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	clip := Clip{Name: "x", Samples: make([]float32, 16000)}
	clip.Samples[100] = 0.5
	if _, err := Run(ctx, []Clip{clip}, Config{Stages: []int{1}}); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
}

func TestWriteTable(t *testing.T) {
	res, err := shortRun()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := WriteTable(&b, res); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"| vqspeak | 1 stages | 2000 |", "| vqspeak | 4 stages | 3200 |",
		"| vqspeak unquantised | analysis/synthesis only | — |", "algorithmic latency 30 ms", "| 4 | 125 |"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

func TestBaseName(t *testing.T) {
	for in, want := range map[string]string{
		"a.wav": "a.wav", "/x/y/z.flac": "y/z.flac", "test/ljspeech/b.flac": "ljspeech/b.flac", "/a.wav": "a.wav",
	} {
		if got := BaseName(in); got != want {
			t.Errorf("BaseName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestRunModes measures the low-rate modes as rows of their own: their
// bitrate, packet duration and timing per 40 ms packet, no allocation.
func TestRunModes(t *testing.T) {
	c, err := LoadClip(harnessClip)
	if err != nil {
		t.Fatal(err)
	}
	c.Samples = c.Samples[:2*codec.SampleRate]
	res, err := Run(context.Background(), []Clip{c}, Config{Stages: []int{}, NoCeiling: true,
		Modes: []codec.Mode{codec.Mode800, codec.Mode1600}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 2 {
		t.Fatalf("%d rows, want 2", len(res.Rows))
	}
	for i, want := range []float64{800, 1600} {
		r := res.Rows[i]
		if r.BitrateBPS != want || r.PacketMS != 40 || r.Mode != fmt.Sprint(want) || !(r.Quality.STOI.Mean > 0.5) {
			t.Errorf("row %d: %s, %v b/s, %v ms, mode %q, STOI %v", i, r.Setting, r.BitrateBPS, r.PacketMS, r.Mode, r.Quality.STOI.Mean)
		}
		if tm := r.Timing; tm == nil || tm.Packets != 50 || tm.EncodeAllocs != 0 || tm.DecodeAllocs != 0 {
			t.Errorf("row %d: timing %+v, want 50 packets and no allocation", i, tm)
		}
	}
	var b strings.Builder
	if err := WriteTable(&b, res); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"50 ms for the 40 ms modes", "| 800 mode (40 ms, 2 stages) | 800 |", "| 4 (1600 mode, 40 ms packets) | 50 |"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
	if _, err := Run(context.Background(), []Clip{c}, Config{Modes: []codec.Mode{{Frames: 4, Stages: 3}}}); !errors.Is(err, codec.ErrMode) {
		t.Errorf("unknown mode: %v", err)
	}
}
