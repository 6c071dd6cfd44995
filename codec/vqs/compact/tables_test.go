package compact

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/klauspost/compress/huff0"
	"github.com/vqspeak/vqspeak/codec"
)

// checkTable checks that a static table codes every symbol below 2^bits and
// decodes what it codes.
func checkTable(t *testing.T, name string, table []byte, bits int) {
	t.Helper()
	s, rest, err := huff0.ReadTable(table, nil)
	if err != nil || len(rest) != 0 {
		t.Fatalf("%s: ReadTable: %v, %d bytes left", name, err, len(rest))
	}
	var all [256]uint32
	for v := range 1 << bits {
		all[v] = 1
	}
	if !s.CanUseTable(&all) {
		t.Fatalf("%s: some %d-bit symbol has no code", name, bits)
	}
	// Every symbol once, then many copies of the one with the shortest
	// code, so that the coded stream is shorter than the input.
	short, shortSize := 0, 0
	for v := range 1 << bits {
		var h [256]uint32
		h[v] = 64
		if n := s.EstimateSize(&h); v == 0 || n < shortSize {
			short, shortSize = v, n
		}
	}
	in := make([]byte, 0, 9<<bits)
	for v := range 1 << bits {
		in = append(in, byte(v))
	}
	in = append(in, bytes.Repeat([]byte{byte(short)}, 8<<bits)...)
	s.Reuse = huff0.ReusePolicyMust
	out, _, err := huff0.Compress1X(in, s)
	if err != nil {
		t.Fatalf("%s: Compress1X: %v", name, err)
	}
	got, err := s.Decoder().Decompress1X(make([]byte, 0, len(in)), out)
	if err != nil || !bytes.Equal(got, in) {
		t.Fatalf("%s: round trip: %v", name, err)
	}
}

func TestCompactTableSetsCodeEverySymbol(t *testing.T) {
	for i, set := range []*[numStreamKinds]string{&tablesV1, &tablesV2} {
		for k, tab := range set {
			name, bits := kindName(k)
			if tab == "" {
				if i+1 >= tableSetV2 {
					t.Errorf("set %d has no table for %s", i+1, name)
				}
				continue
			}
			checkTable(t, name, []byte(tab), bits)
		}
	}
}

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

// TestCompactStatsTables checks that training is deterministic and that the
// trained tables code every symbol.
func TestCompactStatsTables(t *testing.T) {
	pkts := skewedPackets(500)
	train := func() []Table {
		s, err := NewStats(10)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pkts {
			if err := s.WritePacket(p); err != nil {
				t.Fatal(err)
			}
		}
		s.Flush()
		if b, c := s.Blocks(); b != 10 || c != 10 {
			t.Errorf("blocks %d, compact %d, want 10 and 10", b, c)
		}
		tabs, err := s.Tables()
		if err != nil {
			t.Fatal(err)
		}
		return tabs
	}
	a, b := train(), train()
	if len(a) != numStreamKinds {
		t.Fatalf("%d tables, want %d", len(a), numStreamKinds)
	}
	for k := range a {
		if a[k].Name != b[k].Name || !bytes.Equal(a[k].Table, b[k].Table) {
			t.Errorf("table %d differs between two trainings", k)
		}
		checkTable(t, a[k].Name, a[k].Table, a[k].Bits)
	}
	if s, _ := NewStats(8); s != nil {
		if _, err := s.Tables(); err == nil {
			t.Error("tables for 8-bit indices: no error")
		}
	}
}
