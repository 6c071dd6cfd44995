package bench

import (
	"context"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vqspeak/vqspeak/bench/metrics"
	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/internal/audiofile"
	"github.com/vqspeak/vqspeak/stream"
)

// TestLowRateStreamLoss is a measurement, not a check: the 40 ms modes
// and the 20 ms 1-stage mode through stream.Encoder and a stream.Decoder
// fixed at one packet of buffer, with 0, 5 and 10 % of the packets lost at
// random (seeded per file) and concealed, scored with PESQ-WB, PESQ-NB
// and STOI. It runs only when VQSPEAK_LOSS_CORPUS names a directory of
// 16 kHz clips (every fifth sorted file is used) and the pesq binary is
// found (VQSPEAK_PESQ or FindPESQ's places); README's "Below 2 kb/s" quotes
// its table:
//
//	VQSPEAK_LOSS_CORPUS=TEST_SET VQSPEAK_PESQ=PATH go test ./bench -run TestLowRateStreamLoss -v -timeout 30m
func TestLowRateStreamLoss(t *testing.T) {
	root := os.Getenv("VQSPEAK_LOSS_CORPUS")
	if root == "" {
		t.Skip("a measurement: set VQSPEAK_LOSS_CORPUS to a directory of clips")
	}
	pesq, err := FindPESQ(os.Getenv("VQSPEAK_PESQ"))
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".flac") || strings.HasSuffix(p, ".wav")) {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(files)
	cb := codec.DefaultCodebook()
	modes := []codec.Mode{codec.Mode800, codec.Mode1200, codec.Mode1600, codec.StagesMode(1)}
	losses := []float64{0, 0.05, 0.10}
	type sum struct {
		wb, nb, stoi     float64
		n                int
		concealed, slots int64
	}
	res := make([]sum, len(modes)*len(losses))
	for fi, f := range files {
		if fi%5 != 0 {
			continue
		}
		a, err := audiofile.ReadFile(f)
		if err != nil || a.Rate != codec.SampleRate {
			t.Logf("skipped %s: %v (%d Hz)", f, err, a.Rate)
			continue
		}
		x := a.Samples
		for mi, m := range modes {
			enc, err := stream.NewEncoder(cb, &stream.EncoderConfig{Mode: m})
			if err != nil {
				t.Fatal(err)
			}
			var pkts []stream.Packet
			emit := func(p stream.Packet) error {
				p.Payload = append([]byte(nil), p.Payload...)
				pkts = append(pkts, p)
				return nil
			}
			if err := enc.Push(x, emit); err != nil {
				t.Fatal(err)
			}
			if err := enc.Flush(emit); err != nil {
				t.Fatal(err)
			}
			ps := enc.Mode().PacketSamples()
			for li, loss := range losses {
				rng := rand.New(rand.NewPCG(uint64(fi), uint64(li)))
				dec, err := stream.NewModeDecoder(cb, m, &stream.DecoderConfig{MinDepth: 1, StartDepth: 1, MaxDepth: 1})
				if err != nil {
					t.Fatal(err)
				}
				y := make([]float32, (len(pkts)+1)*ps)
				for k := range len(pkts) + 1 {
					if k < len(pkts) && rng.Float64() >= loss {
						if err := dec.Push(pkts[k]); err != nil {
							t.Fatal(err)
						}
					}
					dec.Pull(y[k*ps : (k+1)*ps])
				}
				wb, nb, err := pesqScores(context.Background(), pesq, x, y)
				if err != nil {
					t.Fatal(err)
				}
				r, d := metrics.Compensate(x, y, metrics.Align(x, y, int(metrics.MaxAlignSeconds*codec.SampleRate)))
				s, err := metrics.STOI(r, d, codec.SampleRate)
				if err != nil {
					t.Fatal(err)
				}
				acc := &res[mi*len(losses)+li]
				acc.wb, acc.nb, acc.stoi, acc.n = acc.wb+wb, acc.nb+nb, acc.stoi+s, acc.n+1
				acc.concealed += dec.Stats().Concealed
				acc.slots += int64(len(pkts))
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "| mode | packets lost (concealed) | PESQ-WB | PESQ-NB | STOI |\n|---|--:|--:|--:|--:|\n")
	for mi, m := range modes {
		for li, loss := range losses {
			r := res[mi*len(losses)+li]
			n := float64(max(r.n, 1))
			fmt.Fprintf(&b, "| %s | %.0f %% (%.1f %%) | %.3f | %.3f | %.3f |\n", m.Name(), 100*loss,
				100*float64(r.concealed)/float64(max(r.slots, 1)), r.wb/n, r.nb/n, r.stoi/n)
		}
	}
	t.Logf("%d files\n%s", res[0].n, b.String())
}
