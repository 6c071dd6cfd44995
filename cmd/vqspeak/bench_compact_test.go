package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vqspeak/vqspeak/bench"
	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/codec/vqs"
	"github.com/vqspeak/vqspeak/codec/vqs/compact"
)

// TestBenchCompact runs bench -compact on one clip and checks what its
// numbers must satisfy.
func TestBenchCompact(t *testing.T) {
	js := filepath.Join(t.TempDir(), "compact.json")
	code, out, stderr := vqspeak(t, "bench", "-compact", "-stages", "1,4", "-json", js, clip)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"| stages | plain b/s | compact b/s |", "| stage 1 index | 10 |", "| stage 4 index | 10 |", "| F0 | 7 |"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	b, err := os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	var res bench.CompactResult
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 2 || res.TableSet != compact.DefaultTableSet || res.AudioSeconds < 4 {
		t.Fatalf("result: %+v", res)
	}
	for _, r := range res.Rows {
		if !(r.CompactBPS < r.PlainBPS) || r.SavingPercent <= 0 || r.CompactBlocks != r.Blocks ||
			r.Blocks != (r.Packets+vqs.DefaultBlockPackets-1)/vqs.DefaultBlockPackets {
			t.Errorf("%d stages: compact %.0f b/s, plain %.0f, saving %.1f%%, %d of %d blocks compact for %d packets",
				r.Stages, r.CompactBPS, r.PlainBPS, r.SavingPercent, r.CompactBlocks, r.Blocks, r.Packets)
		}
		// Plain files carry 8 bits per packet byte plus framing: their rate
		// is above the payload rate.
		if payload := float64(codec.Bitrate(codec.DefaultCodebook(), r.Stages)); r.PlainBPS < payload {
			t.Errorf("%d stages: plain %.0f b/s below the payload's %.0f", r.Stages, r.PlainBPS, payload)
		}
		if len(r.SetBPS) != compact.TableSets+1 || r.SetBPS[compact.DefaultTableSet] != r.CompactBPS {
			t.Errorf("%d stages: per-set rates %v", r.Stages, r.SetBPS)
		}
		if want := 7 + r.Stages; len(r.Streams) != want {
			t.Errorf("%d stages: %d streams, want %d", r.Stages, len(r.Streams), want)
		}
		for _, s := range r.Streams {
			if s.Symbols != r.Packets || s.Entropy < 0 || s.Entropy > float64(s.Bits)+1e-9 ||
				s.RawEntropy < 0 || s.RawEntropy > float64(s.Bits)+1e-9 || !(s.CodedBits > 0) {
				t.Errorf("%d stages, %s: %+v", r.Stages, s.Name, s)
			}
		}
		if r.CompactWriteUS <= 0 || r.CompactReadUS <= 0 {
			t.Errorf("%d stages: times %v, %v", r.Stages, r.CompactWriteUS, r.CompactReadUS)
		}
	}
}
