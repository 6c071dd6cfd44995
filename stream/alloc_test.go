package stream

import (
	"testing"

	"github.com/vqspeak/vqspeak/codec"
)

func TestNoAllocations(t *testing.T) {
	x := loadClip(t, "fleurs-es-006.wav")
	for _, cfg := range []EncoderConfig{{}, {FEC: true, DTX: true}} {
		enc, err := NewEncoder(codec.DefaultCodebook(), &cfg)
		if err != nil {
			t.Fatal(err)
		}
		dec := newTestDecoder(t, nil)
		emit := func(p Packet) error { return dec.Push(p) }
		// Each measured call moves 40 ms (two packets) in 10 ms chunks, so
		// one allocation per packet shows as 2 per call: AllocsPerRun
		// truncates its average, and 0.5 per call would read as 0.
		const chunk, chunksPerCall = 160, 4
		out := make([]float32, chunk)
		pos := 0
		step := func() {
			for range chunksPerCall {
				if err := enc.Push(x[pos:pos+chunk], emit); err != nil {
					t.Fatal(err)
				}
				dec.Pull(out)
				pos = (pos + chunk) % (len(x) - chunk)
			}
		}
		for range 100 { // warm up
			step()
		}
		if a := testing.AllocsPerRun(250, step); a != 0 {
			t.Errorf("%+v: %v allocations per 40 ms (push, decode, pull), want 0", cfg, a)
		}
		// Losses too: concealment and FEC recovery allocate nothing.
		lossy := func(p Packet) error {
			if p.Seq%5 == 0 {
				return nil
			}
			return dec.Push(p)
		}
		if a := testing.AllocsPerRun(250, func() {
			for range chunksPerCall {
				if err := enc.Push(x[pos:pos+chunk], lossy); err != nil {
					t.Fatal(err)
				}
				dec.Pull(out)
				pos = (pos + chunk) % (len(x) - chunk)
			}
		}); a != 0 {
			t.Errorf("%+v: %v allocations per 40 ms with 20 %% loss, want 0", cfg, a)
		}
		ints := make([]int16, chunk)
		if a := testing.AllocsPerRun(100, func() {
			for range chunksPerCall {
				for i, v := range x[pos : pos+chunk] {
					ints[i] = int16(v * 32767)
				}
				if err := enc.PushInt16(ints, emit); err != nil {
					t.Fatal(err)
				}
				dec.PullInt16(ints)
				pos = (pos + chunk) % (len(x) - chunk)
			}
		}); a != 0 {
			t.Errorf("%+v: %v allocations per 40 ms of int16, want 0", cfg, a)
		}
	}
}

func BenchmarkEncoder(b *testing.B) {
	x := loadClip(b, "fleurs-es-006.wav")
	enc, _ := NewEncoder(codec.DefaultCodebook(), nil)
	var bytes int
	emit := func(p Packet) error { bytes += len(p.Payload); return nil }
	b.SetBytes(codec.PacketSamples * 2)
	b.ReportAllocs()
	pos := 0
	for b.Loop() {
		if err := enc.Push(x[pos:pos+codec.PacketSamples], emit); err != nil {
			b.Fatal(err)
		}
		pos = (pos + codec.PacketSamples) % (len(x) - codec.PacketSamples)
	}
}

func BenchmarkDecoder(b *testing.B) {
	x := loadClip(b, "fleurs-es-006.wav")
	pkts := packetize(b, x, nil)
	dec := newTestDecoder(b, nil)
	out := make([]float32, codec.PacketSamples)
	var k int
	var seq uint16
	var ts uint32
	b.SetBytes(codec.PacketSamples * 2)
	b.ReportAllocs()
	for b.Loop() {
		p := pkts[k]
		p.Seq, p.Timestamp = seq, ts // keep counting past the clip's end
		seq++
		ts += codec.PacketSamples
		if err := dec.Push(p); err != nil {
			b.Fatal(err)
		}
		dec.Pull(out)
		k = (k + 1) % len(pkts)
	}
}
