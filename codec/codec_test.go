package codec

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/vqspeak/vqspeak/bench"
	"github.com/vqspeak/vqspeak/internal/audiofile"
	"github.com/vqspeak/vqspeak/rvq"
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

// loadClip reads one of the bundled speech clips.
func loadClip(t testing.TB, name string) []float32 {
	t.Helper()
	a, err := audiofile.ReadFile(filepath.Join("..", "testdata", "audio", name))
	if err != nil {
		t.Fatal(err)
	}
	if a.Rate != SampleRate {
		t.Fatalf("%s: %d Hz", name, a.Rate)
	}
	return a.Samples
}

// roundTrip encodes and decodes x packet by packet and returns the output
// aligned with x.
func roundTrip(t testing.TB, cb *rvq.Codebook, x []float32, stages int) []float32 {
	enc, err := NewEncoder(cb, stages)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := NewDecoder(cb)
	if err != nil {
		t.Fatal(err)
	}
	n := (len(x)+Delay)/PacketSamples + 1
	in := make([]float32, n*PacketSamples)
	copy(in, x)
	var out []float32
	var pkt []byte
	for p := range n {
		if pkt, err = enc.Encode(pkt[:0], in[p*PacketSamples:(p+1)*PacketSamples]); err != nil {
			t.Fatal(err)
		}
		if out, err = dec.Decode(out, pkt); err != nil {
			t.Fatal(err)
		}
	}
	return out[Delay : Delay+len(x)]
}

// TestQuality checks the codec end to end on real speech: every stage count
// decodes to intelligible speech, and each stage improves the envelope.
func TestQuality(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	cb := DefaultCodebook()
	x := loadClip(t, "librispeech-367-f.wav")
	var prevMCD float64 = 100
	for stages := 1; stages <= 4; stages++ {
		y := roundTrip(t, cb, x, stages)
		stoi, err := bench.STOI(x, y, SampleRate)
		if err != nil {
			t.Fatal(err)
		}
		mcd, err := bench.MCD(x, y, SampleRate)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%d stages: STOI %.3f, MCD %.2f dB", stages, stoi, mcd)
		if stoi < 0.7 {
			t.Errorf("%d stages: STOI %.3f, want at least 0.7", stages, stoi)
		}
		if mcd > 7 || mcd >= prevMCD {
			t.Errorf("%d stages: MCD %.2f dB, want under 7 dB and under the %.2f dB of one stage fewer", stages, mcd, prevMCD)
		}
		prevMCD = mcd
	}
}

func TestFileRoundTrip(t *testing.T) {
	cb := DefaultCodebook()
	x := loadClip(t, "librispeech-7312-m.wav")[:SampleRate] // one second
	var file bytes.Buffer
	fe, err := NewFileEncoder(&file, cb, 3)
	if err != nil {
		t.Fatal(err)
	}
	// uneven chunks, as a sound card or pipe would deliver them
	for rest, chunk := x, 1; len(rest) > 0; chunk = chunk*3%997 + 1 {
		n := min(chunk, len(rest))
		if err := fe.WriteSamples(rest[:n]); err != nil {
			t.Fatal(err)
		}
		rest = rest[n:]
	}
	if err := fe.Close(); err != nil {
		t.Fatal(err)
	}
	wantPackets := (len(x) + Delay + PacketSamples - 1) / PacketSamples
	if fe.Packets() != int64(wantPackets) {
		t.Errorf("%d packets, want %d", fe.Packets(), wantPackets)
	}
	fd, err := NewFileDecoder(bytes.NewReader(file.Bytes()), cb)
	if err != nil {
		t.Fatal(err)
	}
	var y []float32
	for {
		y, err = fd.ReadSamples(y)
		if err != nil {
			break
		}
	}
	if len(fd.Damage()) != 0 {
		t.Errorf("damage reported on a clean file: %v", fd.Damage())
	}
	if len(y) < len(x) || len(y) >= len(x)+PacketSamples {
		t.Errorf("decoded %d samples from %d", len(y), len(x))
	}
	// The file path must decode exactly what the packet path does.
	want := roundTrip(t, cb, x, 3)
	for i := range want {
		if y[i] != want[i] {
			t.Fatalf("sample %d: file path %v, packet path %v", i, y[i], want[i])
		}
	}
}

func TestCodebookMismatch(t *testing.T) {
	cb := DefaultCodebook()
	var file bytes.Buffer
	fe, _ := NewFileEncoder(&file, cb, 4)
	fe.WriteSamples(make([]float32, 1000))
	fe.Close()
	other := cb.Clone()
	other.Stages[0][0] += 1
	_, err := NewFileDecoder(bytes.NewReader(file.Bytes()), other)
	if !errors.Is(err, ErrCodebookMismatch) {
		t.Errorf("decoding with another codebook: err %v, want ErrCodebookMismatch", err)
	}
}

func TestCheckCodebook(t *testing.T) {
	good := DefaultCodebook()
	if err := CheckCodebook(good); err != nil {
		t.Fatalf("default codebook: %v", err)
	}
	wrongMeta := good.Clone()
	wrongMeta.Meta = "something else"
	small := good.Clone()
	small.Size = 64
	for name, cb := range map[string]*rvq.Codebook{"nil": nil, "meta": wrongMeta, "size": small} {
		if err := CheckCodebook(cb); !errors.Is(err, ErrCodebook) {
			t.Errorf("%s: err %v, want ErrCodebook", name, err)
		}
	}
}

func TestBadPackets(t *testing.T) {
	cb := DefaultCodebook()
	dec, _ := NewDecoder(cb)
	r := rand.New(rand.NewPCG(3, 4))
	var out []float32
	for n := 0; n < 300; n++ {
		b := make([]byte, r.IntN(12))
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		before := len(out)
		var err error
		out, err = dec.Decode(out, b)
		if err == nil && len(out) != before+PacketSamples {
			t.Fatalf("decoded %d samples from a %d-byte packet", len(out)-before, len(b))
		}
		if err != nil && len(out) != before {
			t.Fatalf("failed decode appended output")
		}
	}
	for i, v := range out {
		if v != v || v > 1 || v < -1 {
			t.Fatalf("sample %d out of range: %v", i, v)
		}
	}
}

func TestNoAllocationsPerPacket(t *testing.T) {
	cb := DefaultCodebook()
	x := loadClip(t, "fleurs-es-006.wav")
	enc, _ := NewEncoder(cb, 4)
	dec, _ := NewDecoder(cb)
	pkt := make([]byte, 0, 16)
	pcm := make([]float32, 0, PacketSamples)
	pos := 0
	allocs := testing.AllocsPerRun(100, func() {
		in := x[pos : pos+PacketSamples]
		pos = (pos + PacketSamples) % (len(x) - PacketSamples)
		pkt, _ = enc.Encode(pkt[:0], in)
		pcm, _ = dec.Decode(pcm[:0], pkt)
		pcm = dec.Conceal(pcm[:0])
	})
	if allocs != 0 {
		t.Errorf("%v allocations per packet, want 0", allocs)
	}
}

func BenchmarkEncode(b *testing.B) {
	cb := DefaultCodebook()
	x := loadClip(b, "fleurs-es-006.wav")
	enc, _ := NewEncoder(cb, 4)
	pkt := make([]byte, 0, 16)
	b.SetBytes(PacketSamples * 2)
	b.ReportAllocs()
	pos := 0
	for b.Loop() {
		pkt, _ = enc.Encode(pkt[:0], x[pos:pos+PacketSamples])
		pos = (pos + PacketSamples) % (len(x) - PacketSamples)
	}
}

func BenchmarkDecode(b *testing.B) {
	cb := DefaultCodebook()
	x := loadClip(b, "fleurs-es-006.wav")
	enc, _ := NewEncoder(cb, 4)
	var packets [][]byte
	for pos := 0; pos+PacketSamples <= len(x); pos += PacketSamples {
		p, _ := enc.Encode(nil, x[pos:pos+PacketSamples])
		packets = append(packets, p)
	}
	dec, _ := NewDecoder(cb)
	pcm := make([]float32, 0, PacketSamples)
	b.SetBytes(PacketSamples * 2)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		pcm, _ = dec.Decode(pcm[:0], packets[i])
		i = (i + 1) % len(packets)
	}
}
