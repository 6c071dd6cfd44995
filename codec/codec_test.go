package codec

import (
	"errors"
	"math/rand/v2"
	"testing"
)

func TestPacketRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for bits := 7; bits <= 12; bits++ {
		for stages := 1; stages <= MaxStages; stages++ {
			for range 50 {
				p := Packet{
					Stages:    stages,
					F0:        uint8(r.IntN(1 << f0Bits)),
					Voicing:   uint8(r.IntN(1 << voicingBits)),
					Energy:    uint8(r.IntN(1 << energyBits)),
					MidF0:     uint8(r.IntN(1 << midF0Bits)),
					MidVoice:  uint8(r.IntN(1 << midVoiceBits)),
					MidEnergy: uint8(r.IntN(1 << midEnergyBits)),
				}
				for s := range stages {
					p.Index[s] = r.IntN(1 << bits)
				}
				b := AppendPacket(nil, &p, bits)
				if len(b) != PacketSize(stages, bits) {
					t.Fatalf("%d bits, %d stages: packet of %d bytes, PacketSize says %d", bits, stages, len(b), PacketSize(stages, bits))
				}
				var q Packet
				if err := ParsePacket(&q, b, bits, MaxStages); err != nil {
					t.Fatalf("%d bits, %d stages: %v", bits, stages, err)
				}
				if q != p {
					t.Fatalf("%d bits, %d stages: round trip gave %+v, want %+v", bits, stages, q, p)
				}
			}
		}
	}
}

func TestPacketSizes(t *testing.T) {
	// The default codebook: 5 to 8 bytes for 1 to 4 stages, 3200 b/s at 4.
	for stages, want := range map[int]int{1: 5, 2: 6, 3: 7, 4: 8} {
		if got := PacketSize(stages, 10); got != want {
			t.Errorf("PacketSize(%d, 10) = %d, want %d", stages, got, want)
		}
	}
	cb := DefaultCodebook()
	if got := Bitrate(cb, 4); got > 3200 {
		t.Errorf("4-stage bitrate %d b/s, want at most 3200", got)
	}
	for n := 0; n < 20; n++ {
		var p Packet
		err := ParsePacket(&p, make([]byte, n), 10, 4)
		valid := n >= 5 && n <= 8
		if valid != (err == nil) {
			t.Errorf("%d-byte packet: err %v", n, err)
		}
		if !valid && !errors.Is(err, ErrPacketLength) {
			t.Errorf("%d-byte packet: err %v, want ErrPacketLength", n, err)
		}
	}
}

func TestLatency(t *testing.T) {
	if AlgorithmicLatency.Milliseconds() > 30 {
		t.Errorf("algorithmic latency %v, want at most 30 ms", AlgorithmicLatency)
	}
}

// TestFields checks the side-information table against the wire diagram in
// packet.go: six fields, 24 bits, each reachable through Field and SetField.
func TestFields(t *testing.T) {
	widths := []int{7, 3, 6, 3, 2, 3}
	names := []string{"f0", "voicing", "energy", "mid_f0", "mid_voicing", "mid_energy"}
	if NumFields != Field(len(widths)) {
		t.Fatalf("%d fields, want %d", NumFields, len(widths))
	}
	var p Packet
	for f := range NumFields {
		if f.Bits() != widths[f] || f.Name() != names[f] {
			t.Errorf("field %d: %s, %d bits; want %s, %d bits", f, f.Name(), f.Bits(), names[f], widths[f])
		}
		p.SetField(f, uint8(f)+1)
	}
	want := Packet{F0: 1, Voicing: 2, Energy: 3, MidF0: 4, MidVoice: 5, MidEnergy: 6}
	if p != want {
		t.Errorf("SetField gave %+v, want %+v", p, want)
	}
	for f := range NumFields {
		if p.Field(f) != uint8(f)+1 {
			t.Errorf("Field(%v) = %d, want %d", f, p.Field(f), f+1)
		}
	}
}

// TestParsedPacketAPI checks that Encoder.Packet is what ParsePacket makes
// of the bytes, that DecodePacket and SkipPacket decode it exactly as Decode
// and Skip decode the bytes, and that DecodePacket refuses an out-of-range
// field or stage count without touching the decoder.
func TestParsedPacketAPI(t *testing.T) {
	cb := DefaultCodebook()
	enc, err := NewEncoder(cb, 2)
	if err != nil {
		t.Fatal(err)
	}
	byBytes, _ := NewDecoder(cb)
	byPacket, _ := NewDecoder(cb)
	rng := rand.New(rand.NewPCG(5, 6))
	pcm := make([]float32, PacketSamples)
	var b []byte
	var yb, yp []float32
	for n := range 30 {
		for i := range pcm {
			pcm[i] = float32(rng.NormFloat64() * 0.1)
		}
		if b, err = enc.Encode(b[:0], pcm); err != nil {
			t.Fatal(err)
		}
		p := enc.Packet()
		var want Packet
		if err := ParsePacket(&want, b, IndexBits(cb), cb.NumStages()); err != nil || p != want {
			t.Fatalf("packet %d: Encoder.Packet %+v, ParsePacket %+v (%v)", n, p, want, err)
		}
		if n%7 == 3 {
			if err := byBytes.Skip(b); err != nil {
				t.Fatal(err)
			}
			if err := byPacket.SkipPacket(&p); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if yb, err = byBytes.Decode(yb[:0], b); err != nil {
			t.Fatal(err)
		}
		bad := p
		bad.MidF0 = 8
		if _, err := byPacket.DecodePacket(nil, &bad); !errors.Is(err, ErrPacketField) {
			t.Fatalf("MidF0 8: %v, want ErrPacketField", err)
		}
		bad = p
		bad.Stages = cb.NumStages() + 1
		if _, err := byPacket.DecodePacket(nil, &bad); !errors.Is(err, ErrStages) {
			t.Fatalf("%d stages: %v, want ErrStages", bad.Stages, err)
		}
		if yp, err = byPacket.DecodePacket(yp[:0], &p); err != nil {
			t.Fatal(err)
		}
		for i := range yb {
			if yb[i] != yp[i] {
				t.Fatalf("packet %d sample %d: %v by bytes, %v parsed", n, i, yb[i], yp[i])
			}
		}
	}
}
