package codec_test

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/vqspeak/vqspeak/bench/metrics"
	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/rvq"
)

var lowRateModes = []codec.Mode{codec.Mode800, codec.Mode1200, codec.Mode1600}

func TestModes(t *testing.T) {
	cb := codec.DefaultCodebook()
	bits := codec.IndexBits(cb)
	for _, c := range []struct {
		bps, bytes, ms, stages int
		latency                time.Duration
	}{
		{800, 4, 40, 2, 50 * time.Millisecond},
		{1200, 6, 40, 3, 50 * time.Millisecond},
		{1600, 8, 40, 4, 50 * time.Millisecond},
		{2000, 5, 20, 1, 30 * time.Millisecond},
		{2400, 6, 20, 2, 30 * time.Millisecond},
		{2800, 7, 20, 3, 30 * time.Millisecond},
		{3200, 8, 20, 4, 30 * time.Millisecond},
	} {
		m, err := codec.ModeForBitrate(c.bps)
		if err != nil {
			t.Fatal(err)
		}
		if m.Name() != itoa(c.bps) || m.Bitrate(bits) != c.bps || m.PacketSize(bits) != c.bytes ||
			m.PacketDuration() != time.Duration(c.ms)*time.Millisecond || m.Stages != c.stages ||
			m.Latency() != c.latency || m.PacketSamples() != c.ms*codec.SampleRate/1000 || !m.Valid() {
			t.Errorf("%d b/s: %+v: name %s, %d b/s, %d bytes, %v, latency %v", c.bps, m, m.Name(), m.Bitrate(bits), m.PacketSize(bits), m.PacketDuration(), m.Latency())
		}
		if m.LowRate() != (c.ms == 40) {
			t.Errorf("%d b/s: LowRate %v", c.bps, m.LowRate())
		}
		if !m.LowRate() && m != codec.StagesMode(c.stages) {
			t.Errorf("%d b/s: %+v, want StagesMode(%d)", c.bps, m, c.stages)
		}
	}
	if m, err := codec.ModeForBitrate(700); err != nil || m != codec.Mode800 {
		t.Errorf("ModeForBitrate(700) = %+v, %v: want the 800 mode", m, err)
	}
	for _, bps := range []int{0, 600, 1000, 3600, -1} {
		if _, err := codec.ModeForBitrate(bps); !errors.Is(err, codec.ErrMode) {
			t.Errorf("ModeForBitrate(%d): %v, want ErrMode", bps, err)
		}
	}
	if (codec.Mode{Frames: 4, Stages: 3}).Valid() || (codec.Mode{Frames: 2, Stages: 1}).Valid() {
		t.Error("an unnamed mode is valid")
	}
	if _, err := codec.NewModeEncoder(cb, codec.Mode{Frames: 4, Stages: 3}); !errors.Is(err, codec.ErrMode) {
		t.Errorf("NewModeEncoder(unknown mode): %v", err)
	}
	if _, err := codec.NewModeDecoder(cb, codec.Mode{Frames: 3, Stages: 1}); !errors.Is(err, codec.ErrMode) {
		t.Errorf("NewModeDecoder(unknown mode): %v", err)
	}
}

func itoa(n int) string {
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// roundTripMode is roundTrip for any mode.
func roundTripMode(t testing.TB, cb *rvq.Codebook, x []float32, m codec.Mode) ([]float32, int) {
	enc, err := codec.NewModeEncoder(cb, m)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := codec.NewModeDecoder(cb, m)
	if err != nil {
		t.Fatal(err)
	}
	ps := enc.PacketSamples()
	if ps != m.PacketSamples() || dec.PacketSamples() != ps || enc.Mode() != m || (m.LowRate() && dec.Mode() != m) {
		t.Fatalf("%s: packet samples %d/%d, modes %+v %+v", m.Name(), ps, dec.PacketSamples(), enc.Mode(), dec.Mode())
	}
	n := (len(x)+codec.Delay)/ps + 1
	in := make([]float32, n*ps)
	copy(in, x)
	var out []float32
	var pkt []byte
	bytes := 0
	for p := range n {
		if pkt, err = enc.Encode(pkt[:0], in[p*ps:(p+1)*ps]); err != nil {
			t.Fatal(err)
		}
		if len(pkt) != m.PacketSize(codec.IndexBits(cb)) {
			t.Fatalf("%s: packet of %d bytes", m.Name(), len(pkt))
		}
		bytes += len(pkt)
		before := len(out)
		if out, err = dec.Decode(out, pkt); err != nil {
			t.Fatal(err)
		}
		if len(out)-before != ps {
			t.Fatalf("%s: %d samples decoded, want %d", m.Name(), len(out)-before, ps)
		}
	}
	return out[codec.Delay : codec.Delay+len(x)], bytes
}

// TestLowRateQuality checks the 40 ms modes end to end: intelligible
// speech, more stages a better envelope, and the 20 ms modes unchanged by
// the mode API.
func TestLowRateQuality(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	cb := codec.DefaultCodebook()
	x := loadClip(t, "librispeech-367-f.wav")
	prevMCD := 100.0
	for _, m := range lowRateModes {
		y, n := roundTripMode(t, cb, x, m)
		stoi, err := metrics.STOI(x, y, codec.SampleRate)
		if err != nil {
			t.Fatal(err)
		}
		mcd, err := metrics.MCD(x, y, codec.SampleRate)
		if err != nil {
			t.Fatal(err)
		}
		bps := float64(n*8) / (float64(len(x)+codec.Delay) / codec.SampleRate)
		t.Logf("%s: STOI %.3f, MCD %.2f dB, %.0f b/s", m.Name(), stoi, mcd, bps)
		// Measured 0.779 / 0.806 / 0.831 and 5.65 / 5.36 / 5.21 dB.
		if stoi < 0.76 || mcd > 6.5 || mcd >= prevMCD {
			t.Errorf("%s: STOI %.3f MCD %.2f dB, want at least 0.76, at most 6.5 dB and under %.2f dB", m.Name(), stoi, mcd, prevMCD)
		}
		prevMCD = mcd
	}
	// A 20 ms mode through the mode API decodes exactly as before.
	a := roundTrip(t, cb, x[:8000], 2)
	b, _ := roundTripMode(t, cb, x[:8000], codec.StagesMode(2))
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			t.Fatalf("StagesMode(2) sample %d: %v, NewEncoder(cb, 2) %v", i, b[i], a[i])
		}
	}
}

func TestLowRateNoAllocations(t *testing.T) {
	cb := codec.DefaultCodebook()
	x := loadClip(t, "fleurs-es-006.wav")
	for _, m := range lowRateModes {
		enc, _ := codec.NewModeEncoder(cb, m)
		dec, _ := codec.NewModeDecoder(cb, m)
		ps := m.PacketSamples()
		pkt := make([]byte, 0, enc.MaxPacketSize())
		pcm := make([]float32, 0, ps)
		pcm16 := make([]int16, 0, ps)
		in16 := make([]int16, ps)
		pos := 0
		allocs := testing.AllocsPerRun(50, func() {
			in := x[pos : pos+ps]
			pos = (pos + ps) % (len(x) - ps)
			pkt, _ = enc.Encode(pkt[:0], in)
			pcm, _ = dec.Decode(pcm[:0], pkt)
			pcm = dec.Conceal(pcm[:0])
			_ = dec.Skip(pkt)
			pcm = dec.ComfortNoise(pcm[:0], 10, 0.5)
			pkt, _ = enc.EncodeInt16(pkt[:0], in16)
			pcm16, _ = dec.DecodeInt16(pcm16[:0], pkt)
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per packet, want 0", m.Name(), allocs)
		}
	}
}

func TestModePacketRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, m := range append(lowRateModes, codec.StagesMode(1), codec.StagesMode(4)) {
		for range 200 {
			var p codec.Packet
			p.Stages = m.Stages
			for f := range codec.NumFields {
				p.SetField(f, uint8(r.IntN(1<<m.FieldBits(f))))
			}
			for s := range m.Stages {
				p.Index[s] = r.IntN(1024)
			}
			b := codec.AppendModePacket(nil, &p, m, 10)
			if len(b) != m.PacketSize(10) {
				t.Fatalf("%s: %d bytes, want %d", m.Name(), len(b), m.PacketSize(10))
			}
			if !m.LowRate() {
				if old := codec.AppendPacket(nil, &p, 10); !bytes.Equal(old, b) {
					t.Fatalf("%s: %x, AppendPacket %x", m.Name(), b, old)
				}
			}
			var q codec.Packet
			if err := codec.ParseModePacket(&q, b, m, 10); err != nil || q != p {
				t.Fatalf("%s: parsed %+v, %v; want %+v", m.Name(), q, err, p)
			}
			if err := codec.ParseModePacket(&q, b[:len(b)-1], m, 10); !errors.Is(err, codec.ErrPacketLength) {
				t.Fatalf("%s: short packet: %v", m.Name(), err)
			}
		}
	}
}

// TestLowRateHostilePackets: a low-rate decoder refuses packets of other
// lengths and out-of-range fields without changing its state, and what it
// accepts plays as finite audio.
func TestLowRateHostilePackets(t *testing.T) {
	cb := codec.DefaultCodebook()
	for _, m := range lowRateModes {
		dec, _ := codec.NewModeDecoder(cb, m)
		ref, _ := codec.NewModeDecoder(cb, m)
		n := m.PacketSize(10)
		var out, outRef []float32
		for l := 0; l <= 12; l++ {
			if l == n {
				continue
			}
			if _, err := dec.Decode(nil, make([]byte, l)); !errors.Is(err, codec.ErrPacketLength) {
				t.Errorf("%s: %d bytes: %v", m.Name(), l, err)
			}
		}
		p := codec.Packet{Stages: m.Stages, F0: 1 << m.FieldBits(codec.FieldF0)}
		if _, err := dec.DecodePacket(nil, &p); !errors.Is(err, codec.ErrPacketField) {
			t.Errorf("%s: F0 out of range: %v", m.Name(), err)
		}
		p = codec.Packet{Stages: m.Stages + 1}
		if _, err := dec.DecodePacket(nil, &p); !errors.Is(err, codec.ErrStages) {
			t.Errorf("%s: wrong stage count: %v", m.Name(), err)
		}
		r := rand.New(rand.NewPCG(3, uint64(n)))
		pkt := make([]byte, n)
		for range 100 {
			for i := range pkt {
				pkt[i] = byte(r.Uint32())
			}
			var err error
			if out, err = dec.Decode(out[:0], pkt); err != nil {
				t.Fatal(err)
			}
			outRef, _ = ref.Decode(outRef[:0], pkt)
			out = dec.Conceal(out)
			outRef = ref.Conceal(outRef)
			for i, v := range out {
				if !(v >= -1 && v <= 1) || v != outRef[i] {
					t.Fatalf("%s: sample %d = %v (reference %v)", m.Name(), i, v, outRef[i])
				}
			}
		}
	}
}

// FuzzDecodeLowRate gives each low-rate decoder arbitrary bytes between
// real packets and losses: it refuses them without a change of state or
// plays exactly one packet of audio in [-1, 1].
func FuzzDecodeLowRate(f *testing.F) {
	f.Add([]byte{}, uint8(0))
	f.Add(bytes.Repeat([]byte{0xFF}, 8), uint8(2))
	f.Add(bytes.Repeat([]byte{0x00}, 6), uint8(1))
	f.Add([]byte{0xFE, 0xFF, 0xFF, 0xFF}, uint8(0))
	f.Add(bytes.Repeat([]byte{0xAA}, 40), uint8(5))
	cb := fuzzCB()
	var good [3][][]byte
	for k, m := range lowRateModes {
		enc, _ := codec.NewModeEncoder(cb, m)
		pcm := make([]float32, m.PacketSamples())
		for p := range 3 {
			for i := range pcm {
				pcm[i] = 0.3 * float32(math.Sin(2*math.Pi*180*float64(p*len(pcm)+i)/codec.SampleRate))
			}
			pkt, _ := enc.Encode(nil, pcm)
			good[k] = append(good[k], pkt)
			f.Add(pkt, uint8(k))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, which uint8) {
		k := int(which) % len(lowRateModes)
		m := lowRateModes[k]
		a, _ := codec.NewModeDecoder(cb, m)
		b, _ := codec.NewModeDecoder(cb, m)
		outA, _ := a.Decode(nil, good[k][0])
		outB, _ := b.Decode(nil, good[k][0])
		padded := make([]byte, m.PacketSize(10))
		copy(padded, data)
		for _, in := range [][]byte{data, padded} {
			n := len(outA)
			var err error
			outA, err = a.Decode(outA, in)
			if err != nil {
				if len(outA) != n {
					t.Fatalf("refused packet appended samples")
				}
				continue
			}
			if len(outA) != n+m.PacketSamples() {
				t.Fatalf("%d samples appended, want %d", len(outA)-n, m.PacketSamples())
			}
			outB, _ = b.Decode(outB, in)
			outA, outB = a.Conceal(outA), b.Conceal(outB)
		}
		outA, _ = a.Decode(outA, good[k][1])
		outB, _ = b.Decode(outB, good[k][1])
		if len(outA) != len(outB) {
			t.Fatalf("%d samples, reference %d", len(outA), len(outB))
		}
		for i, v := range outA {
			if !(v >= -1 && v <= 1) || math.Float32bits(v) != math.Float32bits(outB[i]) {
				t.Fatalf("sample %d = %v, reference %v", i, v, outB[i])
			}
		}
	})
}

// Mode's fields are exported, so any value may reach its methods: an
// invalid one is described, not divided by.
func TestInvalidModeMethods(t *testing.T) {
	for _, m := range []codec.Mode{{}, {Frames: -3, Stages: 2}, {Frames: 4, Stages: 99}, {Frames: 2, Stages: 4}} {
		if m.Valid() {
			t.Fatalf("%#v is valid", m)
		}
		if got := m.Bitrate(codec.DefaultIndexBits); got != 0 {
			t.Errorf("%#v: Bitrate %d, want 0", m, got)
		}
		if s := m.String(); !strings.HasPrefix(s, "invalid mode") {
			t.Errorf("%#v: String %q", m, s)
		}
	}
}

// BenchmarkLowRateEncode and BenchmarkLowRateDecode are the 40 ms modes'
// cost per packet (one op is one 40 ms packet).
func BenchmarkLowRateEncode(b *testing.B) {
	cb := codec.DefaultCodebook()
	x := loadClip(b, "fleurs-es-006.wav")
	for _, m := range lowRateModes {
		b.Run(m.Name(), func(b *testing.B) {
			enc, err := codec.NewModeEncoder(cb, m)
			if err != nil {
				b.Fatal(err)
			}
			ps := m.PacketSamples()
			pkt := make([]byte, 0, 16)
			b.SetBytes(int64(ps * 2))
			b.ReportAllocs()
			pos := 0
			for b.Loop() {
				pkt, _ = enc.Encode(pkt[:0], x[pos:pos+ps])
				pos = (pos + ps) % (len(x) - ps)
			}
		})
	}
}

func BenchmarkLowRateDecode(b *testing.B) {
	cb := codec.DefaultCodebook()
	x := loadClip(b, "fleurs-es-006.wav")
	for _, m := range lowRateModes {
		b.Run(m.Name(), func(b *testing.B) {
			enc, err := codec.NewModeEncoder(cb, m)
			if err != nil {
				b.Fatal(err)
			}
			ps := m.PacketSamples()
			var packets [][]byte
			for pos := 0; pos+ps <= len(x); pos += ps {
				p, _ := enc.Encode(nil, x[pos:pos+ps])
				packets = append(packets, p)
			}
			dec, err := codec.NewModeDecoder(cb, m)
			if err != nil {
				b.Fatal(err)
			}
			pcm := make([]float32, 0, ps)
			b.SetBytes(int64(ps * 2))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				pcm, _ = dec.Decode(pcm[:0], packets[i])
				i = (i + 1) % len(packets)
			}
		})
	}
}
