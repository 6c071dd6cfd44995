package codec_test

import (
	"path/filepath"
	"testing"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/features"
	"github.com/vqspeak/vqspeak/internal/audiofile"
)

// Whole-packet Encode and Decode are benchmarked in roundtrip_test.go;
// these are their parts.

func benchClip(b *testing.B) []float32 {
	b.Helper()
	a, err := audiofile.ReadFile(filepath.Join("..", "testdata", "audio", "fleurs-es-006.wav"))
	if err != nil {
		b.Fatal(err)
	}
	return a.Samples
}

// benchPackets encodes the clip at 4 stages and returns the packets.
func benchPackets(b *testing.B) [][]byte {
	b.Helper()
	x := benchClip(b)
	enc, err := codec.NewEncoder(codec.DefaultCodebook(), codec.DefaultStages)
	if err != nil {
		b.Fatal(err)
	}
	var out [][]byte
	for p := 0; p+codec.PacketSamples <= len(x); p += codec.PacketSamples {
		pkt, err := enc.Encode(nil, x[p:p+codec.PacketSamples])
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, pkt)
	}
	return out
}

func BenchmarkPacketAppend(b *testing.B) {
	bits := codec.IndexBits(codec.DefaultCodebook())
	raw := benchPackets(b)
	pks := make([]codec.Packet, len(raw))
	for i, r := range raw {
		if err := codec.ParsePacket(&pks[i], r, bits, codec.MaxStages); err != nil {
			b.Fatal(err)
		}
	}
	buf := make([]byte, 0, 16)
	b.SetBytes(int64(len(raw[0])))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		buf = codec.AppendPacket(buf[:0], &pks[i], bits)
		if i++; i == len(pks) {
			i = 0
		}
	}
}

func BenchmarkPacketParse(b *testing.B) {
	bits := codec.IndexBits(codec.DefaultCodebook())
	raw := benchPackets(b)
	var pk codec.Packet
	b.SetBytes(int64(len(raw[0])))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := codec.ParsePacket(&pk, raw[i], bits, codec.MaxStages); err != nil {
			b.Fatal(err)
		}
		if i++; i == len(raw) {
			i = 0
		}
	}
}

// BenchmarkSynthesizerHop renders one 10 ms hop from real (unquantised)
// frames of speech: the decoder's vocoder.
func BenchmarkSynthesizerHop(b *testing.B) {
	x := benchClip(b)
	an := features.NewAnalyzer()
	frames := make([]features.Frame, len(x)/features.HopSize)
	for h := range frames {
		an.Push(&frames[h], x[h*features.HopSize:(h+1)*features.HopSize])
	}
	syn := codec.NewSynthesizer(codec.DefaultPostfilter)
	out := make([]float32, features.HopSize)
	b.SetBytes(features.HopSize * 2)
	b.ReportAllocs()
	h := 0
	for b.Loop() {
		syn.Hop(out, &frames[h])
		if h++; h == len(frames) {
			h = 0
		}
	}
}
