package vqs

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/codec/vqs/compact"
)

// skewedPackets returns n packets with speech-like skewed field values.
func skewedPackets(n int) [][]byte {
	rng := rand.New(rand.NewPCG(3, 4))
	skew := func(bits int) uint8 { return uint8(min(rng.ExpFloat64()*2, float64(int(1)<<bits-1))) }
	var out [][]byte
	p := codec.Packet{Stages: 4}
	for range n {
		p.F0 = (p.F0 + skew(3)) & 127
		p.Voicing, p.Energy = skew(codec.FieldVoicing.Bits()), skew(codec.FieldEnergy.Bits())
		p.MidF0, p.MidVoice, p.MidEnergy = skew(codec.FieldMidF0.Bits()), skew(codec.FieldMidVoicing.Bits()), skew(codec.FieldMidEnergy.Bits())
		for s := range p.Stages {
			p.Index[s] = int(rng.Uint32N(1024))
		}
		p.Index[0] = (p.Index[0]&15 + int(skew(4))) & 1023
		out = append(out, codec.AppendPacket(nil, &p, 10))
	}
	return out
}

// TestCompactWriterTableSet checks which set the blocks of a compact file
// name, by default and when told.
func TestCompactWriterTableSet(t *testing.T) {
	pkts := skewedPackets(100)
	h := Header{SampleRate: 16000, PacketSamples: 320, Stages: 4}
	for _, tc := range []struct {
		set, want int
	}{{-1, compact.DefaultTableSet}, {0, 0}, {1, 1}, {2, 2}} {
		var buf bytes.Buffer
		fw, err := NewCompactPacketWriter(&buf, h, 10)
		if err != nil {
			t.Fatal(err)
		}
		if tc.set >= 0 {
			if err := fw.SetCompactTableSet(tc.set); err != nil {
				t.Fatal(err)
			}
		}
		for _, p := range pkts {
			if err := fw.WritePacket(p); err != nil {
				t.Fatal(err)
			}
		}
		if err := fw.Close(); err != nil {
			t.Fatal(err)
		}
		b := buf.Bytes()[headerLenV1:]
		if b[2] != kindCompact || int(b[blockHeaderLen+1]) != tc.want {
			t.Errorf("SetCompactTableSet(%d): block kind %d set %d, want compact with set %d", tc.set, b[2], b[blockHeaderLen+1], tc.want)
		}
		_, got, st, err := ReadAllPackets(&buf)
		if err != nil || st.CompactBlocks != 2 || len(got) != len(pkts) {
			t.Errorf("set %d: read %d packets, %d compact blocks: %v", tc.want, len(got), st.CompactBlocks, err)
		}
		for i := range got {
			if !bytes.Equal(got[i], pkts[i]) {
				t.Fatalf("set %d: packet %d differs", tc.want, i)
			}
		}
	}
	plain, _ := NewPacketWriter(&bytes.Buffer{}, h)
	c8, _ := NewCompactPacketWriter(&bytes.Buffer{}, h, 8)
	c10, _ := NewCompactPacketWriter(&bytes.Buffer{}, h, 10)
	for name, err := range map[string]error{
		"plain writer":    plain.SetCompactTableSet(1),
		"8-bit indices":   c8.SetCompactTableSet(1),
		"unknown set":     c10.SetCompactTableSet(compact.TableSets + 1),
		"negative number": c10.SetCompactTableSet(-1),
	} {
		if err == nil {
			t.Errorf("%s: SetCompactTableSet succeeded", name)
		}
	}
	if err := c8.SetCompactTableSet(0); err != nil {
		t.Errorf("8-bit indices, set 0: %v", err)
	}
}
