package stream

import (
	"bytes"
	"errors"
	"testing"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/codec/vqs"
)

// TestFileDecoderPadBook: a live stream whose header names a pad book
// (FlagPadStages) other than the decoder's is refused, as vqs.NewDecoder
// refuses such a file, instead of decoding its pad fields with the wrong
// pad stages; the stream of the decoder's own pad book decodes.
func TestFileDecoderPadBook(t *testing.T) {
	cb := codec.DefaultCodebook()
	tag := vqs.PadBookTag(codec.DefaultPadBook().Fingerprint())
	for _, tc := range []struct {
		tag  uint16
		want error
	}{{tag, nil}, {tag ^ 0x5a5a, vqs.ErrPadBookMismatch}} {
		h := vqs.Header{SampleRate: codec.SampleRate, PacketSamples: codec.PacketSamples,
			Stages: 2, CodebookFingerprint: cb.Fingerprint(), Flags: vqs.FlagPadStages, PadBookTag: tc.tag}
		var b bytes.Buffer
		if _, err := vqs.NewLiveWriter(&b, h); err != nil {
			t.Fatal(err)
		}
		fr, err := vqs.NewPacketReader(bytes.NewReader(b.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := NewFileDecoder(fr, cb); !errors.Is(err, tc.want) {
			t.Errorf("tag %04x: %v, want %v", tc.tag, err, tc.want)
		}
	}
}
