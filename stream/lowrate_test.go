package stream

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/vqspeak/vqspeak/bench/metrics"
	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/codec/vqs"
)

var lowRateModes = []codec.Mode{codec.Mode800, codec.Mode1200, codec.Mode1600}

// playoutN is playout for packets of n samples: packet k is due at tick k.
func playoutN(t testing.TB, dec *Decoder, ds []delivery, ticks, n int) []float32 {
	t.Helper()
	out := make([]float32, ticks*n)
	j := 0
	for tick := range ticks {
		for ; j < len(ds) && ds[j].tick <= tick; j++ {
			if err := dec.Push(ds[j].pkt); err != nil {
				t.Fatalf("packet %d: %v", j, err)
			}
		}
		dec.Pull(out[tick*n : (tick+1)*n])
	}
	return out
}

func newModeTestDecoder(t testing.TB, m codec.Mode, cfg *DecoderConfig) *Decoder {
	t.Helper()
	d, err := NewModeDecoder(codec.DefaultCodebook(), m, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestLowRateStream runs the 40 ms modes through the stream encoder and
// the jitter buffer: packets of the mode's length 640 samples apart, the
// loss-free output exactly the codec decoder's, and every fifth packet
// lost concealed, one 40 ms slot each, with intelligibility held.
func TestLowRateStream(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	cb := codec.DefaultCodebook()
	x := loadClip(t, "librispeech-7312-m.wav")
	score := func(y []float32) float64 {
		r, d := metrics.Compensate(x, y, metrics.Align(x, y, 1600))
		s, err := metrics.STOI(r, d, codec.SampleRate)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	for _, m := range lowRateModes {
		ps := m.PacketSamples()
		pkts := packetize(t, x, &EncoderConfig{Mode: m, Seq: 65530, Timestamp: 1 << 31})
		for k, p := range pkts {
			if len(p.Payload) != m.PacketSize(codec.IndexBits(cb)) || p.Seq != uint16(65530+k) || p.Timestamp != 1<<31+uint32(k*ps) {
				t.Fatalf("%s: packet %d: %d bytes, seq %d, timestamp %d", m.Name(), k, len(p.Payload), p.Seq, p.Timestamp)
			}
		}
		// The codec decoder's output for the same packets.
		cdec, err := codec.NewModeDecoder(cb, m)
		if err != nil {
			t.Fatal(err)
		}
		var want []float32
		for _, p := range pkts {
			if want, err = cdec.Decode(want, p.Payload); err != nil {
				t.Fatal(err)
			}
		}
		ticks := len(pkts) + 1
		dec := newModeTestDecoder(t, m, &fixedDepth1)
		if dec.PacketSamples() != ps || dec.Mode() != m {
			t.Fatalf("%s: decoder of %d-sample packets, mode %v", m.Name(), dec.PacketSamples(), dec.Mode())
		}
		clean := playoutN(t, dec, inOrder(pkts), ticks, ps)
		for i := range want {
			if clean[ps+i] != want[i] { // one packet of prebuffer first
				t.Fatalf("%s: sample %d differs from the codec decoder's", m.Name(), i)
			}
		}

		var ds []delivery
		for k, p := range pkts {
			if k%5 != 2 {
				ds = append(ds, delivery{k, p})
			}
		}
		lossy := newModeTestDecoder(t, m, &fixedDepth1)
		y := playoutN(t, lossy, ds, ticks, ps)
		s := lossy.Stats()
		lost := int64(len(pkts) - len(ds))
		if s.Concealed != lost || s.Lost != lost || s.Received != int64(len(ds)) || s.Invalid != 0 {
			t.Errorf("%s: %d of %d losses concealed: %+v", m.Name(), s.Concealed, lost, s)
		}
		sc, sl := score(clean), score(y)
		t.Logf("%s: STOI no loss %.3f, 20%% single 40 ms losses concealed %.3f", m.Name(), sc, sl)
		// Measured 0.805/0.844/0.863 and 0.727/0.743/0.749.
		if sl < 0.68 || sl > sc || sc-sl > 0.15 {
			t.Errorf("%s: STOI %.3f with loss, %.3f without", m.Name(), sl, sc)
		}
	}
}

// TestLowRateStreamLatency: a 40 ms packet leaves 50 ms after its oldest
// sample; a jitter buffer of one packet adds 40 ms.
func TestLowRateStreamLatency(t *testing.T) {
	enc, err := NewEncoder(codec.DefaultCodebook(), &EncoderConfig{Mode: codec.Mode1200})
	if err != nil {
		t.Fatal(err)
	}
	dec := newModeTestDecoder(t, codec.Mode1200, nil)
	if enc.Delay().Duration().Milliseconds() != 50 || enc.Mode() != codec.Mode1200 ||
		EndToEnd(enc, dec).Duration().Milliseconds() != 90 {
		t.Errorf("encoder delay %v, end to end %v, mode %v", enc.Delay(), EndToEnd(enc, dec), enc.Mode())
	}
	// Chunks of any size: a packet as soon as its 640th sample is in.
	var n int
	emit := func(Packet) error { n++; return nil }
	x := make([]float32, 639)
	if err := enc.Push(x, emit); err != nil || n != 0 {
		t.Fatalf("%d packets after 639 samples, %v", n, err)
	}
	if err := enc.Push(x[:1], emit); err != nil || n != 1 {
		t.Fatalf("%d packets after 640 samples, %v", n, err)
	}
}

// TestLowRateRefusals: FEC and DTX are refused in the 40 ms modes by name,
// and a low-rate decoder refuses 20 ms packets and FEC lengths.
func TestLowRateRefusals(t *testing.T) {
	cb := codec.DefaultCodebook()
	for _, cfg := range []EncoderConfig{{Mode: codec.Mode800, FEC: true}, {Mode: codec.Mode1600, DTX: true}} {
		if _, err := NewEncoder(cb, &cfg); !errors.Is(err, ErrLowRate) {
			t.Errorf("%+v: %v, want ErrLowRate", cfg, err)
		}
	}
	// A 20 ms mode in the config is its stage count.
	enc, err := NewEncoder(cb, &EncoderConfig{Mode: codec.StagesMode(2)})
	if err != nil || enc.Mode() != codec.StagesMode(2) || enc.Delay().Duration().Milliseconds() != 30 {
		t.Errorf("20 ms mode: %v, %v", err, enc.Mode())
	}
	dec := newModeTestDecoder(t, codec.Mode1600, nil)
	for _, n := range []int{5, 6, 7, 12} { // 20 ms packets, with FEC
		if err := dec.Push(Packet{Payload: make([]byte, n)}); !errors.Is(err, ErrPayloadLength) {
			t.Errorf("%d bytes: %v, want ErrPayloadLength", n, err)
		}
	}
	if err := dec.Push(Packet{Payload: make([]byte, 8)}); err != nil {
		t.Errorf("8 bytes: %v", err)
	}
	if err := dec.Push(Packet{Seq: 1, Timestamp: 640, Payload: appendNoise(nil, 20, 0)}); err != nil {
		t.Errorf("comfort noise: %v", err)
	}
}

// TestFileDecoderLowRate: a stream in a 40 ms mode decodes through the
// jitter buffer exactly as the file decoder decodes it, and a damaged
// packet is concealed.
func TestFileDecoderLowRate(t *testing.T) {
	cb := codec.DefaultCodebook()
	x := loadClip(t, "librispeech-367-f.wav")
	m := codec.Mode1600
	var b bytes.Buffer
	fw, err := vqs.NewPacketWriter(&b, vqs.Header{SampleRate: codec.SampleRate, PacketSamples: uint16(m.PacketSamples()),
		Stages: uint8(m.Stages), CodebookFingerprint: cb.Fingerprint()})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range packetize(t, x, &EncoderConfig{Mode: m}) {
		if err := fw.WritePacket(p.Payload); err != nil {
			t.Fatal(err)
		}
	}
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	vd, err := vqs.NewDecoder(bytes.NewReader(b.Bytes()), cb)
	if err != nil {
		t.Fatal(err)
	}
	var want []float32
	for err == nil {
		want, err = vd.ReadSamples(want)
	}
	if err != io.EOF {
		t.Fatal(err)
	}
	y, fd := decodeFile(t, b.Bytes())
	if len(y) != len(want) || len(y) < len(x) {
		t.Fatalf("%d samples, the file decoder %d, input %d", len(y), len(want), len(x))
	}
	for i := range want {
		if y[i] != want[i] {
			t.Fatalf("sample %d differs from the file decoder's", i)
		}
	}
	if s := fd.dec.Stats(); s.Concealed != 0 || s.Lost != 0 {
		t.Errorf("stats %+v", s)
	}
	d := bytes.Clone(b.Bytes())
	d[len(d)/2] ^= 0x08
	y, fd = decodeFile(t, d)
	if len(fd.Damage()) != 1 || len(y) != len(want) || fd.dec.Stats().Concealed < 1 {
		t.Errorf("damage %v, %d samples (want %d), stats %+v", fd.Damage(), len(y), len(want), fd.dec.Stats())
	}
}

// TestLowRateNoAllocations: push, decode and pull of 40 ms packets, with
// and without loss, allocate nothing.
func TestLowRateNoAllocations(t *testing.T) {
	x := loadClip(t, "fleurs-es-006.wav")
	for _, m := range lowRateModes {
		enc, err := NewEncoder(codec.DefaultCodebook(), &EncoderConfig{Mode: m})
		if err != nil {
			t.Fatal(err)
		}
		dec := newModeTestDecoder(t, m, nil)
		lossy := func(p Packet) error {
			if p.Seq%5 == 0 {
				return nil
			}
			return dec.Push(p)
		}
		// Each call moves 80 ms (two packets) in 10 ms chunks: one
		// allocation per packet shows as 2.
		const chunk, chunksPerCall = 160, 8
		out := make([]float32, chunk)
		ints := make([]int16, chunk)
		pos := 0
		step := func() {
			for i := range chunksPerCall {
				if i%2 == 0 {
					if err := enc.Push(x[pos:pos+chunk], lossy); err != nil {
						t.Fatal(err)
					}
					dec.Pull(out)
				} else {
					for i, v := range x[pos : pos+chunk] {
						ints[i] = int16(v * 32767)
					}
					if err := enc.PushInt16(ints, lossy); err != nil {
						t.Fatal(err)
					}
					dec.PullInt16(ints)
				}
				pos = (pos + chunk) % (len(x) - chunk)
			}
		}
		for range 50 { // warm up
			step()
		}
		if a := testing.AllocsPerRun(200, step); a != 0 {
			t.Errorf("%s: %v allocations per 80 ms (push, decode or conceal, pull), want 0", m.Name(), a)
		}
		if s := dec.Stats(); s.Concealed == 0 || s.Received == 0 {
			t.Errorf("%s: %+v", m.Name(), s)
		}
	}
}
