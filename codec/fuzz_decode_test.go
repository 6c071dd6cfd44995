package codec_test

import (
	"bytes"
	"errors"
	"math"
	"sync"
	"testing"

	"github.com/vqspeak/vqspeak/codec"
)

// The packet-level fuzz targets: any bytes given to the decoder give either
// an error that changes nothing, or exactly one packet of finite audio in
// [-1, 1]. Seeds live in testdata/fuzz/Fuzz*/; run one with
//
//	go test -run='^$' -fuzz='^FuzzDecode$' -fuzztime=10m -parallel 1 ./codec

var fuzzCB = sync.OnceValue(codec.DefaultCodebook)

// fuzzDecoder makes a decoder for the default codebook.
func fuzzDecoder(t testing.TB) *codec.Decoder {
	d, err := codec.NewDecoder(fuzzCB())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// realPackets encodes a 200 Hz buzz with noise bursts at every stage count,
// so that seeds start from packets the encoder really makes.
func realPackets(t testing.TB, n int) [][]byte {
	cb := fuzzCB()
	var out [][]byte
	pcm := make([]float32, codec.PacketSamples)
	for s := 1; s <= cb.NumStages(); s++ {
		enc, err := codec.NewEncoder(cb, s)
		if err != nil {
			t.Fatal(err)
		}
		seed := uint32(s)
		for p := 0; p < n; p++ {
			for i := range pcm {
				seed = seed*1664525 + 1013904223
				noise := float32(int32(seed)) / (1 << 31)
				x := 0.3 * float32(math.Sin(2*math.Pi*200*float64(p*len(pcm)+i)/codec.SampleRate))
				if p%3 == 2 {
					x = 0.2 * noise
				}
				pcm[i] = x
			}
			pkt, err := enc.Encode(nil, pcm)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, pkt)
		}
	}
	return out
}

// checkPCM fails on any sample that is not finite or lies outside [-1, 1].
func checkPCM(t *testing.T, x []float32) {
	t.Helper()
	for i, v := range x {
		if !(v >= -1 && v <= 1) { // false for NaN too
			t.Fatalf("sample %d = %v, want finite and within [-1, 1]", i, v)
		}
	}
}

// decodeChecked runs d.Decode(dst, pkt) and checks its contract: on success
// exactly PacketSamples valid samples are appended and dst's samples are
// untouched; on error dst comes back unchanged.
func decodeChecked(t *testing.T, d *codec.Decoder, dst []float32, pkt []byte) ([]float32, error) {
	t.Helper()
	before := append([]float32(nil), dst...)
	out, err := d.Decode(dst, pkt)
	if err != nil {
		if !errors.Is(err, codec.ErrPacketLength) && !errors.Is(err, codec.ErrPacketIndex) {
			t.Fatalf("Decode(%x): unexpected error %v", pkt, err)
		}
		if len(out) != len(before) || (len(out) > 0 && &out[0] != &dst[0]) {
			t.Fatalf("Decode(%x) failed but changed dst: %d -> %d samples", pkt, len(before), len(out))
		}
		return out, err
	}
	if len(out) != len(before)+codec.PacketSamples {
		t.Fatalf("Decode(%x): %d samples appended, want %d", pkt, len(out)-len(before), codec.PacketSamples)
	}
	for i := range before {
		if math.Float32bits(out[i]) != math.Float32bits(before[i]) {
			t.Fatalf("Decode(%x) changed sample %d of dst", pkt, i)
		}
	}
	checkPCM(t, out[len(before):])
	return out, nil
}

// FuzzDecode gives the decoder arbitrary bytes as one packet, then the same
// bytes cut or padded to the length of every stage count, after a real
// packet so that the decoder has state to damage. A packet it refuses must
// leave that state alone: the next good packet decodes exactly as if the bad
// one had never been offered.
func FuzzDecode(f *testing.F) {
	for _, p := range realPackets(f, 3) {
		f.Add(p)
	}
	f.Add([]byte{})
	f.Add([]byte{0})
	f.Add(bytes.Repeat([]byte{0xFF}, 8))
	f.Add(bytes.Repeat([]byte{0x00}, 8))
	f.Add(bytes.Repeat([]byte{0xFF}, 9))
	f.Add([]byte{0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF})
	f.Add(bytes.Repeat([]byte{0xAA}, 300))

	good := realPackets(f, 2)
	maxStages := fuzzCB().NumStages()
	bits := codec.IndexBits(fuzzCB())
	f.Fuzz(func(t *testing.T, data []byte) {
		a, b := fuzzDecoder(t), fuzzDecoder(t)
		prefix := make([]float32, 7, 7+3*codec.PacketSamples) // room, so that a wrong append would show
		for i := range prefix {
			prefix[i] = float32(i) / 8
		}
		outA, _ := decodeChecked(t, a, prefix, good[0])
		outB, _ := decodeChecked(t, b, nil, good[0])

		// The raw bytes, then the same bytes at each stage count's length.
		inputs := [][]byte{data}
		for s := 1; s <= maxStages; s++ {
			n := codec.PacketSize(s, bits)
			p := make([]byte, n)
			copy(p, data)
			inputs = append(inputs, p)
		}
		for _, in := range inputs {
			var err error
			outA, err = decodeChecked(t, a, outA, in)
			if err == nil {
				outB, _ = decodeChecked(t, b, outB, in)
			}
		}
		// Both decoders must now be in the same state.
		outA, _ = decodeChecked(t, a, outA, good[1])
		outB, _ = decodeChecked(t, b, outB, good[1])
		tailA, tailB := outA[len(outA)-codec.PacketSamples:], outB[len(outB)-codec.PacketSamples:]
		for i := range tailA {
			if math.Float32bits(tailA[i]) != math.Float32bits(tailB[i]) {
				t.Fatalf("a refused packet changed the decoder's state: sample %d is %v, want %v", i, tailA[i], tailB[i])
			}
		}
	})
}

// FuzzParsePacket checks the bit unpacking alone, for any index width and
// stage limit: a parsed packet re-packs to the same bytes (up to the zero
// padding), every field fits its width, and a refused length is one no
// stage count gives.
func FuzzParsePacket(f *testing.F) {
	for _, p := range realPackets(f, 1) {
		f.Add(p, uint8(10), uint8(4))
	}
	f.Add([]byte{1, 2, 3}, uint8(0), uint8(1))
	f.Add(bytes.Repeat([]byte{0xFF}, 12), uint8(12), uint8(6))
	f.Add(bytes.Repeat([]byte{0xFF}, 12), uint8(10), uint8(7))
	f.Add(bytes.Repeat([]byte{0x5A}, 27), uint8(32), uint8(6))
	f.Add([]byte{}, uint8(8), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, bitsB, maxB uint8) {
		bits := int(bitsB % 33) // 0..32 bits per index
		maxStages := int(maxB % 10)
		var p codec.Packet
		err := codec.ParsePacket(&p, data, bits, maxStages)
		s, serr := codec.StagesForSize(len(data), bits, min(maxStages, codec.MaxStages))
		if err != nil {
			if !errors.Is(err, codec.ErrPacketLength) {
				t.Fatalf("unexpected error %v", err)
			}
			if serr == nil {
				t.Fatalf("ParsePacket refused %d bytes that StagesForSize maps to %d stages: %v", len(data), s, err)
			}
			return
		}
		if serr != nil || s != p.Stages {
			t.Fatalf("ParsePacket says %d stages, StagesForSize %d (%v)", p.Stages, s, serr)
		}
		if p.Stages < 1 || p.Stages > min(maxStages, codec.MaxStages) || len(data) != codec.PacketSize(p.Stages, bits) {
			t.Fatalf("%d stages from %d bytes (max %d, %d bits)", p.Stages, len(data), maxStages, bits)
		}
		if p.F0 >= 1<<7 || p.Voicing >= 1<<3 || p.Energy >= 1<<6 || p.MidF0 >= 1<<3 || p.MidVoice >= 1<<2 || p.MidEnergy >= 1<<3 {
			t.Fatalf("field out of its width: %+v", p)
		}
		for _, i := range p.Index[:p.Stages] {
			if i < 0 || uint64(i) >= 1<<bits {
				t.Fatalf("index %d does not fit %d bits", i, bits)
			}
		}
		if int(p.Pad) >= 1<<codec.PadBits(p.Stages, bits) {
			t.Fatalf("pad %d does not fit %d bits", p.Pad, codec.PadBits(p.Stages, bits))
		}
		// every bit is a field, an index or the pad: the packet round-trips
		if again := codec.AppendPacket(nil, &p, bits); !bytes.Equal(again, data) {
			t.Fatalf("re-packed %x, want %x (%d stages of %d bits)", again, data, p.Stages, bits)
		}
	})
}

// FuzzDecoderSequence drives one decoder with a script of packets, lost
// packets and resets read from the input: the output must always grow by
// exactly PacketSamples per packet or concealment and stay finite and in
// [-1, 1], and a second decoder that never sees the refused packets must
// produce the very same samples.
func FuzzDecoderSequence(f *testing.F) {
	// Script: an opcode byte; op%8 == 0: Conceal; 1: Reset; 2: SetPostfilter
	// (next byte / 64); otherwise a packet whose length is the next byte % 12.
	var seed []byte
	for i, p := range realPackets(f, 4) {
		if i%5 == 4 {
			seed = append(seed, 0) // a loss
		}
		seed = append(seed, 3, byte(len(p)))
		seed = append(seed, p...)
	}
	f.Add(seed)
	f.Add(bytes.Repeat([]byte{0}, 40))                             // a long loss from the start
	f.Add(append([]byte{3, 8}, bytes.Repeat([]byte{0xFF}, 80)...)) // loud garbage
	f.Add([]byte{3, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 1, 3, 5, 9, 9, 9, 9, 9, 2, 200, 3, 7, 1, 1, 1, 1, 1, 1, 1})
	f.Add([]byte{})

	// Each step decodes a packet twice (about a millisecond under the
	// fuzzer's instrumentation): a few dozen steps keep it fast enough to
	// explore, and the seeds cover loss runs longer than that.
	const maxSteps = 48
	f.Fuzz(func(t *testing.T, script []byte) {
		a, b := fuzzDecoder(t), fuzzDecoder(t)
		var outA, outB []float32
		steps := 0
		for len(script) > 0 && steps < maxSteps {
			op := script[0]
			script = script[1:]
			steps++
			switch op % 8 {
			case 0:
				n := len(outA)
				outA = a.Conceal(outA)
				outB = b.Conceal(outB)
				if len(outA) != n+codec.PacketSamples {
					t.Fatalf("Conceal appended %d samples, want %d", len(outA)-n, codec.PacketSamples)
				}
				checkPCM(t, outA[n:])
			case 1:
				a.Reset()
				b.Reset()
			case 2:
				strength := 0.0
				if len(script) > 0 {
					strength = float64(script[0]) / 64
					script = script[1:]
				}
				a.SetPostfilter(strength)
				b.SetPostfilter(strength)
			default:
				n := 0
				if len(script) > 0 {
					n = int(script[0]) % 12
					script = script[1:]
				}
				n = min(n, len(script))
				pkt := script[:n]
				script = script[n:]
				var err error
				if outA, err = decodeChecked(t, a, outA, pkt); err == nil {
					outB, _ = decodeChecked(t, b, outB, pkt)
				}
			}
			if len(outA) != len(outB) {
				t.Fatalf("step %d: %d samples, reference %d", steps, len(outA), len(outB))
			}
		}
		if len(outA)%codec.PacketSamples != 0 {
			t.Fatalf("%d samples is not a whole number of packets", len(outA))
		}
		checkPCM(t, outA)
		for i := range outA {
			if math.Float32bits(outA[i]) != math.Float32bits(outB[i]) {
				t.Fatalf("sample %d: %v, reference %v: a refused packet changed the state", i, outA[i], outB[i])
			}
		}
	})
}

// FuzzComfortNoise drives the decoder's parameter-taking methods with any
// values: comfort noise with an arbitrary energy code and float32 tilt (NaN
// and infinities included), postfilter strengths as arbitrary float64s,
// losses, and real packets in between. Whatever was passed, every packet
// played, then and later, must be PacketSamples finite samples in [-1, 1].
func FuzzComfortNoise(f *testing.F) {
	le := func(b []byte, bits uint64, n int) []byte {
		for i := range n {
			b = append(b, byte(bits>>(8*i)))
		}
		return b
	}
	cn := func(energy uint8, tilt float32) []byte {
		return le([]byte{0, energy}, uint64(math.Float32bits(tilt)), 4)
	}
	pf := func(s float64) []byte { return le([]byte{2}, math.Float64bits(s), 8) }
	f.Add(append(append([]byte{3, 0}, cn(30, 0.5)...), 3, 1, 1, 3, 2))
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), 1000, -1e30} {
		f.Add(append(append([]byte{3, 0}, cn(63, float32(v))...), 3, 1, 3, 2, 1))
		f.Add(append(append([]byte{3, 0}, pf(v)...), 3, 1, 3, 2, 0, 40, 0, 0, 0, 0))
	}
	f.Add([]byte{})

	good := realPackets(f, 2)
	const maxSteps = 32
	f.Fuzz(func(t *testing.T, script []byte) {
		d := fuzzDecoder(t)
		var out []float32
		take := func(n int) uint64 {
			var v uint64
			for i := range min(n, len(script)) {
				v |= uint64(script[i]) << (8 * i)
			}
			script = script[min(n, len(script)):]
			return v
		}
		for steps := 0; len(script) > 0 && steps < maxSteps; steps++ {
			op := take(1)
			n := len(out)
			switch op % 4 {
			case 0:
				energy := uint8(take(1))
				out = d.ComfortNoise(out, energy, math.Float32frombits(uint32(take(4))))
			case 1:
				out = d.Conceal(out)
			case 2:
				d.SetPostfilter(math.Float64frombits(take(8)))
				continue
			case 3:
				out, _ = decodeChecked(t, d, out, good[int(take(1))%len(good)])
			}
			if len(out) != n+codec.PacketSamples {
				t.Fatalf("step %d (op %d): %d samples appended, want %d", steps, op%4, len(out)-n, codec.PacketSamples)
			}
			checkPCM(t, out[n:])
		}
		// Whatever came before, real packets decode to valid audio.
		for _, p := range good[:3] {
			out, _ = decodeChecked(t, d, out, p)
		}
	})
}
