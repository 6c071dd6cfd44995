package vqs

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/vqspeak/vqspeak/codec"
)

// lowRateModes are the 40 ms modes the live tests run.
var lowRateModes = []codec.Mode{codec.Mode800, codec.Mode1200, codec.Mode1600}

// liveModeHeader is the header of a live stream in mode m with the
// default codebook.
func liveModeHeader(m codec.Mode) Header {
	return Header{SampleRate: codec.SampleRate, PacketSamples: uint16(m.PacketSamples()), Stages: uint8(m.Stages),
		CodebookFingerprint: codec.DefaultCodebook().Fingerprint()}
}

// liveModeStream encodes x in mode m into a plain file and into a live
// stream of the same packets (slot = packet index), and returns both.
func liveModeStream(t *testing.T, m codec.Mode, x []float32) (plain []byte, live *writeCounter, pkts [][]byte) {
	t.Helper()
	var b bytes.Buffer
	fe, err := NewModeEncoder(&b, codec.DefaultCodebook(), m)
	if err != nil {
		t.Fatal(err)
	}
	if err := fe.WriteSamples(x); err != nil {
		t.Fatal(err)
	}
	if err := fe.Close(); err != nil {
		t.Fatal(err)
	}
	_, pkts, _, err = ReadAllPackets(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	live = &writeCounter{}
	lw, err := NewLiveWriter(live, liveModeHeader(m))
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range pkts {
		if err := lw.WritePacket(uint32(i), p); err != nil {
			t.Fatal(err)
		}
	}
	return b.Bytes(), live, pkts
}

// decodeAll decodes a stream with a vqs.Decoder over fr.
func decodeAll(t *testing.T, fr *PacketReader) []float32 {
	t.Helper()
	fd, err := NewPacketDecoder(fr, codec.DefaultCodebook())
	if err != nil {
		t.Fatal(err)
	}
	var y []float32
	for err == nil {
		y, err = fd.ReadSamples(y)
	}
	if err != io.EOF || len(fd.Damage()) > 0 {
		t.Errorf("decoding: %v, damage %v", err, fd.Damage())
	}
	return y
}

// TestLiveLowRate: a live stream of a 40 ms mode records the mode (its
// file header and every block header), sends each packet in one write,
// repeats its header every second (25 packets), reads back every packet
// with its 40 ms slot, and decodes to the samples of a plain file.
func TestLiveLowRate(t *testing.T) {
	x := loadClipInternal(t)
	for _, m := range lowRateModes {
		t.Run(m.Name(), func(t *testing.T) {
			plain, live, pkts := liveModeStream(t, m, x)
			if len(live.writes) != 1+len(pkts) {
				t.Errorf("%d writes for the header and %d packets", len(live.writes), len(pkts))
			}
			fr, err := NewPacketReader(bytes.NewReader(live.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			if got, err := fr.Header().Mode(); err != nil || got != m || fr.Header().Flags&FlagLive == 0 {
				t.Fatalf("header %+v: mode %v, %v", fr.Header(), got, err)
			}
			got, errs := readLive(t, fr)
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			want := make([]livePacket, len(pkts))
			for i, p := range pkts {
				want[i] = livePacket{uint32(i), p}
			}
			samePackets(t, got, want)
			// Block headers: every 25 packets, each with the 40 ms flag.
			frame := m.PacketSize(codec.DefaultIndexBits) + 1
			headers := 0
			for off, k := headerLenV1, 0; k < len(pkts); k++ {
				if k%25 == 0 {
					b := live.Bytes()[off:]
					if b[0] != sync0 || b[1] != sync1 || b[2] != kindLive || b[9] != liveLong || binary32(b[4:]) != uint32(k) {
						t.Fatalf("packet %d: no 40 ms block header at offset %d: % x", k, off, b[:liveHeaderLen])
					}
					off += liveHeaderLen
					headers++
				}
				off += frame
			}
			if headers != (len(pkts)+24)/25 || live.Len() != headerLenV1+headers*liveHeaderLen+len(pkts)*frame {
				t.Errorf("%d bytes with %d block headers", live.Len(), headers)
			}
			a := decodeAll(t, mustReader(t, plain))
			b := decodeAll(t, mustReader(t, live.Bytes()))
			if len(a) != len(b) {
				t.Fatalf("%d samples from the plain file, %d from the live stream", len(a), len(b))
			}
			for i := range a {
				if a[i] != b[i] {
					t.Fatalf("sample %d differs", i)
				}
			}
			secs := float64(len(x)) / codec.SampleRate
			t.Logf("%s: %d packets, %.0f b/s on the pipe for %d b/s of packets", m, len(pkts),
				float64(live.Len()*8)/secs, m.Bitrate(codec.DefaultIndexBits))
		})
	}
}

func binary32(b []byte) uint32 {
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

func mustReader(t *testing.T, b []byte) *PacketReader {
	t.Helper()
	fr, err := NewPacketReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return fr
}

// TestLiveLowRateJoin: a reader joining a 40 ms stream at any byte finds
// the next block header within a second, takes the mode from it (40 ms
// packets and the stage count) and reads every packet after it intact;
// decoding from there gives the plain decoder's samples once its state has
// caught up (the predictive envelope forgets within a few packets).
func TestLiveLowRateJoin(t *testing.T) {
	x := loadClipInternal(t)
	for _, m := range lowRateModes {
		t.Run(m.Name(), func(t *testing.T) {
			_, live, pkts := liveModeStream(t, m, x)
			frame := m.PacketSize(codec.DefaultIndexBits) + 1
			for cut := 1; cut < live.Len()-25*frame-liveHeaderLen; cut += 7 {
				fr, err := JoinPacketReader(bytes.NewReader(live.Bytes()[cut:]))
				if err != nil {
					t.Fatalf("join at byte %d: %v", cut, err)
				}
				if got, err := fr.Header().Mode(); err != nil || got != m {
					t.Fatalf("join at byte %d: header %+v, mode %v, %v", cut, fr.Header(), got, err)
				}
				got, errs := readLive(t, fr)
				if len(errs) > 0 || len(got) == 0 {
					t.Fatalf("join at byte %d: %d packets, %v", cut, len(got), errs)
				}
				first := int(got[0].slot)
				k := 0 // the first packet whose write starts at or after cut
				for off := live.writes[0]; k < len(pkts) && off < cut; k++ {
					off += live.writes[1+k]
				}
				if first < k || first > k+25 {
					t.Fatalf("join at byte %d: first packet is #%d, the stream there is at #%d", cut, first, k)
				}
				for i, g := range got {
					if int(g.slot) != first+i || !bytes.Equal(g.p, pkts[first+i]) {
						t.Fatalf("join at byte %d: packet %d is slot %d %x", cut, i, g.slot, g.p)
					}
				}
			}
			// The joined stream decodes: as long as the packets it holds.
			fr, err := JoinPacketReader(bytes.NewReader(live.Bytes()[live.Len()/2:]))
			if err != nil {
				t.Fatal(err)
			}
			y := decodeAll(t, fr)
			if n := fr.Stats().Packets; len(y) != int(n)*m.PacketSamples()-codec.Delay {
				t.Errorf("joined mid-way: %d samples from %d packets", len(y), n)
			}
		})
	}
}

// TestLiveLowRateDamage: a 40 ms stream cut inside a frame reports one
// truncated packet and keeps the ones before; a flipped byte costs its
// packet alone; bytes lost cost the packets up to the next header.
func TestLiveLowRateDamage(t *testing.T) {
	x := loadClipInternal(t)
	m := codec.Mode1200
	_, live, pkts := liveModeStream(t, m, x)
	frame := m.PacketSize(codec.DefaultIndexBits) + 1
	at := headerLenV1 + liveHeaderLen + 10*frame + 2 // inside packet 10
	want := make([]livePacket, len(pkts))
	for i, p := range pkts {
		want[i] = livePacket{uint32(i), p}
	}
	t.Run("cut", func(t *testing.T) {
		got, errs := readLive(t, mustReader(t, live.Bytes()[:at]))
		var te *TruncatedBlockError
		if len(errs) != 1 || !errors.As(errs[0], &te) || te.Lost != 1 {
			t.Fatalf("errors %v, want a truncated frame", errs)
		}
		samePackets(t, got, want[:10])
	})
	t.Run("flip", func(t *testing.T) {
		b := bytes.Clone(live.Bytes())
		b[at] ^= 0x04
		got, errs := readLive(t, mustReader(t, b))
		var ce *CorruptBlockError
		if len(errs) != 1 || !errors.As(errs[0], &ce) || ce.Packets != 1 || !ce.Exact || ce.FirstPacket != 10 {
			t.Fatalf("errors %v, want one exact loss of packet 10", errs)
		}
		samePackets(t, got, append(want[:10:10], want[11:]...))
	})
	t.Run("drop", func(t *testing.T) {
		b := append(bytes.Clone(live.Bytes()[:at]), live.Bytes()[at+1:]...)
		got, errs := readLive(t, mustReader(t, b))
		var ce *CorruptBlockError
		// Packets 10 to 24 are lost; the header repeated at packet 25 resyncs.
		if len(errs) != 1 || !errors.As(errs[0], &ce) || ce.Packets != 15 || !ce.Exact || ce.FirstPacket != 10 {
			t.Fatalf("errors %v, want one exact loss of packets 10 to 24", errs)
		}
		samePackets(t, got, append(want[:10:10], want[25:]...))
	})
}

// TestLiveLowRateHeader: a live header must name a mode this build knows;
// a 20 ms stream's block headers carry no 40 ms flag (its bytes are as
// before the low-rate modes).
func TestLiveLowRateHeader(t *testing.T) {
	for _, h := range []Header{
		{SampleRate: 16000, PacketSamples: 640, Stages: 1},
		{SampleRate: 16000, PacketSamples: 480, Stages: 4},
	} {
		if _, err := NewLiveWriter(io.Discard, h); !errors.Is(err, ErrInvalidHeader) || !errors.Is(err, ErrUnknownMode) {
			t.Errorf("%+v: %v, want ErrInvalidHeader and ErrUnknownMode", h, err)
		}
	}
	var b bytes.Buffer
	lw, _ := NewLiveWriter(&b, liveTestHeader())
	lw.WritePacket(0, make([]byte, 8))
	lw.WritePacket(5, make([]byte, 8))
	if got := b.Bytes()[headerLenV1+9]; got != 0 {
		t.Errorf("20 ms block header flags %#x, want 0", got)
	}
	if got := b.Bytes()[headerLenV1+liveHeaderLen+9+9]; got != liveResume {
		t.Errorf("20 ms resume header flags %#x, want %#x", got, liveResume)
	}
	// An unknown flag bit still makes a header implausible.
	hb := b.Bytes()[headerLenV1 : headerLenV1+liveHeaderLen]
	for _, f := range []byte{1 << 2, 1 << 7} {
		x := bytes.Clone(hb)
		x[9] |= f
		if _, ok := parseLiveHeader(x); ok {
			t.Errorf("flags %#x accepted", x[9])
		}
	}
}

// TestLiveLowRateNoAllocs: writing and reading a 40 ms live packet
// allocate nothing.
func TestLiveLowRateNoAllocs(t *testing.T) {
	var b bytes.Buffer
	lw, err := NewLiveWriter(&b, liveModeHeader(codec.Mode1600))
	if err != nil {
		t.Fatal(err)
	}
	p := make([]byte, 8)
	slot := uint32(0)
	if a := testing.AllocsPerRun(400, func() {
		lw.WritePacket(slot, p)
		slot++
	}); a != 0 {
		t.Errorf("writing: %v allocations per packet", a)
	}
	fr := mustReader(t, b.Bytes())
	dst := make([]byte, 0, MaxPacketLen)
	fr.ReadPacket(dst)
	if a := testing.AllocsPerRun(300, func() {
		if _, err := fr.ReadPacket(dst); err != nil {
			t.Fatal(err)
		}
	}); a != 0 {
		t.Errorf("reading: %v allocations per packet", a)
	}
}

// TestLiveMixedBlocks: a live block whose packet duration (flags bit 1) or,
// in a 40 ms stream, whose stage count (the mode) differs from the stream's
// belongs to another stream: the reader skips it as damage instead of
// handing its packets to a decoder of the wrong mode, and reads the
// stream's own blocks after it.
func TestLiveMixedBlocks(t *testing.T) {
	stream := func(h Header, from uint32, n int, fill byte) []byte {
		var b bytes.Buffer
		lw, err := NewLiveWriter(&b, h)
		if err != nil {
			t.Fatal(err)
		}
		for i := range n {
			p := bytes.Repeat([]byte{fill}, 8)
			p[0] = byte(i)
			if err := lw.WritePacket(from+uint32(i), p); err != nil {
				t.Fatal(err)
			}
		}
		return b.Bytes()
	}
	h20, h1600, h800 := liveTestHeader(), liveModeHeader(codec.Mode1600), liveModeHeader(codec.Mode800)
	other := h20 // the same mode, another codebook
	other.CodebookFingerprint[0] ^= 0xff
	for _, c := range []struct {
		name         string
		own, foreign Header
	}{
		{"40 ms block in a 20 ms stream", h20, h1600},
		{"20 ms block in a 40 ms stream", h1600, h20},
		{"800 block in a 1600 stream", h1600, h800},
		{"block of another codebook", h20, other},
	} {
		t.Run(c.name, func(t *testing.T) {
			// Several blocks of the stream's own, so that a reader joining
			// after the first header finds one of them first.
			b := stream(c.own, 0, 60, 0x11)
			b = append(b, stream(c.foreign, 60, 5, 0xee)[headerLenV1:]...)
			b = append(b, stream(c.own, 65, 10, 0x11)[headerLenV1:]...)
			for _, join := range []bool{false, true} {
				var fr *PacketReader
				if join {
					var err error
					if fr, err = JoinPacketReader(bytes.NewReader(b[headerLenV1+3:])); err != nil {
						t.Fatal(err)
					}
				} else {
					fr = mustReader(t, b)
				}
				got, errs := readLive(t, fr)
				for _, g := range got {
					if g.p[1] != 0x11 {
						t.Fatalf("join %v: slot %d: the foreign block's packet %x was returned", join, g.slot, g.p)
					}
				}
				if want := 70; join && len(got) < 20 || !join && len(got) != want || len(errs) == 0 {
					t.Errorf("join %v: %d packets, errors %v; want %d and the foreign block reported", join, len(got), errs, want)
				}
			}
		})
	}
}
