package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEncodeBitrate: -bitrate picks a mode, the file records it, decode
// needs no flag and info reports it; conflicting flags are usage errors.
func TestEncodeBitrate(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		bitrate, mode string
		packetMS      float64
		latency       float64
		stages        int
	}{
		{"700", "800", 40, 50, 2},
		{"1200", "1200", 40, 50, 3},
		{"1600", "1600", 40, 50, 4},
		{"2400", "2400", 20, 30, 2},
	} {
		vqs := filepath.Join(dir, c.bitrate+".vqs")
		wav := filepath.Join(dir, c.bitrate+".wav")
		code, _, stderr := vqspeak(t, "encode", "-bitrate", c.bitrate, clip, vqs)
		if code != 0 {
			t.Fatalf("encode -bitrate %s: exit %d: %s", c.bitrate, code, stderr)
		}
		if code, _, stderr := vqspeak(t, "decode", vqs, wav); code != 0 {
			t.Fatalf("decode: exit %d: %s", code, stderr)
		}
		code, out, stderr := vqspeak(t, "info", "-json", vqs)
		if code != 0 {
			t.Fatalf("info: exit %d: %s", code, stderr)
		}
		var info fileInfo
		if err := json.Unmarshal([]byte(out), &info); err != nil {
			t.Fatal(err)
		}
		if info.CodecMode != c.mode || info.PacketMillis != c.packetMS || info.LatencyMillis != c.latency ||
			info.EncoderStages != c.stages || info.StagesHistogram[c.stages] != info.Packets || info.Packets == 0 {
			t.Errorf("-bitrate %s: info %+v", c.bitrate, info)
		}
		code, out, _ = vqspeak(t, "info", vqs)
		if want := "mode:        " + c.mode + " b/s"; code != 0 || !strings.Contains(out, want) {
			t.Errorf("-bitrate %s: info lacks %q:\n%s", c.bitrate, want, out)
		}
	}
	out := filepath.Join(dir, "out.vqs")
	for _, tc := range []struct {
		args     []string
		contains string
	}{
		{[]string{"encode", "-bitrate", "900", clip, out}, "-bitrate 900"},
		{[]string{"encode", "-bitrate", "800", "-stages", "2", clip, out}, "-bitrate and -stages"},
		// -bitrate 0 names no mode: it is not the flag left out.
		{[]string{"encode", "-bitrate", "0", "-stages", "2", clip, out}, "-bitrate and -stages"},
		{[]string{"encode", "-bitrate", "0", clip, out}, "-bitrate 0"},
		{[]string{"encode", "-bitrate", "1600", "-compact", clip, out}, "compact files hold 20 ms packets"},
		{[]string{"bench", "-modes", "800,800", clip}, "appears twice"},
		{[]string{"bench", "-modes", "2000", clip}, "-stages 1"},
		{[]string{"bench", "-modes", "x", clip}, "-modes"},
	} {
		code, _, stderr := vqspeak(t, tc.args...)
		if code != exitUsage || !strings.Contains(stderr, tc.contains) {
			t.Errorf("vqspeak %v: exit %d, stderr %q; want a usage error with %q", tc.args, code, stderr, tc.contains)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("vqspeak %v left %s behind", tc.args, out)
			os.Remove(out)
		}
	}
}

// TestTokensRefuseLowRate: token files carry 20 ms packets only.
func TestTokensRefuseLowRate(t *testing.T) {
	dir := t.TempDir()
	vqs := filepath.Join(dir, "a.vqs")
	if code, _, stderr := vqspeak(t, "encode", "-bitrate", "1600", clip, vqs); code != 0 {
		t.Fatalf("encode: exit %d: %s", code, stderr)
	}
	code, _, stderr := vqspeak(t, "tokens", "-o", filepath.Join(dir, "a.jsonl"), vqs)
	if code != exitFailure || !strings.Contains(stderr, "1600 b/s mode (40 ms packets)") {
		t.Errorf("tokens of a 1600 file: exit %d, %q", code, stderr)
	}
}
