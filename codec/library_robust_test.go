package codec_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"math"
	"runtime"
	"strings"
	"testing"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/codec/vqs"
)

// The library half of the bad-input suite: what vqs.NewDecoder, ReadSamples
// and Decoder.Decode say about each kind of damage, matched by error value
// and by message.

// robustFile encodes n packets of a buzz into a .vqs file.
func robustFile(t *testing.T, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	fe, err := vqs.NewEncoder(&buf, fuzzCB(), codec.DefaultStages)
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float32, n*codec.PacketSamples-codec.Delay)
	for i := range x {
		x[i] = 0.2 * float32((i/40)%2*2-1) // a 200 Hz square wave
	}
	if err := fe.WriteSamples(x); err != nil {
		t.Fatal(err)
	}
	if err := fe.Close(); err != nil {
		t.Fatal(err)
	}
	if fe.Packets() != int64(n) {
		t.Fatalf("%d packets, want %d", fe.Packets(), n)
	}
	return buf.Bytes()
}

// decodeAll runs a vqs.Decoder over b and returns the samples and damage.
func decodeAll(t *testing.T, b []byte) ([]float32, []error, error) {
	t.Helper()
	fd, err := vqs.NewDecoder(bytes.NewReader(b), fuzzCB())
	if err != nil {
		return nil, nil, err
	}
	var pcm []float32
	for {
		pcm, err = fd.ReadSamples(pcm)
		if err == io.EOF {
			return pcm, fd.Damage(), nil
		}
		if err != nil {
			return pcm, fd.Damage(), err
		}
	}
}

func TestFileDecoderBadInputs(t *testing.T) {
	good := robustFile(t, 120) // blocks of 50, 50, 20 packets
	const hdr, blk = 32, 10 + 50*9 + 4
	mut := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(good)) }
	reCRC := func(b []byte) []byte {
		binary.BigEndian.PutUint32(b[28:], crc32.Checksum(b[:28], crc32.MakeTable(crc32.Castagnoli)))
		return b
	}
	other := codec.DefaultCodebook()
	other.Stages[1][7] -= 0.25

	for _, tc := range []struct {
		name string
		in   []byte
		is   error  // the error NewFileDecoder returns, matched with errors.Is (nil: use as)
		as   any    // a pointer to the error type it must be
		msg  string // fragment of the message
	}{
		{"empty", nil, vqs.ErrEmptyFile, nil, "vqs: empty file"},
		{"one byte", []byte("V"), vqs.ErrTruncatedHeader, nil, "file ends inside the header: 1 of at least 32 bytes"},
		{"cut header", good[:20], vqs.ErrTruncatedHeader, nil, "20 of 32 bytes"},
		{"wrong magic", append([]byte("RIFF"), good[4:]...), vqs.ErrNotVQS, nil, `not a .vqs file: bad magic "RIFF"`},
		{"wrong magic short", []byte("ID"), vqs.ErrNotVQS, nil, `bad magic "ID"`},
		{"future version", mut(func(b []byte) []byte { b[5] = 2; return b }), nil, new(*vqs.UnsupportedVersionError), "unsupported file version 2"},
		{"version 0", mut(func(b []byte) []byte { b[5] = 0; return b }), nil, new(*vqs.UnsupportedVersionError), "unsupported file version 0"},
		{"header flipped", mut(func(b []byte) []byte { b[9] ^= 1; return b }), vqs.ErrHeaderChecksum, nil, "header checksum mismatch"},
		{"short header length", mut(func(b []byte) []byte { b[7] = 16; return b }), vqs.ErrInvalidHeader, nil, "header length 16"},
		{"unknown required flag", mut(func(b []byte) []byte { b[25] = 0x08; return reCRC(b) }), nil, new(*vqs.UnsupportedFlagsError), "required flags 0x0008"},
		{"8 kHz", mut(func(b []byte) []byte { binary.BigEndian.PutUint32(b[8:], 8000); return reCRC(b) }), nil, nil, "unsupported stream: 8000 Hz"},
		{"rate 0", mut(func(b []byte) []byte { binary.BigEndian.PutUint32(b[8:], 0); return reCRC(b) }), vqs.ErrInvalidHeader, nil, "sample rate is 0"},
		{"stages 0", mut(func(b []byte) []byte { b[14] = 0; return reCRC(b) }), vqs.ErrInvalidHeader, nil, "stage count is 0"},
		{"other codebook", good, vqs.ErrCodebookMismatch, nil, "the file was encoded with a different codebook: file needs codebook"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cb := fuzzCB()
			if tc.name == "other codebook" {
				cb = other
			}
			fd, err := vqs.NewDecoder(bytes.NewReader(tc.in), cb)
			if err == nil || fd != nil {
				t.Fatalf("NewFileDecoder: %v, %v; want an error", fd, err)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %v is not %v", err, tc.is)
			}
			if tc.as != nil && !errors.As(err, tc.as) {
				t.Errorf("error %v (%T) is not %T", err, err, tc.as)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q lacks %q", err, tc.msg)
			}
		})
	}

	ref, damage, err := decodeAll(t, good)
	if err != nil || len(damage) > 0 {
		t.Fatalf("clean file: %v, %v", err, damage)
	}
	if len(ref) != 120*codec.PacketSamples-codec.Delay {
		t.Fatalf("clean file: %d samples", len(ref))
	}
	for _, tc := range []struct {
		name    string
		in      []byte
		samples int      // decoded length
		damage  []string // fragments of the damage reports, in order
	}{
		{"packet byte flipped", mut(func(b []byte) []byte { b[hdr+blk+10+9*7+2] ^= 4; return b }), len(ref),
			[]string{"vqs: corrupt or missing data at offset 496 (464 bytes skipped): lost 50 packets, #50 to #99"}},
		{"block header flipped", mut(func(b []byte) []byte { b[hdr+blk+4] ^= 0x80; return b }), len(ref),
			[]string{"lost 50 packets, #50 to #99"}},
		{"block missing", append(bytes.Clone(good[:hdr+blk]), good[hdr+2*blk:]...), len(ref),
			[]string{"vqs: corrupt or missing data at offset 496 (0 bytes skipped): lost 50 packets, #50 to #99"}},
		{"cut in the last block's CRC", good[:len(good)-4], len(ref),
			[]string{"vqs: file is truncated: last block at offset 960 is missing 4 bytes; 20 packets recovered unverified, 0 lost"}},
		{"cut in the last packet", good[:len(good)-5], len(ref) - codec.PacketSamples,
			[]string{"vqs: file is truncated: last block at offset 960 is missing 5 bytes; 19 packets recovered unverified, 1 lost"}},
		{"cut in a packet", good[:hdr+blk+10+9*3+4], 53*codec.PacketSamples - codec.Delay,
			[]string{"is missing 423 bytes; 3 packets recovered unverified, 47 lost"}},
		{"cut in a block header", good[:hdr+blk+6], 50*codec.PacketSamples - codec.Delay,
			[]string{"vqs: file is truncated: last block at offset 496 is missing"}},
		{"garbage appended", append(bytes.Clone(good), "trailing junk"...), len(ref),
			[]string{"vqs: skipped 13 unrecognised bytes at offset 1154"}},
		{"header only", good[:hdr], 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pcm, damage, err := decodeAll(t, tc.in)
			if err != nil {
				t.Fatalf("damage must not be an error: %v", err)
			}
			if len(pcm) != tc.samples {
				t.Errorf("%d samples, want %d", len(pcm), tc.samples)
			}
			if len(damage) != len(tc.damage) {
				t.Fatalf("damage %v, want %d reports", damage, len(tc.damage))
			}
			for i, d := range damage {
				if !strings.Contains(d.Error(), tc.damage[i]) {
					t.Errorf("report %d %q lacks %q", i, d, tc.damage[i])
				}
			}
			checkFinite(t, pcm)
			// Whatever was not damaged decodes exactly as the clean file.
			for i := 0; i < min(len(pcm), 50*codec.PacketSamples-codec.Delay); i++ {
				if pcm[i] != ref[i] {
					t.Fatalf("sample %d in the undamaged first block differs", i)
				}
			}
		})
	}
}

func checkFinite(t *testing.T, x []float32) {
	t.Helper()
	for i, v := range x {
		if !(v >= -1 && v <= 1) {
			t.Fatalf("sample %d = %v", i, v)
		}
	}
}

// TestDecodePacketLengths tries every packet length up to 300 bytes: the
// four the default codebook uses decode, every other is refused with
// ErrPacketLength, a message naming the valid range, and no output.
func TestDecodePacketLengths(t *testing.T) {
	d := fuzzDecoder(t)
	valid := map[int]bool{5: true, 6: true, 7: true, 8: true}
	for n := 0; n <= 300; n++ {
		out, err := d.Decode(nil, make([]byte, n))
		if valid[n] {
			if err != nil || len(out) != codec.PacketSamples {
				t.Errorf("%d bytes: %d samples, %v", n, len(out), err)
			}
			continue
		}
		if !errors.Is(err, codec.ErrPacketLength) || len(out) != 0 {
			t.Errorf("%d bytes: %d samples, error %v", n, len(out), err)
		}
		if err != nil && !strings.Contains(err.Error(), "1 to 4 stages: 5 to 8 bytes") {
			t.Errorf("%d bytes: message %q does not give the valid lengths", n, err)
		}
	}
}

// TestParsePacketStageLimit is the regression test for a crash found by
// FuzzParsePacket: a stage limit above MaxStages made ParsePacket write past
// Packet.Index for long packets.
func TestParsePacketStageLimit(t *testing.T) {
	var p codec.Packet
	b := bytes.Repeat([]byte{0xFF}, codec.PacketSize(codec.MaxStages+1, 10))
	if err := codec.ParsePacket(&p, b, 10, codec.MaxStages+1); !errors.Is(err, codec.ErrPacketLength) {
		t.Errorf("%d-byte packet with limit %d: %v, want ErrPacketLength", len(b), codec.MaxStages+1, err)
	}
	b = bytes.Repeat([]byte{0xFF}, codec.PacketSize(codec.MaxStages, 10))
	if err := codec.ParsePacket(&p, b, 10, 100); err != nil || p.Stages != codec.MaxStages {
		t.Errorf("%d stages, %v; want %d", p.Stages, err, codec.MaxStages)
	}
}

// TestFileReaderMemoryBounded reads hostile .vqs streams whose fields
// declare the largest lengths they can (header length 65535, block payloads
// of 65535 bytes, a first-packet index of 4 billion): memory must stay
// bounded by the reader's fixed buffers, never follow a declared size.
func TestFileReaderMemoryBounded(t *testing.T) {
	good := robustFile(t, 60)
	hostile := map[string][]byte{}
	// Header length 65535, with the header really that long (CRC fixed).
	h := make([]byte, 65535)
	copy(h, good[:28])
	binary.BigEndian.PutUint16(h[6:], 65535)
	binary.BigEndian.PutUint32(h[65531:], crc32.Checksum(h[:65531], crc32.MakeTable(crc32.Castagnoli)))
	hostile["long header"] = append(h, good[32:]...)
	// Blocks claiming 65535-byte payloads, 255 packets, index 0xFFFFFF00.
	var blocks []byte
	for range 200 {
		blocks = append(blocks, 0xB7, 0x5C, 0, 255, 0xFF, 0xFF, 0xFF, 0x00, 0xFF, 0xFF, 9, 1, 2, 3)
	}
	hostile["huge blocks"] = append(bytes.Clone(good[:32]), blocks...)
	hostile["cut huge block"] = append(bytes.Clone(good[:32]), 0xB7, 0x5C, 0, 255, 0, 0, 0, 0, 0xFF, 0xFF, 8, 1, 2, 3, 4, 5, 6, 7, 8)
	jump := bytes.Clone(good)
	binary.BigEndian.PutUint32(jump[32+464+4:], 0xFFFFFF00) // second block's index: a CRC failure, resync
	hostile["index jump"] = jump

	for name, b := range hostile {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		pcm, damage, err := decodeAll(t, b)
		runtime.ReadMemStats(&after)
		alloc := after.TotalAlloc - before.TotalAlloc
		// The PacketReader's buffer (~70 KiB), the decoder (FFT plans, the
		// codebook copy is not made) and the decoded samples.
		limit := uint64(2<<20) + 8*uint64(len(pcm))
		t.Logf("%s: %d bytes in, %d samples out, %d damage reports, %v, %.2f MB allocated", name, len(b), len(pcm), len(damage), err, float64(alloc)/1e6)
		if alloc > limit {
			t.Errorf("%s: %d bytes allocated for a %d-byte file", name, alloc, len(b))
		}
		// Concealment is capped too: no more audio than the bytes can justify.
		if maxPackets := len(b)/2 + 2*vqs.MaxBlockPackets; len(pcm) > maxPackets*codec.PacketSamples {
			t.Errorf("%s: %d samples from %d bytes", name, len(pcm), len(b))
		}
	}
}

// TestDecoderParametersKeepStateFinite gives the decoder's public setters
// values no caller should pass (NaN, infinities, huge tilts and postfilter
// strengths): every packet played then and afterwards must stay finite and
// in [-1, 1], without a Reset.
func TestDecoderParametersKeepStateFinite(t *testing.T) {
	good := realPackets(t, 6)
	bad := []float64{math.NaN(), math.Inf(1), math.Inf(-1), 1000, -1000, 1e30, -1e30}
	for _, v := range bad {
		d := fuzzDecoder(t)
		out, _ := decodeChecked(t, d, nil, good[0])
		out = d.ComfortNoise(out, 40, float32(v))
		out = d.ComfortNoise(out, 255, float32(v))
		checkPCM(t, out)
		for _, p := range good[1:] {
			out, _ = decodeChecked(t, d, out, p)
		}
		out = d.Conceal(out)
		checkPCM(t, out)

		d = fuzzDecoder(t)
		d.SetPostfilter(v)
		out, _ = decodeChecked(t, d, nil, good[0])
		for _, p := range good[1:] {
			out, _ = decodeChecked(t, d, out, p)
		}
		out = d.ComfortNoise(out, 63, 0.5)
		out = d.Conceal(out)
		checkPCM(t, out)

		cb := fuzzCB()
		e, err := codec.NewEncoder(cb, cb.NumStages())
		if err != nil {
			t.Fatal(err)
		}
		e.FollowComfortNoise(30, float32(v))
		pkt, err := e.Encode(nil, make([]float32, codec.PacketSamples))
		if err != nil {
			t.Fatalf("tilt %v: encoding after FollowComfortNoise: %v", v, err)
		}
		d = fuzzDecoder(t)
		d.ComfortNoise(nil, 30, float32(v))
		decodeChecked(t, d, nil, pkt)
	}
}
