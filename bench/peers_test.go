package bench

import (
	"context"
	"encoding/binary"
	"errors"
	"math"
	"os/exec"
	"strings"
	"testing"

	"github.com/vqspeak/vqspeak/codec"
)

// oggPage builds one Ogg page holding the given lacing values and a body
// of matching length.
func oggPage(lacing []byte) []byte {
	h := make([]byte, 27, 27+len(lacing))
	copy(h, "OggS")
	binary.LittleEndian.PutUint32(h[14:], 1)
	h[26] = byte(len(lacing))
	h = append(h, lacing...)
	n := 0
	for _, l := range lacing {
		n += int(l)
	}
	return append(h, make([]byte, n)...)
}

func TestOggPayload(t *testing.T) {
	// Two header packets (19 and 40 bytes) on the first page, then audio
	// packets of 30, 510 (255+255+0) and 300 bytes, the last spanning a page.
	stream := append(oggPage([]byte{19, 40}), oggPage([]byte{30, 255, 255, 0, 255})...)
	stream = append(stream, oggPage([]byte{45})...)
	for _, tc := range []struct {
		name string
		b    []byte
		skip int
		want int64
		err  error
	}{
		{"skip headers", stream, 2, 30 + 510 + 300, nil},
		{"everything", stream, 0, 19 + 40 + 30 + 510 + 300, nil},
		{"empty", nil, 2, 0, nil},
		{"not ogg", []byte("RIFF....WAVEfmt and more bytes to fill a page header"), 2, 0, ErrOgg},
		{"truncated body", stream[:len(stream)-1], 2, 0, ErrOgg},
		{"truncated header", stream[:20], 2, 0, ErrOgg},
	} {
		got, err := OggPayload(tc.b, tc.skip)
		if got != tc.want || !errors.Is(err, tc.err) {
			t.Errorf("%s: got %d, %v; want %d, %v", tc.name, got, err, tc.want, tc.err)
		}
	}
}

func TestAvailableWithoutTools(t *testing.T) {
	t.Setenv("PATH", "")
	ok, notes := Available(DefaultPeers())
	if len(ok) != 0 {
		t.Errorf("%d peers available with an empty PATH", len(ok))
	}
	if len(notes) != 3 {
		t.Fatalf("want one note per codec, got %q", notes)
	}
	for i, want := range []string{"opusenc and opusdec", "c2enc and c2dec", "speexenc and speexdec"} {
		if !strings.Contains(notes[i], want) || !strings.Contains(notes[i], "install") {
			t.Errorf("note %q does not name %s", notes[i], want)
		}
	}
	// Running with no available peers measures only vqspeak.
	res, err := shortRun()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res.Rows {
		if r.Peer {
			t.Errorf("unexpected peer row %s", r.Codec)
		}
	}
}

func TestDefaultPeersLabels(t *testing.T) {
	peers := DefaultPeers()
	want := []string{"8k", "6k", "3200", "2400", "1600", "700C", "wb q0", "wb q1", "nb q0"}
	var got []string
	for _, p := range peers {
		got = append(got, shortSetting(Row{Codec: p.Codec, Setting: p.Setting}))
	}
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || g == w
		}
		if !found {
			t.Errorf("no peer labelled %q in %q", w, got)
		}
	}
}

// TestPeersRun codes a short clip through every installed peer; it is
// skipped when none is installed.
func TestPeersRun(t *testing.T) {
	peers, _ := Available(DefaultPeers())
	if len(peers) == 0 {
		t.Skip("no peer codec tools installed")
	}
	c, err := LoadClip(harnessClip)
	if err != nil {
		t.Fatal(err)
	}
	c.Samples = c.Samples[:2*codec.SampleRate]
	res, err := Run(context.Background(), []Clip{c}, Config{Stages: []int{}, NoCeiling: true, NoTiming: true, Peers: peers, Example: -1})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Notes) != 0 || len(res.Rows) != len(peers) {
		t.Fatalf("%d rows for %d peers, notes %q", len(res.Rows), len(peers), res.Notes)
	}
	for _, r := range res.Rows {
		if !r.Peer || r.Example != nil {
			t.Errorf("%s %s: peer %v, example kept %v", r.Codec, r.Setting, r.Peer, r.Example != nil)
		}
		if q := r.Quality.STOI.Mean; !(q > 0.5 && q <= 1) {
			t.Errorf("%s %s: STOI %.3f", r.Codec, r.Setting, q)
		}
		lo, hi := 600.0, 9000.0
		if r.NominalBPS > 0 { // Codec 2: whole bytes per frame, a little over nominal
			lo, hi = r.NominalBPS*0.95, r.NominalBPS*1.2
		}
		if r.BitrateBPS < lo || r.BitrateBPS > hi {
			t.Errorf("%s %s: %.0f b/s, want %.0f..%.0f", r.Codec, r.Setting, r.BitrateBPS, lo, hi)
		}
	}
}

func TestPeerToolFailureIsANote(t *testing.T) {
	if _, err := exec.LookPath("false"); err != nil {
		t.Skip("no false(1)")
	}
	broken := Peer{Codec: "Broken", Setting: "always fails", Tools: []string{"false"},
		Run: func(ctx context.Context, dir string, x []float32) ([]float32, int64, error) {
			return nil, 0, tool(ctx, "false")
		}}
	c := Clip{Name: "tone", Samples: make([]float32, codec.SampleRate)}
	for i := range c.Samples {
		c.Samples[i] = float32(0.3 * math.Sin(2*math.Pi*200*float64(i)/codec.SampleRate))
	}
	res, err := Run(context.Background(), []Clip{c}, Config{Stages: []int{}, NoCeiling: true, Peers: []Peer{broken}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 0 || len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "Broken") {
		t.Errorf("rows %d, notes %q; want the failure as a note", len(res.Rows), res.Notes)
	}
}
