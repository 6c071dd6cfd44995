package vqs_test

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/codec/vqs"
)

// FuzzFileReader feeds arbitrary bytes to the .vqs reader: it must never
// panic or loop, every packet it returns must be 1..255 bytes and come from
// bytes actually present, and its reports must add up.
func FuzzFileReader(f *testing.F) {
	valid := encodeFile(f, testPackets(130, 8, 6, 4, 2, 255, 1), 50)
	small := encodeFile(f, testPackets(9, 8, 3), 4)
	f.Add(valid.data)
	f.Add(small.data)
	f.Add(small.data[:small.blocks[0]])                   // header only
	f.Add(valid.data[:valid.blocks[2]+37])                // cut last block
	f.Add(valid.data[:valid.blocks[2]+5])                 // cut block header
	f.Add(append(bytes.Clone(small.data), small.data...)) // concatenated
	f.Add(append(bytes.Clone(small.data), 0xb7, 0x5c, 0, 3, 0, 0, 0, 9, 0, 6, 1))
	flipped := bytes.Clone(valid.data)
	flipped[valid.blocks[1]+8] ^= 0x40 // payload length of block 2
	f.Add(flipped)
	missing := append(bytes.Clone(small.data[:small.blocks[1]]), small.data[small.blocks[2]:]...)
	f.Add(missing)
	f.Add([]byte{})
	f.Add([]byte("VQSP"))
	f.Add(rawHeader(1, 40, 0x0100, []byte("12345678")))
	// Compact files: whole, cut, with a damaged block.
	compact, _ := writeCompact(f, speechPackets(f, 2.2, 9), 10)
	f.Add(compact.data)
	f.Add(compact.data[:compact.blocks[1]+17])
	damaged := bytes.Clone(compact.data)
	damaged[compact.blocks[1]+25] ^= 0x08
	f.Add(damaged)
	// Live streams: whole, cut inside a frame, with a damaged frame.
	var live bytes.Buffer
	lw, err := vqs.NewLiveWriter(&live, vqs.Header{SampleRate: 16000, PacketSamples: 320, Stages: 4})
	if err != nil {
		f.Fatal(err)
	}
	for i, p := range testPackets(60, 8, 2, 12) {
		lw.WritePacket(uint32(i+i/20*5), p) // a gap every 20 slots, as DTX leaves
	}
	f.Add(live.Bytes())
	f.Add(live.Bytes()[:live.Len()-4])
	damagedLive := bytes.Clone(live.Bytes())
	damagedLive[80] ^= 0x21
	f.Add(damagedLive)
	long := liveLowRateSeed(f)
	f.Add(long)
	f.Add(long[:len(long)-3])

	f.Fuzz(func(t *testing.T, data []byte) {
		fr, err := vqs.NewPacketReader(bytes.NewReader(data))
		if err != nil {
			if !knownOpenError(err) {
				t.Fatalf("unexpected open error %T: %v", err, err)
			}
			if _, _, _, err2 := vqs.ReadAllPackets(bytes.NewReader(data)); err2 == nil {
				t.Fatal("ReadAllPackets opened what NewFileReader refused")
			}
			return
		}
		var (
			pkts           [][]byte
			recordBytes    int
			corrupt, trunc int
		)
		for i := 0; ; i++ {
			if i > len(data)+3 {
				t.Fatalf("%d calls to ReadPacket on %d bytes", i, len(data))
			}
			p, err := fr.ReadPacket(nil)
			if err == nil {
				if len(p) < 1 || len(p) > vqs.MaxPacketLen {
					t.Fatalf("packet of %d bytes", len(p))
				}
				pkts = append(pkts, p)
				recordBytes += 1 + len(p)
				continue
			}
			var ce *vqs.CorruptBlockError
			var te *vqs.TruncatedBlockError
			switch {
			case errors.As(err, &ce):
				corrupt++
				if ce.Offset < 0 || ce.Bytes < 0 || ce.Offset+ce.Bytes > int64(len(data)) ||
					ce.Packets < 0 || int64(ce.Packets) > ce.Bytes/2+vqs.MaxBlockPackets {
					t.Fatalf("bad report %+v for %d bytes", *ce, len(data))
				}
				if ce.Error() == "" {
					t.Fatal("empty message")
				}
				continue
			case errors.As(err, &te):
				trunc++
				if te.Offset < 0 || te.Offset > int64(len(data)) || te.Unverified < 0 || te.Lost < 0 || te.MissingBytes <= 0 {
					t.Fatalf("bad report %+v", *te)
				}
				continue
			case err == io.EOF:
			default:
				t.Fatalf("unexpected error %T: %v", err, err)
			}
			break
		}
		if fr.Header().Flags&vqs.FlagCompactBlocks == 0 {
			if recordBytes > len(data) {
				t.Fatalf("%d record bytes from %d input bytes", recordBytes, len(data))
			}
		} else if maxPkts := (len(data)/17 + 1) * vqs.MaxBlockPackets; len(pkts) > maxPkts {
			// A compact block takes 17 bytes at least and holds 255 packets at most.
			t.Fatalf("%d packets from %d input bytes", len(pkts), len(data))
		}
		s := fr.Stats()
		if s.Packets != int64(len(pkts)) || s.CorruptRegions != int64(corrupt) || s.Truncated != (trunc == 1) || trunc > 1 ||
			s.Unverified > s.Packets || s.SkippedBytes > int64(len(data)) || s.Damaged() != (corrupt+trunc > 0) {
			t.Fatalf("stats %+v after %d packets, %d corrupt, %d truncated", s, len(pkts), corrupt, trunc)
		}
		if _, err := fr.ReadPacket(nil); err != io.EOF {
			t.Fatalf("after the end: %v", err)
		}

		_, all, s2, _ := vqs.ReadAllPackets(bytes.NewReader(data))
		if s2 != s || len(all) != len(pkts) {
			t.Fatalf("ReadAllPackets: %d packets, stats %+v; reader: %d, %+v", len(all), s2, len(pkts), s)
		}
		for i := range all {
			if !bytes.Equal(all[i], pkts[i]) {
				t.Fatalf("ReadAllPackets packet %d differs", i)
			}
		}
	})
}

func knownOpenError(err error) bool {
	var ve *vqs.UnsupportedVersionError
	var fe *vqs.UnsupportedFlagsError
	for _, e := range []error{vqs.ErrNotVQS, vqs.ErrEmptyFile, vqs.ErrTruncatedHeader, vqs.ErrHeaderChecksum, vqs.ErrInvalidHeader} {
		if errors.Is(err, e) {
			return true
		}
	}
	return errors.As(err, &ve) || errors.As(err, &fe)
}

// FuzzFileRoundTrip splits arbitrary bytes into packets, writes them with a
// fuzzed block size and checks they read back exactly.
func FuzzFileRoundTrip(f *testing.F) {
	f.Add([]byte("\x08abcdefgh\x02xy\x01z"), uint8(50))
	f.Add(bytes.Repeat([]byte{255}, 2000), uint8(1))
	f.Add([]byte{}, uint8(255))
	f.Fuzz(func(t *testing.T, data []byte, perBlock uint8) {
		var want [][]byte
		for len(data) > 0 {
			n := max(1, min(int(data[0]), len(data)-1))
			if len(data) < 2 {
				break
			}
			want = append(want, data[1:1+n])
			data = data[1+n:]
		}
		var buf bytes.Buffer
		fw, err := vqs.NewPacketWriterSize(&buf, testFileHeader, max(1, int(perBlock)))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range want {
			if err := fw.WritePacket(p); err != nil {
				t.Fatal(err)
			}
		}
		if err := fw.Close(); err != nil {
			t.Fatal(err)
		}
		_, got, st, err := vqs.ReadAllPackets(&buf)
		if err != nil || st.Damaged() || st.Unverified != 0 {
			t.Fatalf("err %v stats %+v", err, st)
		}
		if len(got) != len(want) {
			t.Fatalf("%d packets, want %d", len(got), len(want))
		}
		for i := range want {
			if !bytes.Equal(got[i], want[i]) {
				t.Fatalf("packet %d differs", i)
			}
		}
	})
}

// liveLowRateSeed is a live stream of the 1600 b/s mode (40 ms packets).
func liveLowRateSeed(f *testing.F) []byte {
	var live bytes.Buffer
	m := codec.Mode1600
	lw, err := vqs.NewLiveWriter(&live, vqs.Header{SampleRate: 16000, PacketSamples: uint16(m.PacketSamples()), Stages: uint8(m.Stages)})
	if err != nil {
		f.Fatal(err)
	}
	for i, p := range testPackets(60, 8) {
		lw.WritePacket(uint32(i+i/30*3), p)
	}
	return live.Bytes()
}

// FuzzJoinPacketReader: joining any bytes mid-way either fails with
// ErrNotVQS or an open error, or gives a plausible header
// (a live join: 20 or 40 ms packets) and packets that end; it never
// panics.
func FuzzJoinPacketReader(f *testing.F) {
	long := liveLowRateSeed(f)
	f.Add(long)
	f.Add(long[37:])
	f.Add(long[40 : len(long)-5])
	var short bytes.Buffer
	lw, err := vqs.NewLiveWriter(&short, vqs.Header{SampleRate: 16000, PacketSamples: 320, Stages: 4})
	if err != nil {
		f.Fatal(err)
	}
	for i, p := range testPackets(60, 8, 2) {
		lw.WritePacket(uint32(i), p)
	}
	f.Add(short.Bytes()[51:])
	f.Add([]byte{0xb7, 0x5c, 2, 8, 0, 0, 0, 9, 4, 2})
	f.Fuzz(func(t *testing.T, data []byte) {
		fr, err := vqs.JoinPacketReader(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, vqs.ErrNotVQS) && !knownOpenError(err) {
				t.Fatalf("unexpected open error %T: %v", err, err)
			}
			return
		}
		if h := fr.Header(); !bytes.HasPrefix(data, []byte(vqs.Magic)) && (h.PacketSamples != 320 && h.PacketSamples != 640 || h.Flags != vqs.FlagLive) {
			t.Fatalf("joined mid-way: header %+v, want a live stream of 20 or 40 ms packets", h)
		}
		for i := 0; ; i++ {
			if i > len(data)+3 {
				t.Fatalf("%d calls to ReadPacket on %d bytes", i, len(data))
			}
			p, err := fr.ReadPacket(nil)
			if err == io.EOF {
				break
			}
			if err == nil && (len(p) < 1 || len(p) > vqs.MaxPacketLen) {
				t.Fatalf("packet of %d bytes", len(p))
			}
			var ce *vqs.CorruptBlockError
			var te *vqs.TruncatedBlockError
			if err != nil && !errors.As(err, &ce) && !errors.As(err, &te) {
				t.Fatalf("unexpected error %T: %v", err, err)
			}
		}
	})
}
