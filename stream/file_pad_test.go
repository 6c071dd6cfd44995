package stream

import (
	"bytes"
	"errors"
	"io"
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

// TestJoinPadStages: a 1-stage live stream (pad stages in its packets)
// joined mid-way, without its header, decodes with the codebook's pad book
// and without damage; the full stream decodes too.
func TestJoinPadStages(t *testing.T) {
	cb := codec.DefaultCodebook()
	x := loadClip(t, "librispeech-7312-m.wav")[:2*codec.SampleRate]
	enc, err := NewEncoder(cb, &EncoderConfig{Stages: 1})
	if err != nil {
		t.Fatal(err)
	}
	h := vqs.Header{SampleRate: codec.SampleRate, PacketSamples: codec.PacketSamples, Stages: 1, CodebookFingerprint: cb.Fingerprint()}
	h.SetPadBook(enc.PadBook())
	if h.Flags&vqs.FlagPadStages == 0 {
		t.Fatal("1-stage header without FlagPadStages")
	}
	var b bytes.Buffer
	lw, err := vqs.NewLiveWriter(&b, h)
	if err != nil {
		t.Fatal(err)
	}
	emit := func(p Packet) error { return lw.WritePacket(p.Timestamp/codec.PacketSamples, p.Payload) }
	if err := enc.Push(x, emit); err != nil {
		t.Fatal(err)
	}
	if err := enc.Flush(emit); err != nil {
		t.Fatal(err)
	}
	full, _ := decodeFile(t, b.Bytes())
	fr, err := vqs.JoinPacketReader(bytes.NewReader(b.Bytes()[b.Len()/2:]))
	if err != nil {
		t.Fatal(err)
	}
	fd, err := NewFileDecoder(fr, cb)
	if err != nil {
		t.Fatal(err)
	}
	var y []float32
	for err == nil {
		y, err = fd.ReadSamples(y)
	}
	if err != io.EOF || len(fd.Damage()) != 0 || len(y) == 0 || len(y) >= len(full) {
		t.Fatalf("joined: %v, damage %v, %d samples (full stream %d)", err, fd.Damage(), len(y), len(full))
	}
}
