package codec_test

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"path/filepath"
	"testing"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/codec/vqs"
)

// TestFileHash writes every bundled clip as a plain and a compact .vqs file
// at 4 stages and checks the SHA-256 of each file and of the 16-bit PCM
// its file decoder returns against testdata/vqsfile.sha256 (see
// TestDecodedHash for when the file may change).
func TestFileHash(t *testing.T) {
	if testing.Short() {
		t.Skip("slow under -race (CI's -short run); the full run checks every hash")
	}
	cb := codec.DefaultCodebook()
	names, clips := bundledClips(t)
	got := map[string]string{}
	for c, x := range clips {
		for _, compact := range []bool{false, true} {
			var buf bytes.Buffer
			newEnc := vqs.NewEncoder
			mode := "plain"
			if compact {
				newEnc, mode = vqs.NewCompactEncoder, "compact"
			}
			fe, err := newEnc(&buf, cb, codec.DefaultStages)
			if err != nil {
				t.Fatal(err)
			}
			if err := fe.WriteSamples(x); err != nil {
				t.Fatal(err)
			}
			if err := fe.Close(); err != nil {
				t.Fatal(err)
			}
			key := fmt.Sprintf("%s %s", names[c], mode)
			file := buf.Bytes()
			got[key+" file"] = fmt.Sprintf("%x", sha256.Sum256(file))
			damaged := bytes.Clone(file)
			damaged[len(damaged)/2] ^= 0x55
			for _, in := range []struct {
				name string
				b    []byte
			}{{"pcm", file}, {"pcm damaged", damaged}} {
				fd, err := vqs.NewDecoder(bytes.NewReader(in.b), cb)
				if err != nil {
					t.Fatal(err)
				}
				var pcm []float32
				for err == nil {
					pcm, err = fd.ReadSamples(pcm)
				}
				if err != io.EOF {
					t.Fatal(err)
				}
				if in.name == "pcm damaged" && len(fd.Damage()) == 0 {
					t.Fatalf("%s: damage not reported", key)
				}
				if exactArch() || *update {
					h := sha256.New()
					pcmHash(h, codec.Float32ToInt16(nil, pcm))
					got[key+" "+in.name] = fmt.Sprintf("%x", h.Sum(nil))
				}
			}
		}
	}
	checkGolden(t, filepath.Join("testdata", "vqsfile.sha256"), got, !exactArch())
}
