package codec_test

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/vqspeak/vqspeak/codec"
)

// TestPadBookDefault checks the embedded pad book: one pad stage for each
// stage count whose packets have spare bits, as wide as the spare bits.
func TestPadBookDefault(t *testing.T) {
	cb := codec.DefaultCodebook()
	pb := codec.DefaultPadBook()
	for s, want := range []int{6, 4, 2, 0} {
		if got := codec.PadBits(s+1, codec.IndexBits(cb)); got != want {
			t.Errorf("%d stages: %d spare bits, want %d", s+1, got, want)
		}
		if got := pb.Bits(s + 1); got != want {
			t.Errorf("%d stages: pad stage of %d bits, want %d", s+1, got, want)
		}
	}
	if pb.CodebookFingerprint() != cb.Fingerprint() {
		t.Error("the embedded pad book is not the default codebook's")
	}
	enc, _ := codec.NewEncoder(cb, 1)
	dec, _ := codec.NewDecoder(cb)
	if enc.PadBook() == nil || dec.PadBook() == nil || enc.PadBook().Fingerprint() != pb.Fingerprint() || dec.PadBook().Fingerprint() != pb.Fingerprint() {
		t.Error("the default codebook's encoder and decoder do not use the embedded pad book")
	}
	var buf bytes.Buffer
	if err := codec.WritePadBook(&buf, pb); err != nil {
		t.Fatal(err)
	}
	again, err := codec.ParsePadBook(buf.Bytes(), cb)
	if err != nil || again.Fingerprint() != pb.Fingerprint() {
		t.Fatalf("round trip: %v", err)
	}
	other := cb.Clone()
	other.Stages[0][0] += 0.5
	if _, err := codec.ParsePadBook(buf.Bytes(), other); !errors.Is(err, codec.ErrPadBook) {
		t.Errorf("another codebook's pad book: %v, want ErrPadBook", err)
	}
	if enc, _ := codec.NewEncoder(other, 1); enc.PadBook() != nil {
		t.Error("another codebook's encoder has a pad book")
	}
	if enc, _ := codec.NewEncoder(other, 1); enc.SetPadBook(pb) == nil {
		t.Error("an encoder of another codebook took the pad book")
	}
	if dec, _ := codec.NewDecoder(other); dec.SetPadBook(pb) == nil {
		t.Error("a decoder of another codebook took the pad book")
	}
}

// TestPadCompatible checks the pad stages' compatibility: packets made
// without pad stages (all pad values 0, as before pad stages existed)
// decode bit for bit the same with and without the pad book; packets made
// with them use them, and a decoder without the pad book refuses them
// rather than decoding them wrong.
func TestPadCompatible(t *testing.T) {
	cb := codec.DefaultCodebook()
	x := loadClip(t, "librispeech-367-f.wav")[:2*codec.SampleRate]
	for stages := 1; stages <= 4; stages++ {
		plain, _ := codec.NewEncoder(cb, stages)
		if err := plain.SetPadBook(nil); err != nil {
			t.Fatal(err)
		}
		padded, _ := codec.NewEncoder(cb, stages)
		withPad, _ := codec.NewDecoder(cb)
		noPad, _ := codec.NewDecoder(cb)
		if err := noPad.SetPadBook(nil); err != nil {
			t.Fatal(err)
		}
		var a, b []float32
		var pkt, pkt2 []byte
		used := 0
		for pos := 0; pos+codec.PacketSamples <= len(x); pos += codec.PacketSamples {
			var err error
			pcm := x[pos : pos+codec.PacketSamples]
			pkt, _ = plain.Encode(pkt[:0], pcm)
			if p := plain.Packet(); p.Pad != 0 {
				t.Fatalf("%d stages: an encoder without a pad book sent pad %d", stages, p.Pad)
			}
			if a, err = withPad.Decode(a, pkt); err != nil {
				t.Fatal(err)
			}
			if b, err = noPad.Decode(b, pkt); err != nil {
				t.Fatal(err)
			}
			pkt2, _ = padded.Encode(pkt2[:0], pcm)
			var p codec.Packet
			if err := codec.ParsePacket(&p, pkt2, codec.IndexBits(cb), cb.NumStages()); err != nil {
				t.Fatal(err)
			}
			if p != padded.Packet() {
				t.Fatalf("parsed %+v, the encoder sent %+v", p, padded.Packet())
			}
			if p.Pad != 0 {
				used++
				n := len(b)
				if b, err = noPad.DecodePacket(b, &p); !errors.Is(err, codec.ErrPacketPad) || len(b) != n {
					t.Fatalf("%d stages: a decoder without the pad book decoded pad %d: %v", stages, p.Pad, err)
				}
				if !strings.Contains(err.Error(), "the decoder has no pad book") {
					t.Fatalf("%d stages: the message does not say the decoder lacks a pad book: %v", stages, err)
				}
			}
		}
		if !slices.Equal(a, b) {
			t.Errorf("%d stages: packets without pad stages decode differently with the pad book", stages)
		}
		if want := codec.PadBits(stages, codec.IndexBits(cb)) > 0; (used > 0) != want {
			t.Errorf("%d stages: %d packets used the pad stage (spare bits: %v)", stages, used, want)
		}
	}
}

// TestTrainPadBook trains pad stages on two clips twice and wants the same
// bytes, and a pad book that lowers the weighted error on them.
func TestTrainPadBook(t *testing.T) {
	cb := codec.DefaultCodebook()
	var rows []float32
	for _, name := range []string{"fleurs-es-006.wav", "librispeech-367-f.wav"} {
		var err error
		if rows, err = codec.PadTrainingRows(rows, loadClip(t, name), cb); err != nil {
			t.Fatal(err)
		}
	}
	var files [2][]byte
	var book *codec.PadBook
	for i := range files {
		var err error
		if book, err = codec.TrainPadBook(rows, cb, 1, 5); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := codec.WritePadBook(&buf, book); err != nil {
			t.Fatal(err)
		}
		files[i] = buf.Bytes()
	}
	if !bytes.Equal(files[0], files[1]) {
		t.Fatal("the same rows and seed trained different pad books")
	}
	errs := codec.PadError(rows, book, cb)
	if len(errs) != 3 {
		t.Fatalf("%d stage counts measured, want 3", len(errs))
	}
	for _, r := range errs {
		if r.Rows == 0 || !(r.After < r.Before) {
			t.Errorf("%d stages: error %g → %g over %d rows", r.Stages, r.Before, r.After, r.Rows)
		}
	}
}

// FuzzParsePadBook feeds ParsePadBook hostile bytes: it must not panic, and
// a book it accepts must write back to the same bytes.
func FuzzParsePadBook(f *testing.F) {
	var buf bytes.Buffer
	if err := codec.WritePadBook(&buf, codec.DefaultPadBook()); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add(buf.Bytes()[:20])
	cb := codec.DefaultCodebook()
	f.Fuzz(func(t *testing.T, b []byte) {
		pb, err := codec.ParsePadBook(b, cb)
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := codec.WritePadBook(&out, pb); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out.Bytes(), b) {
			t.Fatal("accepted bytes do not write back the same")
		}
	})
}

// BenchmarkEncodePad is BenchmarkEncode at 1 stage with and without the pad
// stage, its encoder cost.
func BenchmarkEncodePad(b *testing.B) {
	cb := codec.DefaultCodebook()
	x := loadClip(b, "fleurs-es-006.wav")
	for _, pad := range []*codec.PadBook{codec.DefaultPadBook(), nil} {
		name := "pad"
		if pad == nil {
			name = "none"
		}
		b.Run(name, func(b *testing.B) {
			enc, _ := codec.NewEncoder(cb, 1)
			if err := enc.SetPadBook(pad); err != nil {
				b.Fatal(err)
			}
			pkt := make([]byte, 0, 16)
			b.ReportAllocs()
			pos := 0
			for b.Loop() {
				pkt, _ = enc.Encode(pkt[:0], x[pos:pos+codec.PacketSamples])
				pos = (pos + codec.PacketSamples) % (len(x) - codec.PacketSamples)
			}
		})
	}
}
