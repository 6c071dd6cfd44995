package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/codec/vqs"
	"github.com/vqspeak/vqspeak/internal/device"
	"github.com/vqspeak/vqspeak/stream"
)

// sliceSource is a capture device that plays back a clip, then closes.
type sliceSource struct{ x []float32 }

func (s *sliceSource) Read(dst []float32) error {
	if len(s.x) == 0 {
		return device.ErrClosed
	}
	n := copy(dst, s.x)
	clear(dst[n:])
	s.x = s.x[n:]
	return nil
}
func (s *sliceSource) Latency() time.Duration  { return 0 }
func (s *sliceSource) Buffered() time.Duration { return 0 }
func (s *sliceSource) DeviceRate() float64     { return codec.SampleRate }
func (s *sliceSource) Stats() device.Stats     { return device.Stats{} }
func (s *sliceSource) Close() error            { return nil }

// TestRecordPipePadStages: a live stream recorded at 1 to 3 stages carries
// pad stages, so its header says so (FlagPadStages and the pad book's
// tag), as a file from "vqspeak encode" does: a reader without that pad
// book refuses it instead of decoding it without its pad stages. At 4
// stages there are no spare bits and no flag.
func TestRecordPipePadStages(t *testing.T) {
	cb := codec.DefaultCodebook()
	x := make([]float32, codec.SampleRate/2)
	for i := range x {
		x[i] = 0.3 * float32((i*37)%200-100) / 100
	}
	for stages := 1; stages <= 4; stages++ {
		var out bytes.Buffer
		e := &env{ctx: context.Background(), stdout: io.Discard, stderr: io.Discard}
		cfg := stream.EncoderConfig{Stages: stages}
		if err := recordPipe(e, &sliceSource{x: x}, &out, cb, cfg, int64(len(x))); err != nil {
			t.Fatal(err)
		}
		fr, err := vqs.NewPacketReader(bytes.NewReader(out.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		h := fr.Header()
		padded := stages < 4
		if (h.Flags&vqs.FlagPadStages != 0) != padded {
			t.Errorf("%d stages: flags %#x, FlagPadStages should be %v", stages, h.Flags, padded)
		}
		if err := vqs.CheckPadBook(h, codec.DefaultPadBook()); err != nil {
			t.Errorf("%d stages: %v", stages, err)
		}
		if padded {
			if err := vqs.CheckPadBook(h, nil); err == nil {
				t.Errorf("%d stages: a decoder without the pad book accepts the stream", stages)
			}
		}
	}
}

// TestLivePlayerPadBook: play refuses a live stream whose header names a
// pad book other than the one this build decodes with, naming both.
func TestLivePlayerPadBook(t *testing.T) {
	cb := codec.DefaultCodebook()
	h := vqs.Header{SampleRate: codec.SampleRate, PacketSamples: codec.PacketSamples, Stages: 1,
		CodebookFingerprint: cb.Fingerprint(), Flags: vqs.FlagPadStages,
		PadBookTag: vqs.PadBookTag(codec.DefaultPadBook().Fingerprint()) ^ 1}
	var b bytes.Buffer
	if _, err := vqs.NewLiveWriter(&b, h); err != nil {
		t.Fatal(err)
	}
	fr, err := vqs.NewPacketReader(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := newLivePlayer(fr, cb, &tickSink{}); !errors.Is(err, vqs.ErrPadBookMismatch) {
		t.Errorf("%v, want ErrPadBookMismatch", err)
	}
}
