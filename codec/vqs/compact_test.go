package vqs_test

import (
	"bytes"
	"errors"
	"hash/crc32"
	"io"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/codec/vqs"
)

// speechPackets encodes seconds of a synthetic voiced/unvoiced signal with a
// gliding pitch, switching the stage count every stageEvery packets (0:
// never), so the packets have speech-like statistics.
func speechPackets(t testing.TB, seconds float64, stageEvery int) [][]byte {
	t.Helper()
	cb := codec.DefaultCodebook()
	enc, err := codec.NewEncoder(cb, 4)
	if err != nil {
		t.Fatal(err)
	}
	n := int(seconds * codec.SampleRate / codec.PacketSamples)
	rng := rand.New(rand.NewPCG(1, 2))
	pcm := make([]float32, codec.PacketSamples)
	var phase float64
	var pkts [][]byte
	for i := range n {
		if stageEvery > 0 && i%stageEvery == 0 {
			if err := enc.SetStages(1 + (i/stageEvery)%4); err != nil {
				t.Fatal(err)
			}
		}
		voiced := (i/15)%3 != 2
		for j := range pcm {
			k := float64(i*codec.PacketSamples + j)
			f0 := 120 + 40*math.Sin(2*math.Pi*k/codec.SampleRate/1.7)
			phase += 2 * math.Pi * f0 / codec.SampleRate
			v := 0.02 * rng.NormFloat64()
			if voiced {
				for h := 1; h < 20; h++ {
					v += 0.3 / float64(h) * math.Sin(float64(h)*phase)
				}
			}
			pcm[j] = float32(0.5 * v * (1 + 0.5*math.Sin(2*math.Pi*k/codec.SampleRate*3)))
		}
		p, err := enc.Encode(nil, pcm)
		if err != nil {
			t.Fatal(err)
		}
		pkts = append(pkts, p)
	}
	return pkts
}

// writeCompact writes pkts as a compact file and returns it with the offsets
// where each block starts (the last being the end).
func writeCompact(t testing.TB, pkts [][]byte, indexBits int) (testFile, vqs.Stats) {
	t.Helper()
	var buf bytes.Buffer
	fw, err := vqs.NewCompactPacketWriter(&buf, testFileHeader, indexBits)
	if err != nil {
		t.Fatal(err)
	}
	f := testFile{blocks: []int{buf.Len()}}
	for i, p := range pkts {
		if err := fw.WritePacket(p); err != nil {
			t.Fatal(err)
		}
		if (i+1)%vqs.DefaultBlockPackets == 0 {
			f.blocks = append(f.blocks, buf.Len())
		}
	}
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	if f.blocks[len(f.blocks)-1] != buf.Len() {
		f.blocks = append(f.blocks, buf.Len())
	}
	f.data = buf.Bytes()
	return f, fw.Stats()
}

func TestCompactRoundTrip(t *testing.T) {
	bits := codec.IndexBits(codec.DefaultCodebook())
	tests := []struct {
		name        string
		pkts        [][]byte
		wantCompact int64 // compact blocks expected
		maxRatio    float64
	}{
		{"speech 4 stages", speechPackets(t, 6, 0), 6, 0.95},
		{"mixed stages", speechPackets(t, 4, 7), 4, 0.95},
		{"one packet", speechPackets(t, 0.02, 0), 0, 1.01},
		{"random bytes fall back to plain", testPackets(120, 8, 6, 255, 1), 0, 1.01},
		// random 7-byte packets are 3-stage packets whose every bit, pad
		// bits included, round-trips: their block is compact too
		{"speech then random", concat(speechPackets(t, 1, 0), testPackets(50, 7)), 2, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, ws := writeCompact(t, tc.pkts, bits)
			plain := encodeFile(t, tc.pkts, vqs.DefaultBlockPackets)
			r := readFile(t, f.data)
			if r.final != io.EOF || len(r.errs) != 0 || r.stats.Damaged() {
				t.Fatalf("final %v errs %v stats %+v", r.final, r.errs, r.stats)
			}
			equalPackets(t, r.pkts, tc.pkts)
			if r.stats.CompactBlocks != tc.wantCompact || ws.CompactBlocks != tc.wantCompact {
				t.Errorf("compact blocks: read %d, written %d, want %d", r.stats.CompactBlocks, ws.CompactBlocks, tc.wantCompact)
			}
			if r.stats.Blocks != int64(len(f.blocks)-1) || ws.Blocks != r.stats.Blocks {
				t.Errorf("blocks: read %d, written %d, want %d", r.stats.Blocks, ws.Blocks, len(f.blocks)-1)
			}
			if ratio := float64(len(f.data)) / float64(len(plain.data)); ratio > tc.maxRatio {
				t.Errorf("compact/plain = %d/%d = %.3f, want <= %.2f", len(f.data), len(plain.data), ratio, tc.maxRatio)
			}
			h, _, _, _ := vqs.ReadAllPackets(bytes.NewReader(f.data))
			if h.Flags&vqs.FlagCompactBlocks == 0 {
				t.Error("header lacks FlagCompactBlocks")
			}
		})
	}
}

// TestCompactDamage checks that damage to a compact block loses exactly that
// block, and that a cut compact block loses only itself.
func TestCompactDamage(t *testing.T) {
	pkts := speechPackets(t, 5, 0) // 250 packets, 5 blocks
	f, _ := writeCompact(t, pkts, 10)
	t.Run("flipped byte in block 2", func(t *testing.T) {
		d := bytes.Clone(f.data)
		d[f.blocks[1]+20] ^= 0x10
		r := readFile(t, d)
		equalPackets(t, r.pkts, concat(pkts[:50], pkts[100:]))
		var ce *vqs.CorruptBlockError
		if len(r.errs) != 1 || !errors.As(r.errs[0], &ce) || ce.Packets != 50 || !ce.Exact || ce.FirstPacket != 50 || r.after[0] != 50 {
			t.Fatalf("errors %v after %v", r.errs, r.after)
		}
	})
	t.Run("cut inside the last block", func(t *testing.T) {
		d := f.data[:f.blocks[4]+30]
		r := readFile(t, d)
		equalPackets(t, r.pkts, pkts[:200])
		var te *vqs.TruncatedBlockError
		if len(r.errs) != 1 || !errors.As(r.errs[0], &te) || te.Lost != 50 || te.Unverified != 0 || r.stats.LostPackets != 50 {
			t.Fatalf("errors %v stats %+v", r.errs, r.stats)
		}
	})
	t.Run("plain reader sees kind 1 as damage", func(t *testing.T) {
		// A plain file whose block was rewritten with kind 1 and a valid CRC:
		// without the header flag the block is not accepted.
		plain := encodeFile(t, pkts[:100], 50)
		d := bytes.Clone(plain.data)
		b := d[plain.blocks[1]:plain.blocks[2]]
		b[2] = 1
		fixCRC(b)
		r := readFile(t, d)
		equalPackets(t, r.pkts, pkts[:50])
		if r.stats.CorruptRegions != 1 || r.stats.CompactBlocks != 0 {
			t.Fatalf("stats %+v", r.stats)
		}
	})
	t.Run("valid CRC, undecodable payload", func(t *testing.T) {
		d := bytes.Clone(f.data)
		b := d[f.blocks[2]:f.blocks[3]]
		b[12] = 9 // stage-count stream: method 9 does not exist
		fixCRC(b)
		r := readFile(t, d)
		equalPackets(t, r.pkts, concat(pkts[:100], pkts[150:]))
		var ce *vqs.CorruptBlockError
		if len(r.errs) != 1 || !errors.As(r.errs[0], &ce) || ce.Packets != 50 || !ce.Exact {
			t.Fatalf("errors %v", r.errs)
		}
	})
}

// fixCRC rewrites the CRC at the end of the block b.
func fixCRC(b []byte) {
	n := len(b) - 4
	c := crc32.Checksum(b[:n], crc32.MakeTable(crc32.Castagnoli))
	b[n], b[n+1], b[n+2], b[n+3] = byte(c>>24), byte(c>>16), byte(c>>8), byte(c)
}

// TestCompactFileEncoderDecodesLikePlain checks that compact and plain files
// of the same signal decode to the same samples.
func TestCompactFileEncoderDecodesLikePlain(t *testing.T) {
	cb := codec.DefaultCodebook()
	x := make([]float32, 2*codec.SampleRate)
	for i := range x {
		x[i] = float32(0.3 * math.Sin(2*math.Pi*float64(i)*(150+float64(i)/400)/codec.SampleRate))
	}
	decode := func(compact bool) ([]float32, int64) {
		var buf bytes.Buffer
		newEnc := vqs.NewEncoder
		if compact {
			newEnc = vqs.NewCompactEncoder
		}
		fe, err := newEnc(&buf, cb, 3)
		if err != nil {
			t.Fatal(err)
		}
		if err := fe.WriteSamples(x); err != nil {
			t.Fatal(err)
		}
		if err := fe.Close(); err != nil {
			t.Fatal(err)
		}
		size := int64(buf.Len())
		fd, err := vqs.NewDecoder(&buf, cb)
		if err != nil {
			t.Fatal(err)
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
		if len(fd.Damage()) != 0 {
			t.Fatal(fd.Damage())
		}
		return y, size
	}
	plain, ps := decode(false)
	compact, cs := decode(true)
	if len(plain) != len(compact) || len(plain) < len(x) {
		t.Fatalf("lengths %d, %d for %d input", len(plain), len(compact), len(x))
	}
	for i := range plain {
		if plain[i] != compact[i] {
			t.Fatalf("sample %d: plain %v, compact %v", i, plain[i], compact[i])
		}
	}
	if cs >= ps {
		t.Errorf("compact %d bytes, plain %d", cs, ps)
	}
}

func BenchmarkCompactRead(b *testing.B) {
	f, _ := writeCompact(b, speechPackets(b, 10, 0), 10)
	b.SetBytes(int64(len(f.data)))
	b.ReportAllocs()
	var dst []byte
	for b.Loop() {
		fr, err := vqs.NewPacketReader(bytes.NewReader(f.data))
		if err != nil {
			b.Fatal(err)
		}
		for {
			if dst, err = fr.ReadPacket(dst[:0]); err != nil {
				break
			}
		}
	}
}

func BenchmarkCompactWrite(b *testing.B) {
	pkts := speechPackets(b, 10, 0)
	fw, err := vqs.NewCompactPacketWriter(io.Discard, testFileHeader, 10)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		fw.Reset(io.Discard, testFileHeader)
		for _, p := range pkts {
			fw.WritePacket(p)
		}
		fw.Close()
	}
}
