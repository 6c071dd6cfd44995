package codec_test

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/vqspeak/vqspeak/codec"
)

// codeWith codes x at stages with a fresh encoder of the default codebook
// and decodes it with dec.
func codeWith(t *testing.T, dec *codec.Decoder, x []float32, stages int) []float32 {
	t.Helper()
	enc, err := codec.NewEncoder(codec.DefaultCodebook(), stages)
	if err != nil {
		t.Fatal(err)
	}
	var out []float32
	var pkt []byte
	for pos := 0; pos+codec.PacketSamples <= len(x); pos += codec.PacketSamples {
		if pkt, err = enc.Encode(pkt[:0], x[pos:pos+codec.PacketSamples]); err != nil {
			t.Fatal(err)
		}
		if out, err = dec.Decode(out, pkt); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestEnvelopeModelDefault checks that decoders of the default codebook use
// the embedded model, that nil turns it off and that a model is refused
// for another codebook.
func TestEnvelopeModelDefault(t *testing.T) {
	cb := codec.DefaultCodebook()
	m := codec.DefaultEnvelopeModel()
	x := loadClip(t, "librispeech-367-f.wav")[:3*codec.SampleRate]
	withDefault, _ := codec.NewDecoder(cb)
	explicit, _ := codec.NewDecoder(cb)
	if err := explicit.SetEnvelopeModel(m); err != nil {
		t.Fatal(err)
	}
	off, _ := codec.NewDecoder(cb)
	if err := off.SetEnvelopeModel(nil); err != nil {
		t.Fatal(err)
	}
	a, b, c := codeWith(t, withDefault, x, 2), codeWith(t, explicit, x, 2), codeWith(t, off, x, 2)
	if !slices.Equal(a, b) {
		t.Error("a default decoder does not decode as one given DefaultEnvelopeModel")
	}
	if slices.Equal(a, c) {
		t.Error("the envelope model changes nothing")
	}

	other := cb.Clone()
	other.Stages[0][0] += 0.5
	dec, _ := codec.NewDecoder(other)
	if err := dec.SetEnvelopeModel(m); !errors.Is(err, codec.ErrEnvelopeModel) {
		t.Errorf("model for another codebook: %v, want ErrEnvelopeModel", err)
	}
}

// TestEnvelopeModelTraining fits a model to one clip's rows and checks that
// it lowers the middle-frame envelope error on them, that the file
// round-trips and that damaged files are refused.
func TestEnvelopeModelTraining(t *testing.T) {
	cb := codec.DefaultCodebook()
	x := loadClip(t, "librispeech-7312-m.wav")
	rows, err := codec.EnvelopeModelRows(nil, x, cb)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows)%(codec.EnvelopeModelRowLen*cb.NumStages()) != 0 {
		t.Fatalf("%d floats: not whole groups of rows", len(rows))
	}
	st := codec.NewEnvelopeModelStats(cb.NumStages())
	st.Add(rows)
	m, err := st.Solve(codec.EnvelopeModelLambda, 1)
	if err != nil {
		t.Fatal(err)
	}
	for s, e := range st.Error(m) {
		if e.Rows < 100 || !(e.After < 0.95*e.Before) {
			t.Errorf("%d stages: %d rows, error %.4f → %.4f", s+1, e.Rows, e.Before, e.After)
		}
	}
	var buf bytes.Buffer
	if err := codec.WriteEnvelopeModel(&buf, m, cb); err != nil {
		t.Fatal(err)
	}
	back, err := codec.ParseEnvelopeModel(buf.Bytes(), cb)
	if err != nil {
		t.Fatal(err)
	}
	var again bytes.Buffer
	codec.WriteEnvelopeModel(&again, back, cb)
	if !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Error("model file does not round-trip")
	}
	b := buf.Bytes()
	for name, bad := range map[string][]byte{
		"truncated": b[:len(b)-1],
		"magic":     append([]byte("VQEX"), b[4:]...),
		"version":   append(append([]byte{}, b[:4]...), append([]byte{99}, b[5:]...)...),
		"empty":     nil,
	} {
		if _, err := codec.ParseEnvelopeModel(bad, cb); !errors.Is(err, codec.ErrEnvelopeModel) {
			t.Errorf("%s: %v, want ErrEnvelopeModel", name, err)
		}
	}
}

// BenchmarkDecodeNoEnvelopeModel is BenchmarkDecode without the model: the
// difference is the model's cost per packet.
func BenchmarkDecodeNoEnvelopeModel(b *testing.B) { benchmarkDecode(b, nil) }
