package stream

import (
	"crypto/sha256"
	"encoding/binary"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/vqspeak/vqspeak/codec"
)

var update = flag.Bool("update", false, "rewrite testdata golden files")

// TestDecodedHash streams every bundled clip through the Encoder (plain,
// and with FEC and DTX) and a Decoder that loses every seventh packet and
// gets every eleventh one a packet late, pulling 16-bit PCM in 10 ms
// chunks, and checks the SHA-256 of the payloads and of the PCM against
// testdata/decoded.sha256. Only an intended change of the wire format or
// the decoder may rewrite the file (-update). Decoded PCM is compared on
// amd64 only: arm64's fused multiply-adds move a few samples by 1 LSB.
func TestDecodedHash(t *testing.T) {
	if testing.Short() {
		t.Skip("slow under -race (CI's -short run); the full run checks every hash")
	}
	dir := filepath.Join("..", "testdata", "audio")
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	exact := runtime.GOARCH == "amd64"
	got := map[string]string{}
	for _, e := range ents {
		if ext := filepath.Ext(e.Name()); ext != ".wav" && ext != ".flac" {
			continue
		}
		x := loadClip(t, e.Name())
		for _, mode := range []struct {
			name string
			cfg  EncoderConfig
		}{{"plain", EncoderConfig{}}, {"fec+dtx", EncoderConfig{FEC: true, DTX: true, Seq: 65500}}} {
			pkts := packetize(t, x, &mode.cfg)
			hp := sha256.New()
			var ds []delivery
			for k, p := range pkts {
				fmt.Fprintf(hp, "%d %d %d\n", p.Seq, p.Timestamp, len(p.Payload))
				hp.Write(p.Payload)
				switch {
				case k%7 == 3:
				case k%11 == 5:
					ds = append(ds, delivery{k + 1, p})
				default:
					ds = append(ds, delivery{k, p})
				}
			}
			slices.SortStableFunc(ds, func(a, b delivery) int { return a.tick - b.tick })
			dec := newTestDecoder(t, &fixedDepth1)
			hd := sha256.New()
			var pcm [codec.PacketSamples / 2]int16
			var b [2]byte
			j := 0
			for tick := range len(pkts) + 2 {
				for ; j < len(ds) && ds[j].tick <= tick; j++ {
					if err := dec.Push(ds[j].pkt); err != nil {
						t.Fatal(err)
					}
				}
				for range 2 {
					dec.PullInt16(pcm[:])
					for _, v := range pcm {
						binary.LittleEndian.PutUint16(b[:], uint16(v))
						hd.Write(b[:])
					}
				}
			}
			key := e.Name() + " " + mode.name
			got[key+" payloads"] = fmt.Sprintf("%x", hp.Sum(nil))
			if exact || *update {
				got[key+" pcm"] = fmt.Sprintf("%x", hd.Sum(nil))
			}
		}
	}
	path := filepath.Join("testdata", "decoded.sha256")
	if *update {
		var b strings.Builder
		for _, k := range slices.Sorted(maps.Keys(got)) {
			fmt.Fprintf(&b, "%s  %s\n", got[k], k)
		}
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	golden, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for line := range strings.Lines(string(golden)) {
		h, k, _ := strings.Cut(strings.TrimSpace(line), "  ")
		if g, ok := got[k]; ok {
			n++
			if g != h {
				t.Errorf("%s: SHA-256 %s, want %s", k, g, h)
			}
		} else if exact {
			t.Errorf("%s: in %s but not computed", k, path)
		}
	}
	if n != len(got) {
		t.Errorf("%d hashes computed, %d of them in %s", len(got), n, path)
	}
}
