package vqs_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/codec/vqs"
)

// TestLowRateFile: a low-rate mode's file records its mode in the header
// (40 ms packets and the mode's stage count), decodes with no mode given,
// and is as long as its input.
func TestLowRateFile(t *testing.T) {
	cb := codec.DefaultCodebook()
	x := loadClip(t, "librispeech-7312-m.wav")[:16000]
	for _, m := range []codec.Mode{codec.Mode800, codec.Mode1200, codec.Mode1600, codec.StagesMode(2)} {
		var file bytes.Buffer
		fe, err := vqs.NewModeEncoder(&file, cb, m)
		if err != nil {
			t.Fatal(err)
		}
		if err := fe.WriteSamples(x); err != nil {
			t.Fatal(err)
		}
		if err := fe.Close(); err != nil {
			t.Fatal(err)
		}
		fd, err := vqs.NewDecoder(bytes.NewReader(file.Bytes()), cb)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := fd.Header().Mode(); err != nil || got != m || int(fd.Header().PacketSamples) != m.PacketSamples() {
			t.Fatalf("%s: header mode %+v, %v", m.Name(), got, err)
		}
		var y []float32
		for {
			y, err = fd.ReadSamples(y)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		if len(fd.Damage()) > 0 || len(y) < len(x) || len(y) >= len(x)+m.PacketSamples() {
			t.Errorf("%s: %d samples from %d, damage %v", m.Name(), len(y), len(x), fd.Damage())
		}
		packets := (len(x) + codec.Delay + m.PacketSamples() - 1) / m.PacketSamples()
		if want := 32 + packets*(1+m.PacketSize(10)) + 14*((packets+49)/50); file.Len() != want {
			t.Errorf("%s: %d bytes, want %d", m.Name(), file.Len(), want)
		}
	}
}

// TestUnknownModeRefused: a header with 40 ms packets and a stage count
// no low-rate mode has, or another packet length, or 20 ms packets of
// more stages than any mode has, names what it found.
func TestUnknownModeRefused(t *testing.T) {
	cb := codec.DefaultCodebook()
	for _, h := range []vqs.Header{
		{SampleRate: 16000, PacketSamples: 640, Stages: 1, CodebookFingerprint: cb.Fingerprint()},
		{SampleRate: 16000, PacketSamples: 480, Stages: 1, CodebookFingerprint: cb.Fingerprint()},
		{SampleRate: 16000, PacketSamples: 320, Stages: codec.MaxStages + 1, CodebookFingerprint: cb.Fingerprint()},
		{SampleRate: 16000, PacketSamples: 320, Stages: 255, CodebookFingerprint: cb.Fingerprint()},
	} {
		var file bytes.Buffer
		fw, err := vqs.NewPacketWriter(&file, h)
		if err != nil {
			t.Fatal(err)
		}
		if err := fw.Close(); err != nil {
			t.Fatal(err)
		}
		_, err = vqs.NewDecoder(bytes.NewReader(file.Bytes()), cb)
		if !errors.Is(err, vqs.ErrUnknownMode) || !strings.Contains(err.Error(), "-sample packets") {
			t.Errorf("%+v: %v, want ErrUnknownMode naming the packets", h, err)
		}
	}
}
