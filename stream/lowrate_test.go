package stream

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/codec/vqs"
)

// TestFileDecoderRefusesLowRate: a stream in a 40 ms mode is refused by
// name instead of being decoded as 20 ms packets.
func TestFileDecoderRefusesLowRate(t *testing.T) {
	cb := codec.DefaultCodebook()
	var b bytes.Buffer
	m := codec.Mode1600
	fw, err := vqs.NewPacketWriter(&b, vqs.Header{SampleRate: codec.SampleRate, PacketSamples: uint16(m.PacketSamples()),
		Stages: uint8(m.Stages), CodebookFingerprint: cb.Fingerprint()})
	if err != nil {
		t.Fatal(err)
	}
	if err := fw.WritePacket(make([]byte, m.PacketSize(10))); err != nil {
		t.Fatal(err)
	}
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	fr, err := vqs.NewPacketReader(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	_, err = NewFileDecoder(fr, cb)
	if !errors.Is(err, ErrLowRate) || !strings.Contains(err.Error(), "1600 b/s mode (40 ms packets)") {
		t.Errorf("NewFileDecoder: %v, want ErrLowRate naming the mode", err)
	}
}
