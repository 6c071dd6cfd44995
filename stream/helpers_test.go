package stream

import (
	"path/filepath"
	"testing"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/internal/audiofile"
)

// loadClip reads one of the repository's test clips (see
// testdata/audio/ATTRIBUTION.md).
func loadClip(t testing.TB, name string) []float32 {
	t.Helper()
	a, err := audiofile.ReadFile(filepath.Join("..", "testdata", "audio", name))
	if err != nil {
		t.Fatal(err)
	}
	if a.Rate != codec.SampleRate {
		t.Fatalf("%s: %d Hz", name, a.Rate)
	}
	return a.Samples
}

// packetize runs x through a stream encoder and returns copies of its packets.
func packetize(t testing.TB, x []float32, cfg *EncoderConfig) []Packet {
	t.Helper()
	enc, err := NewEncoder(codec.DefaultCodebook(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	var pkts []Packet
	emit := func(p Packet) error {
		p.Payload = append([]byte(nil), p.Payload...)
		pkts = append(pkts, p)
		return nil
	}
	if err := enc.Push(x, emit); err != nil {
		t.Fatal(err)
	}
	if err := enc.Flush(emit); err != nil {
		t.Fatal(err)
	}
	return pkts
}

// delivery is one packet reaching the decoder before the pull of a tick.
type delivery struct {
	tick int
	pkt  Packet
}

// playout feeds deliveries to dec, pulling one packet's worth of samples per
// tick, and returns the output.
func playout(t testing.TB, dec *Decoder, ds []delivery, ticks int) []float32 {
	t.Helper()
	out := make([]float32, ticks*codec.PacketSamples)
	j := 0
	for tick := 0; tick < ticks; tick++ {
		for ; j < len(ds) && ds[j].tick <= tick; j++ {
			if err := dec.Push(ds[j].pkt); err != nil {
				t.Fatalf("packet %d: %v", j, err)
			}
		}
		dec.Pull(out[tick*codec.PacketSamples : (tick+1)*codec.PacketSamples])
	}
	return out
}

// inOrder delivers packet k at tick k.
func inOrder(pkts []Packet) []delivery {
	ds := make([]delivery, len(pkts))
	for k, p := range pkts {
		ds[k] = delivery{k, p}
	}
	return ds
}

func newTestDecoder(t testing.TB, cfg *DecoderConfig) *Decoder {
	t.Helper()
	d, err := NewDecoder(codec.DefaultCodebook(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
