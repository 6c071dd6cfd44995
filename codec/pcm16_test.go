package codec_test

import (
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/vqspeak/vqspeak/codec"
)

// speech16 reads a bundled clip as int16 samples, trimmed to whole packets.
func speech16(t testing.TB, name string) []int16 {
	t.Helper()
	x := loadClip(t, name)
	n := len(x) / codec.PacketSamples * codec.PacketSamples
	return codec.Float32ToInt16(nil, x[:n])
}

func TestInt16Conversion(t *testing.T) {
	all := make([]int16, 0, 65536)
	for v := math.MinInt16; v <= math.MaxInt16; v++ {
		all = append(all, int16(v))
	}
	f := codec.Int16ToFloat32([]float32{7}, all)
	if len(f) != 65537 || f[0] != 7 {
		t.Fatalf("Int16ToFloat32 did not append: len %d, f[0] %v", len(f), f[0])
	}
	back := codec.Float32ToInt16(nil, f[1:])
	if !slices.Equal(back, all) {
		t.Fatal("int16 → float32 → int16 is not exact")
	}
	for _, tc := range []struct {
		in   float32
		want int16
	}{
		{0, 0}, {1, 32767}, {-1, -32768}, {2, 32767}, {-7, -32768},
		{float32(math.NaN()), 0}, {float32(math.Inf(1)), 32767}, {float32(math.Inf(-1)), -32768},
		{0.5 / 32768, 0}, {1.5 / 32768, 2}, {-1.5 / 32768, -2}, // nearest-even
	} {
		if got := codec.Float32ToInt16(nil, []float32{tc.in})[0]; got != tc.want {
			t.Errorf("Float32ToInt16(%v) = %d, want %d", tc.in, got, tc.want)
		}
	}
	if got := codec.Int16ToFloat32(nil, nil); len(got) != 0 {
		t.Errorf("empty input gave %d samples", len(got))
	}
}

// TestInt16MatchesFloat32 checks that the int16 calls are the float32 calls
// with the conversion around them, packet for packet and sample for sample.
func TestInt16MatchesFloat32(t *testing.T) {
	cb := codec.DefaultCodebook()
	x := speech16(t, "librispeech-367-f.wav")[:50*codec.PacketSamples]
	encF, _ := codec.NewEncoder(cb, 3)
	encI, _ := codec.NewEncoder(cb, 3)
	decF, _ := codec.NewDecoder(cb)
	decI, _ := codec.NewDecoder(cb)
	var pf, pi []byte
	var outF []float32
	var outI []int16
	for p := 0; p < len(x)/codec.PacketSamples; p++ {
		frame := x[p*codec.PacketSamples : (p+1)*codec.PacketSamples]
		var err error
		pf, _ = encF.Encode(pf[:0], codec.Int16ToFloat32(nil, frame))
		if pi, err = encI.EncodeInt16(pi[:0], frame); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(pf, pi) {
			t.Fatalf("packet %d: EncodeInt16 %x, Encode %x", p, pi, pf)
		}
		if p%7 == 3 { // a loss now and then exercises Conceal
			outF = decF.Conceal(outF)
			outI = decI.ConcealInt16(outI)
			continue
		}
		outF, _ = decF.Decode(outF, pf)
		if outI, err = decI.DecodeInt16(outI, pi); err != nil {
			t.Fatal(err)
		}
	}
	if want := codec.Float32ToInt16(nil, outF); !slices.Equal(outI, want) {
		t.Fatal("DecodeInt16/ConcealInt16 output differs from Decode/Conceal converted")
	}
	var energy float64
	for _, v := range outI {
		energy += float64(v) * float64(v)
	}
	if rms := math.Sqrt(energy / float64(len(outI))); rms < 100 {
		t.Errorf("decoded speech has RMS %.0f, want audible speech", rms)
	}
}

func TestInt16Errors(t *testing.T) {
	cb := codec.DefaultCodebook()
	enc, _ := codec.NewEncoder(cb, 4)
	dec, _ := codec.NewDecoder(cb)
	if p, err := enc.EncodeInt16([]byte{1}, make([]int16, 100)); !errors.Is(err, codec.ErrPCMLength) || len(p) != 1 {
		t.Errorf("EncodeInt16(100 samples) = %d bytes, %v; want dst untouched and ErrPCMLength", len(p), err)
	}
	out, err := dec.DecodeInt16([]int16{5}, []byte{1, 2, 3})
	if !errors.Is(err, codec.ErrPacketLength) || len(out) != 1 {
		t.Errorf("DecodeInt16(3 bytes) = %d samples, %v; want dst untouched and ErrPacketLength", len(out), err)
	}
}

func TestBitrateAndLatency(t *testing.T) {
	cb := codec.DefaultCodebook()
	enc, _ := codec.NewEncoder(cb, 4)
	if enc.Latency() != 30*time.Millisecond || enc.LatencySamples() != 480 || enc.Lookahead() != codec.Delay {
		t.Errorf("latency %v / %d samples / lookahead %d; want 30ms / 480 / %d",
			enc.Latency(), enc.LatencySamples(), enc.Lookahead(), codec.Delay)
	}
	if got := time.Duration(enc.LatencySamples()) * time.Second / codec.SampleRate; got != enc.Latency() {
		t.Errorf("LatencySamples %d is %v, Latency says %v", enc.LatencySamples(), got, enc.Latency())
	}
	if enc.MaxPacketSize() != codec.PacketSize(cb.NumStages(), codec.IndexBits(cb)) {
		t.Errorf("MaxPacketSize %d", enc.MaxPacketSize())
	}
	for _, tc := range []struct {
		bps, stages int
		fails       bool
	}{
		{1 << 20, cb.NumStages(), false},
		{codec.Bitrate(cb, 4), 4, false},
		{codec.Bitrate(cb, 4) - 1, 3, false},
		{codec.Bitrate(cb, 2), 2, false},
		{codec.Bitrate(cb, 1), 1, false},
		{codec.Bitrate(cb, 1) - 1, 1, true}, // keeps the previous mode (1 from the row above)
		{0, 1, true},
	} {
		err := enc.SetBitrate(tc.bps)
		if (err != nil) != tc.fails || (err != nil && !errors.Is(err, codec.ErrStages)) {
			t.Errorf("SetBitrate(%d): error %v, want failure %v", tc.bps, err, tc.fails)
		}
		if enc.Stages() != tc.stages {
			t.Errorf("SetBitrate(%d): %d stages, want %d", tc.bps, enc.Stages(), tc.stages)
		}
		if !tc.fails && enc.Bitrate() > tc.bps {
			t.Errorf("SetBitrate(%d) chose %d b/s", tc.bps, enc.Bitrate())
		}
		p, _ := enc.EncodeInt16(nil, make([]int16, codec.PacketSamples))
		if len(p) != codec.PacketSize(enc.Stages(), codec.IndexBits(cb)) {
			t.Errorf("after SetBitrate(%d): %d-byte packet for %d stages", tc.bps, len(p), enc.Stages())
		}
	}
}

func TestInt16NoAllocations(t *testing.T) {
	cb := codec.DefaultCodebook()
	x := speech16(t, "fleurs-es-006.wav")
	enc, _ := codec.NewEncoder(cb, 4)
	dec, _ := codec.NewDecoder(cb)
	pkt := make([]byte, 0, enc.MaxPacketSize())
	pcm := make([]int16, 0, codec.PacketSamples)
	pos, n := 0, 0
	allocs := leastAllocs(func() {
		n++
		enc.SetStages(1 + n%4) // bitrate switched per packet
		pkt, _ = enc.EncodeInt16(pkt[:0], x[pos:pos+codec.PacketSamples])
		pos = (pos + codec.PacketSamples) % (len(x) - codec.PacketSamples)
		pcm, _ = dec.DecodeInt16(pcm[:0], pkt)
		pcm = dec.ConcealInt16(pcm[:0])
	})
	if allocs != 0 {
		t.Errorf("%v allocations per packet, want 0", allocs)
	}
}

func BenchmarkEncodeDecodeInt16(b *testing.B) {
	cb := codec.DefaultCodebook()
	x := speech16(b, "fleurs-es-006.wav")
	enc, _ := codec.NewEncoder(cb, 4)
	dec, _ := codec.NewDecoder(cb)
	pkt := make([]byte, 0, enc.MaxPacketSize())
	pcm := make([]int16, 0, codec.PacketSamples)
	b.SetBytes(codec.PacketSamples * 2)
	b.ReportAllocs()
	pos := 0
	for b.Loop() {
		pkt, _ = enc.EncodeInt16(pkt[:0], x[pos:pos+codec.PacketSamples])
		pcm, _ = dec.DecodeInt16(pcm[:0], pkt)
		pos = (pos + codec.PacketSamples) % (len(x) - codec.PacketSamples)
	}
}

// leastAllocs is the least of three testing.AllocsPerRun(60, f): the count
// is process-wide, and goroutines other tests leave behind may allocate.
func leastAllocs(f func()) float64 {
	least := testing.AllocsPerRun(60, f)
	for range 2 {
		least = min(least, testing.AllocsPerRun(60, f))
	}
	return least
}
