package stream

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/codec/vqs"
)

// liveFile encodes x with cfg into a live stream.
func liveFile(t *testing.T, x []float32, cfg EncoderConfig) []byte {
	t.Helper()
	cb := codec.DefaultCodebook()
	enc, err := NewEncoder(cb, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	lw, err := vqs.NewLiveWriter(&b, vqs.Header{SampleRate: codec.SampleRate, PacketSamples: codec.PacketSamples,
		Stages: codec.DefaultStages, CodebookFingerprint: cb.Fingerprint()})
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
	return b.Bytes()
}

func decodeFile(t *testing.T, b []byte) ([]float32, *FileDecoder) {
	t.Helper()
	fr, err := vqs.NewPacketReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	fd, err := NewFileDecoder(fr, codec.DefaultCodebook())
	if err != nil {
		t.Fatal(err)
	}
	var y []float32
	for {
		if y, err = fd.ReadSamples(y); err != nil {
			break
		}
	}
	if err != io.EOF {
		t.Fatal(err)
	}
	return y, fd
}

// TestFileDecoder: a live stream without FEC or DTX decodes exactly as the
// file decoder decodes it; with FEC it decodes to the same samples (the
// FEC sections are not needed); with DTX it keeps its length.
func TestFileDecoder(t *testing.T) {
	x := loadClip(t, "librispeech-367-f.wav")
	plain := liveFile(t, x, EncoderConfig{})
	fdv, err := vqs.NewDecoder(bytes.NewReader(plain), codec.DefaultCodebook())
	if err != nil {
		t.Fatal(err)
	}
	var want []float32
	for err == nil {
		want, err = fdv.ReadSamples(want)
	}
	for _, tc := range []struct {
		name  string
		cfg   EncoderConfig
		exact bool
	}{
		{"plain", EncoderConfig{}, true},
		{"FEC", EncoderConfig{FEC: true}, true},
		{"DTX", EncoderConfig{DTX: true, FEC: true}, false},
	} {
		y, fd := decodeFile(t, liveFile(t, x, tc.cfg))
		if len(y) != len(want) || len(fd.Damage()) > 0 {
			t.Errorf("%s: %d samples (want %d), damage %v", tc.name, len(y), len(want), fd.Damage())
			continue
		}
		t.Logf("%s: %+v", tc.name, fd.dec.Stats())
		if !tc.exact {
			continue
		}
		for i := range want {
			if y[i] != want[i] {
				t.Errorf("%s: sample %d differs from the file decoder's", tc.name, i)
				break
			}
		}
	}
}

// TestFileDecoderDamage: a damaged frame is concealed, or rebuilt from
// FEC, and the output keeps its length.
func TestFileDecoderDamage(t *testing.T) {
	x := loadClip(t, "librispeech-367-f.wav")
	b := liveFile(t, x, EncoderConfig{FEC: true})
	want, _ := decodeFile(t, b)
	b = bytes.Clone(b)
	b[len(b)/2] ^= 0x08
	y, fd := decodeFile(t, b)
	var ce *vqs.CorruptBlockError
	if len(fd.Damage()) != 1 || !errors.As(fd.Damage()[0], &ce) || len(y) != len(want) {
		t.Fatalf("damage %v, %d samples (want %d)", fd.Damage(), len(y), len(want))
	}
	if r := fd.dec.Stats().Recovered + fd.dec.Stats().Concealed; r < 1 {
		t.Errorf("nothing rebuilt or concealed: %+v", fd.dec.Stats())
	}
}
