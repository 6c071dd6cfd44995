package codec_test

import (
	"slices"
	"testing"

	"github.com/vqspeak/vqspeak/codec"
)

// TestResynthesizeVariantZero checks that the zero Variant is the codec's
// own vocoder, sample for sample, and that a substitution changes it.
func TestResynthesizeVariantZero(t *testing.T) {
	x := loadClip(t, "librispeech-367-f.wav")[:16000]
	a := codec.Resynthesize(x, 0)
	if b := codec.ResynthesizeVariant(x, codec.Variant{}); !slices.Equal(a, b) {
		t.Error("ResynthesizeVariant(x, Variant{}) differs from Resynthesize(x, 0)")
	}
	if b := codec.ResynthesizeVariant(x, codec.Variant{FullEnvelope: true}); slices.Equal(a, b) || len(b) != len(x) {
		t.Error("the full envelope changed nothing")
	}
}
