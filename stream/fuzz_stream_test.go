package stream_test

import (
	"encoding/binary"
	"errors"
	"math"
	"sync"
	"testing"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/stream"
)

// fuzzPackets are real payloads of every kind: speech at each stage count,
// with and without FEC, and DTX comfort noise (a buzz, then silence).
var fuzzPackets = sync.OnceValues(func() ([]stream.Packet, error) {
	cb := codec.DefaultCodebook()
	var out []stream.Packet
	pcm := make([]float32, 40*codec.PacketSamples)
	for i := range pcm[:len(pcm)/2] {
		pcm[i] = 0.3 * float32(math.Sin(2*math.Pi*180*float64(i)/codec.SampleRate))
	}
	for s := 1; s <= cb.NumStages(); s++ {
		enc, err := stream.NewEncoder(cb, &stream.EncoderConfig{Stages: s, FEC: s%2 == 0, DTX: true})
		if err != nil {
			return nil, err
		}
		err = enc.Push(pcm, func(p stream.Packet) error {
			p.Payload = append([]byte(nil), p.Payload...)
			out = append(out, p)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
})

// fuzzLowRateModes are the 40 ms modes the fuzzer also runs each script on.
var fuzzLowRateModes = []codec.Mode{codec.Mode800, codec.Mode1200, codec.Mode1600}

// fuzzLowRatePackets are real payloads of each 40 ms mode (a buzz, then
// silence), in fuzzLowRateModes' order.
var fuzzLowRatePackets = sync.OnceValues(func() ([][]stream.Packet, error) {
	cb := codec.DefaultCodebook()
	pcm := make([]float32, 40*codec.PacketSamples)
	for i := range pcm[:len(pcm)/2] {
		pcm[i] = 0.3 * float32(math.Sin(2*math.Pi*180*float64(i)/codec.SampleRate))
	}
	var out [][]stream.Packet
	for _, m := range fuzzLowRateModes {
		enc, err := stream.NewEncoder(cb, &stream.EncoderConfig{Mode: m})
		if err != nil {
			return nil, err
		}
		var pkts []stream.Packet
		err = enc.Push(pcm, func(p stream.Packet) error {
			p.Payload = append([]byte(nil), p.Payload...)
			pkts = append(pkts, p)
			return nil
		})
		if err != nil {
			return nil, err
		}
		out = append(out, pkts)
	}
	return out, nil
})

// FuzzStreamDecoder drives the jitter buffer with a script read from the
// input: packets real or arbitrary, with arbitrary sequence numbers and
// timestamps (late, early, duplicated, wrapped, far jumps), and pulls of
// arbitrary sizes. Pull must always deliver finite samples in [-1, 1],
// Push may only refuse with the framing errors, and the counters must stay
// consistent. Each script runs twice: on a 20 ms decoder with 20 ms
// packets, and on a decoder of one of the 40 ms modes (cfgByte picks it)
// with that mode's packets.
//
//	go test -run='^$' -fuzz='^FuzzStreamDecoder$' -fuzztime=10m -parallel 1 ./stream
func FuzzStreamDecoder(f *testing.F) {
	pkts20, err := fuzzPackets()
	if err != nil {
		f.Fatal(err)
	}
	lowRatePkts, err := fuzzLowRatePackets()
	if err != nil {
		f.Fatal(err)
	}
	// In order, one pull per packet.
	var inOrder []byte
	for i := range 30 {
		inOrder = append(inOrder, 1, byte(i), 0, 0, 0, 0, 0x01, 0x40) // push packet i; pull 320
	}
	f.Add(byte(0x12), inOrder)
	// Reordered, duplicated, lost, with jitter.
	f.Add(byte(0x25), []byte{1, 0, 0, 0, 1, 2, 0, 0, 1, 1, 0xFF, 0xFF, 0, 80, 1, 1, 0xFF, 0xFF, 1, 4, 0, 0, 0, 200, 0, 80, 1, 7, 3, 0x40, 0, 120, 0, 255})
	// Arbitrary payloads with absolute numbers around the wrap points.
	f.Add(byte(0x00), []byte{2, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xC0, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0, 80, 2, 0, 0, 0, 0, 1, 0x40, 2, 0x3F, 0x10, 0, 80, 3, 0, 5, 0x80, 0, 0, 0, 0, 3})
	f.Add(byte(0x3F), []byte{3, 7, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0, 255, 3, 8, 0x80, 0, 0, 0, 0, 0, 255, 0, 255, 0, 255})
	f.Add(byte(0xFF), []byte{})

	f.Fuzz(func(t *testing.T, cfgByte byte, script []byte) {
		cfg := stream.DecoderConfig{MinDepth: int(cfgByte & 3), StartDepth: int(cfgByte>>2) & 3, MaxDepth: int(cfgByte>>4) & 15}
		cfg.StartDepth = max(cfg.StartDepth, cfg.MinDepth)
		cfg.MaxDepth = max(cfg.MaxDepth, cfg.StartDepth)
		k := int(cfgByte) % len(fuzzLowRateModes)
		fuzzDecoderScript(t, cfg, codec.Mode{}, pkts20, script)
		fuzzDecoderScript(t, cfg, fuzzLowRateModes[k], lowRatePkts[k], script)
	})
}

// fuzzMaxOps bounds a script: pulls decode up to 13 packets each, and a
// bounded script keeps an execution near a millisecond so that the fuzzer
// explores.
const fuzzMaxOps = 96

// fuzzDecoderScript runs a FuzzStreamDecoder script on a decoder of mode m
// (zero: the 20 ms modes) whose real packets are pkts.
func fuzzDecoderScript(t *testing.T, cfg stream.DecoderConfig, m codec.Mode, pkts []stream.Packet, script []byte) {
	dec, err := stream.NewModeDecoder(codec.DefaultCodebook(), m, &cfg)
	if err != nil {
		t.Fatalf("config %+v, mode %v: %v", cfg, m, err)
	}
	ps := int64(dec.PacketSamples())
	next := func(n int) []byte {
		n = min(n, len(script))
		b := script[:n:n] // the input must not be written to: cap it
		script = script[n:]
		return b
	}
	fixed := func(n int) []byte { b := make([]byte, n); copy(b, next(n)); return b }
	u16 := func() uint16 { return binary.BigEndian.Uint16(fixed(2)) }
	u32 := func() uint32 { return binary.BigEndian.Uint32(fixed(4)) }
	byteOr0 := func() byte { return fixed(1)[0] }

	var pulled int64
	buf := make([]float32, 2048)
	ibuf := make([]int16, 1024)
	for ops := 0; len(script) > 0 && ops < fuzzMaxOps; ops++ {
		op := byteOr0()
		var p stream.Packet
		push := true
		switch op % 5 {
		case 0: // pull
			n := int(u16()) % len(buf)
			dec.Pull(buf[:n])
			for i, v := range buf[:n] {
				if !(v >= -1 && v <= 1) {
					t.Fatalf("pulled sample %d = %v", i, v)
				}
			}
			pulled += int64(n)
			push = false
		case 1: // a real packet, numbered near where it belongs
			i := int(byteOr0())
			p = pkts[i%len(pkts)]
			p.Seq = uint16(i) + uint16(int8(byteOr0()))
			p.Timestamp = uint32(int64(i)*ps) + uint32(int16(u16()))
		case 2: // arbitrary bytes, absolute numbers
			p.Seq, p.Timestamp = u16(), u32()
			p.Payload = next(int(byteOr0()) % 24)
		case 3: // a real packet, absolute numbers
			p = pkts[int(byteOr0())%len(pkts)]
			p.Seq, p.Timestamp = u16(), u32()
		case 4: // 16-bit pull
			n := int(byteOr0()) * 4 % len(ibuf)
			dec.PullInt16(ibuf[:n])
			pulled += int64(n)
			push = false
		}
		if push {
			if err := dec.Push(p); err != nil && !errors.Is(err, stream.ErrPayloadLength) && !errors.Is(err, stream.ErrPayloadVersion) {
				t.Fatalf("Push(%+v): unexpected error %v", p, err)
			}
		}
		s := dec.Stats()
		if s.Received < 0 || s.Late < 0 || s.Lost < 0 || s.Duplicates < 0 || s.Invalid < 0 || s.Concealed < 0 ||
			s.Recovered < 0 || s.ComfortNoise < 0 || s.Stretched < 0 || s.Skipped < 0 || s.Resets < 0 ||
			s.Depth < 0 || s.TargetDepth < cfg.MinDepth || s.TargetDepth > cfg.MaxDepth || s.Jitter < 0 {
			t.Fatalf("stats %+v (config %+v)", s, cfg)
		}
		played := s.Concealed + s.Recovered + s.ComfortNoise
		// A restart drops the partly played slot: one more per reset.
		if slots := pulled/ps + 2 + s.Resets; played > slots+s.Stretched {
			t.Fatalf("mode %v: %d slots concealed/recovered/noise after pulling %d samples: %+v", m, played, pulled, s)
		}
	}
}
