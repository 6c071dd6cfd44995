package vqs

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/internal/audiofile"
)

// liveTestHeader is the header of a live stream with the default codebook.
func liveTestHeader() Header {
	return Header{SampleRate: codec.SampleRate, PacketSamples: codec.PacketSamples, Stages: 4,
		CodebookFingerprint: codec.DefaultCodebook().Fingerprint()}
}

// writeCounter records the size of every Write.
type writeCounter struct {
	bytes.Buffer
	writes []int
}

func (w *writeCounter) Write(p []byte) (int, error) {
	w.writes = append(w.writes, len(p))
	return w.Buffer.Write(p)
}

type livePacket struct {
	slot uint32
	p    []byte
}

// liveStream writes n packets of 8 bytes (4 stages), with a stretch of
// 2-byte packets and a DTX gap in the middle, and returns the stream.
func liveStream(t *testing.T, n int) (*writeCounter, []livePacket) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	var w writeCounter
	lw, err := NewLiveWriter(&w, liveTestHeader())
	if err != nil {
		t.Fatal(err)
	}
	var pkts []livePacket
	slot := uint32(0)
	for i := range n {
		size := 8
		switch {
		case i >= 70 && i < 73:
			size = 2 // comfort noise
		case i == 73:
			slot += 10 // not sent (DTX)
		}
		p := make([]byte, size)
		for k := range p {
			p[k] = byte(rng.Uint32())
		}
		if err := lw.WritePacket(slot, p); err != nil {
			t.Fatal(err)
		}
		pkts = append(pkts, livePacket{slot, p})
		slot++
	}
	if int64(w.Len()) != lw.Bytes() {
		t.Errorf("Bytes() = %d, wrote %d", lw.Bytes(), w.Len())
	}
	return &w, pkts
}

// readLive reads a stream to the end and returns its packets and errors.
func readLive(t *testing.T, fr *PacketReader) (got []livePacket, errs []error) {
	t.Helper()
	for {
		p, err := fr.ReadPacket(nil)
		if err == io.EOF {
			return got, errs
		}
		if err != nil {
			errs = append(errs, err)
			if len(errs) > 1000 {
				t.Fatal("reader does not end")
			}
			continue
		}
		got = append(got, livePacket{fr.Slot(), p})
	}
}

func samePackets(t *testing.T, got, want []livePacket) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("read %d packets, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].slot != want[i].slot || !bytes.Equal(got[i].p, want[i].p) {
			t.Fatalf("packet %d: slot %d %x, want slot %d %x", i, got[i].slot, got[i].p, want[i].slot, want[i].p)
		}
	}
}

// TestLiveRoundTrip: every packet is one Write, and a reader gets back
// every packet with its slot, DTX gaps not counted as losses.
func TestLiveRoundTrip(t *testing.T) {
	w, want := liveStream(t, 200)
	if len(w.writes) != 1+len(want) {
		t.Errorf("%d writes for the header and %d packets, want one each", len(w.writes), len(want))
	}
	fr, err := NewPacketReader(bytes.NewReader(w.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if h := fr.Header(); h.Flags&FlagLive == 0 || h.Stages != 4 {
		t.Errorf("header %+v", h)
	}
	got, errs := readLive(t, fr)
	if len(errs) > 0 {
		t.Errorf("damage reported in an intact stream: %v", errs)
	}
	samePackets(t, got, want)
	var skipped int64
	for i := 1; i < len(want); i++ {
		skipped += int64(want[i].slot - want[i-1].slot - 1)
	}
	if st := fr.Stats(); st.Damaged() || st.Packets != int64(len(want)) || st.SkippedSlots != skipped || skipped == 0 {
		t.Errorf("stats %+v, want %d packets and %d skipped slots (> 0)", st, len(want), skipped)
	}
}

// TestLiveOverhead: at 4 stages (8-byte packets every 20 ms) the stream
// stays under 4 kb/s, headers included. It logs the rate on the pipe for
// every packet size: 1 to 4 stages, and 4 stages with FEC.
func TestLiveOverhead(t *testing.T) {
	const secs = 60
	for _, size := range []int{5, 6, 7, 8, 12} {
		var b bytes.Buffer
		lw, _ := NewLiveWriter(&b, liveTestHeader())
		p := make([]byte, size)
		for i := range uint32(secs * 50) {
			if err := lw.WritePacket(i, p); err != nil {
				t.Fatal(err)
			}
		}
		bps := float64(b.Len()*8) / secs
		t.Logf("%2d-byte packets for %d s: %.1f b/s on the pipe for %d b/s of packets", size, secs, bps, size*400)
		if size == 8 && bps > 4000 {
			t.Errorf("%.1f b/s at 4 stages, want at most 4000", bps)
		}
	}
	// The 40 ms modes: 25 packets a second, a header every 25.
	for _, m := range []codec.Mode{codec.Mode800, codec.Mode1200, codec.Mode1600} {
		var b bytes.Buffer
		h := liveTestHeader()
		h.PacketSamples, h.Stages = uint16(m.PacketSamples()), uint8(m.Stages)
		lw, err := NewLiveWriter(&b, h)
		if err != nil {
			t.Fatal(err)
		}
		p := make([]byte, m.PacketSize(codec.DefaultIndexBits))
		for i := range uint32(secs * 25) {
			if err := lw.WritePacket(i, p); err != nil {
				t.Fatal(err)
			}
		}
		t.Logf("%s mode for %d s: %.1f b/s on the pipe for %d b/s of packets", m.Name(), secs, float64(b.Len()*8)/secs, len(p)*200)
	}
}

// TestLiveDamage: a flipped byte costs its packet alone; a lost byte costs
// the packets up to the next block header, counted exactly.
func TestLiveDamage(t *testing.T) {
	w, want := liveStream(t, 200)
	const frame = 9                                  // an 8-byte packet and its CRC
	at := headerLenV1 + liveHeaderLen + 10*frame + 3 // inside packet 10
	t.Run("flip", func(t *testing.T) {
		b := bytes.Clone(w.Bytes())
		b[at] ^= 0x10
		fr, _ := NewPacketReader(bytes.NewReader(b))
		got, errs := readLive(t, fr)
		var ce *CorruptBlockError
		if len(errs) != 1 || !errors.As(errs[0], &ce) || ce.Packets != 1 || !ce.Exact || ce.FirstPacket != 10 {
			t.Fatalf("errors %v, want one exact loss of packet 10", errs)
		}
		samePackets(t, got, append(want[:10:10], want[11:]...))
	})
	t.Run("drop", func(t *testing.T) {
		b := append(bytes.Clone(w.Bytes()[:at]), w.Bytes()[at+1:]...)
		fr, _ := NewPacketReader(bytes.NewReader(b))
		got, errs := readLive(t, fr)
		var ce *CorruptBlockError
		// Packets 10 to 49 are lost; the header repeated at packet 50 resyncs.
		if len(errs) != 1 || !errors.As(errs[0], &ce) || ce.Packets != 40 || !ce.Exact || ce.FirstPacket != 10 {
			t.Fatalf("errors %v, want one exact loss of packets 10 to 49", errs)
		}
		samePackets(t, got, append(want[:10:10], want[50:]...))
	})
	t.Run("cut", func(t *testing.T) {
		b := w.Bytes()[:at]
		fr, _ := NewPacketReader(bytes.NewReader(b))
		got, errs := readLive(t, fr)
		var te *TruncatedBlockError
		if len(errs) != 1 || !errors.As(errs[0], &te) || te.Lost != 1 {
			t.Fatalf("errors %v, want a truncated frame", errs)
		}
		samePackets(t, got, want[:10])
	})
}

// TestLiveJoin: a reader that starts at any byte of the stream finds the
// next block header, so it starts within one block (LiveBlockPackets
// packets) and reads everything after it intact.
func TestLiveJoin(t *testing.T) {
	w, want := liveStream(t, 200)
	for cut := 1; cut < w.Len()-LiveBlockPackets*9; cut += 11 {
		fr, err := JoinPacketReader(bytes.NewReader(w.Bytes()[cut:]))
		if err != nil {
			t.Fatalf("join at byte %d: %v", cut, err)
		}
		if h := fr.Header(); h.CodebookFingerprint != codec.DefaultCodebook().Fingerprint() || h.Stages != 4 || h.SampleRate != codec.SampleRate {
			t.Fatalf("join at byte %d: header %+v", cut, h)
		}
		got, errs := readLive(t, fr)
		if len(errs) > 0 {
			t.Fatalf("join at byte %d: %v", cut, errs)
		}
		if len(got) == 0 {
			t.Fatalf("join at byte %d: no packets", cut)
		}
		i, k := 0, 0 // the first packet read; the first whose write starts at or after cut
		for want[i].slot != got[0].slot {
			i++
		}
		for off := w.writes[0]; k < len(want) && off < cut; k++ {
			off += w.writes[1+k]
		}
		if i > k+LiveBlockPackets {
			t.Fatalf("join at byte %d: first packet is #%d, the stream there is at #%d", cut, i, k)
		}
		samePackets(t, got, want[i:])
	}
	if _, err := JoinPacketReader(bytes.NewReader(bytes.Repeat([]byte{0xB7, 0x5C, 1}, 30000))); !errors.Is(err, ErrNotVQS) {
		t.Errorf("join on garbage: %v, want ErrNotVQS", err)
	}
	if _, err := JoinPacketReader(bytes.NewReader(w.Bytes())); err != nil {
		t.Errorf("join at the start: %v", err)
	}
}

// TestFrameCRC: every error of 1, 2 or 3 bits in a frame of the longest
// vqspeak payload (12 bytes: 4 stages and FEC), slot included, is caught.
func TestFrameCRC(t *testing.T) {
	msg := []byte{1, 7, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 0}
	crc := func(m []byte) byte {
		var c byte
		for _, b := range m {
			c = crc8Table[c^b]
		}
		return c
	}
	msg[len(msg)-1] = crc(msg[:len(msg)-1])
	if frameCRC(0x30107, msg[2:len(msg)-1]) != msg[len(msg)-1] {
		t.Fatal("frameCRC differs from the CRC of slot and packet")
	}
	nbits := 8 * len(msg)
	flip := func(i int) { msg[i/8] ^= 1 << (i % 8) }
	ok := func() bool { return crc(msg[:len(msg)-1]) == msg[len(msg)-1] }
	for i := range nbits {
		flip(i)
		for j := i + 1; j < nbits; j++ {
			flip(j)
			if ok() {
				t.Fatalf("bits %d, %d undetected", i, j)
			}
			for k := j + 1; k < nbits; k++ {
				flip(k)
				if ok() {
					t.Fatalf("bits %d, %d, %d undetected", i, j, k)
				}
				flip(k)
			}
			flip(j)
		}
		if ok() {
			t.Fatalf("bit %d undetected", i)
		}
		flip(i)
	}
}

// TestLiveDecode: the file Decoder reads a live stream into the same
// samples as a plain file of the same packets.
func TestLiveDecode(t *testing.T) {
	x := loadClipInternal(t)
	cb := codec.DefaultCodebook()
	var plain bytes.Buffer
	fe, _ := NewEncoder(&plain, cb, 4)
	fe.WriteSamples(x)
	fe.Close()
	_, pkts, _, err := ReadAllPackets(bytes.NewReader(plain.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	var live bytes.Buffer
	lw, _ := NewLiveWriter(&live, liveTestHeader())
	for i, p := range pkts {
		lw.WritePacket(uint32(i), p)
	}
	decode := func(b []byte) []float32 {
		fd, err := NewDecoder(bytes.NewReader(b), cb)
		if err != nil {
			t.Fatal(err)
		}
		var y []float32
		for err == nil {
			y, err = fd.ReadSamples(y)
		}
		if len(fd.Damage()) > 0 {
			t.Errorf("damage: %v", fd.Damage())
		}
		return y
	}
	a, b := decode(plain.Bytes()), decode(live.Bytes())
	if len(a) != len(b) {
		t.Fatalf("%d samples from the plain file, %d from the live stream", len(a), len(b))
	}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("sample %d differs", i)
		}
	}
	t.Logf("%d packets: plain file %d bytes, live stream %d bytes", len(pkts), plain.Len(), live.Len())
}

func TestLiveWriterErrors(t *testing.T) {
	h := liveTestHeader()
	h.SampleRate = 8000
	if _, err := NewLiveWriter(io.Discard, h); !errors.Is(err, ErrInvalidHeader) {
		t.Errorf("8 kHz live stream: %v", err)
	}
	lw, _ := NewLiveWriter(io.Discard, liveTestHeader())
	if err := lw.WritePacket(5, make([]byte, 8)); err != nil {
		t.Fatal(err)
	}
	if err := lw.WritePacket(5, make([]byte, 8)); err == nil {
		t.Error("a repeated slot was accepted")
	}
	if err := lw.WritePacket(6, nil); !errors.Is(err, ErrPacketSize) {
		t.Errorf("empty packet: %v", err)
	}
}

// TestLiveWriterNoAllocs: sending a packet allocates nothing.
func TestLiveWriterNoAllocs(t *testing.T) {
	lw, _ := NewLiveWriter(io.Discard, liveTestHeader())
	p := make([]byte, 8)
	slot := uint32(0)
	if a := testing.AllocsPerRun(200, func() {
		lw.WritePacket(slot, p)
		slot++
	}); a != 0 {
		t.Errorf("%v allocations per packet", a)
	}
}

// loadClipInternal reads the bundled female clip (this file is in package
// vqs; helpers_test.go's loadClip is in vqs_test).
func loadClipInternal(t *testing.T) []float32 {
	t.Helper()
	a, err := audiofile.ReadFile(filepath.Join("..", "..", "testdata", "audio", "librispeech-367-f.wav"))
	if err != nil {
		t.Fatal(err)
	}
	return a.Samples
}

// TestLiveReaderNoAllocs: reading a live frame allocates nothing.
func TestLiveReaderNoAllocs(t *testing.T) {
	var b bytes.Buffer
	lw, _ := NewLiveWriter(&b, liveTestHeader())
	p := make([]byte, 8)
	for i := range uint32(500) {
		lw.WritePacket(i, p)
	}
	fr, err := NewPacketReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	dst := make([]byte, 0, MaxPacketLen)
	fr.ReadPacket(dst) // the first block
	if a := testing.AllocsPerRun(400, func() {
		if _, err := fr.ReadPacket(dst); err != nil {
			t.Fatal(err)
		}
	}); a != 0 {
		t.Errorf("%v allocations per packet", a)
	}
}
