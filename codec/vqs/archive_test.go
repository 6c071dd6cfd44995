package vqs_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"runtime"
	"testing"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/codec/vqs"
)

// TestDecodeArchive decodes files that "vqspeak encode" wrote with the
// first default codebook (fingerprint ed26e075959c9156, made before the
// codebook trained under the encoder's weighting became the default) from
// testdata/audio/speechcommands-bed-28497c5b.flac: plain at 4 stages, compact at
// 2 stages, and the 1200 b/s mode. Given the default codebook, the decoder
// must pick the earlier one by the header's fingerprint and return the
// same 16-bit PCM as the build that wrote them (SHA-256 of the samples of
// "vqspeak decode"'s WAV; bit for bit on amd64, where they were made).
func TestDecodeArchive(t *testing.T) {
	for _, tc := range []struct{ file, sha string }{
		{"archive-ed26e075.vqs", "a57afc96f3a46bbbd921ba119985975bede6ce0d8cac250b02ae42677f0ec045"},
		{"archive-ed26e075-compact.vqs", "8ea2cacf4df452753b3404fd73f7385890f2cd40547f744e4c23c518e4155c7c"},
		{"archive-ed26e075-1200.vqs", "105b64190b8e1b0d235356d01b50f1f8c53d78e27e44bc743b084c2d6c3d53d4"},
	} {
		b, err := os.ReadFile("testdata/" + tc.file)
		if err != nil {
			t.Fatal(err)
		}
		fd, err := vqs.NewDecoder(bytes.NewReader(b), codec.DefaultCodebook())
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if fp := fd.Header().CodebookFingerprint; fmt.Sprintf("%x", fp) != "ed26e075959c9156" || codec.EmbeddedCodebook(fp) == nil {
			t.Fatalf("%s: codebook %x, not the embedded earlier default", tc.file, fp)
		}
		var pcm []float32
		for err == nil {
			pcm, err = fd.ReadSamples(pcm)
		}
		if err != io.EOF || len(fd.Damage()) > 0 {
			t.Fatalf("%s: %v, damage %v", tc.file, err, fd.Damage())
		}
		if n := len(pcm); n < 16000 || n > 17000 {
			t.Errorf("%s: %d samples, want the clip's 1.02 s", tc.file, n)
		}
		h := sha256.New()
		for _, v := range codec.Float32ToInt16(nil, pcm) {
			binary.Write(h, binary.LittleEndian, v)
		}
		got := fmt.Sprintf("%x", h.Sum(nil))
		if got != tc.sha && runtime.GOARCH == "amd64" {
			t.Errorf("%s: decoded PCM SHA-256 %s, want %s", tc.file, got, tc.sha)
		}
	}
}
