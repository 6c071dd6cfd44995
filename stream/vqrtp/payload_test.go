package vqrtp_test

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/vqspeak/vqspeak/stream/vqrtp"
)

func frame(n int, fill byte) []byte { return bytes.Repeat([]byte{fill}, n) }

func TestPayloadGolden(t *testing.T) {
	got, err := vqrtp.AppendPayload([]byte{0xEE}, frame(8, 0xA1), nil, frame(2, 0xC3))
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{0xEE, 0x88, 0x80, 0x02, 0xA1, 0xA1, 0xA1, 0xA1, 0xA1, 0xA1, 0xA1, 0xA1, 0xC3, 0xC3}
	if !bytes.Equal(got, want) {
		t.Errorf("AppendPayload = % x\nwant            % x", got, want)
	}
}

func TestPayloadRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name   string
		frames [][]byte
		ts     uint32
	}{
		{"one 4-stage packet", [][]byte{frame(8, 1)}, 1000},
		{"ptime 60, stages change", [][]byte{frame(8, 1), frame(5, 2), frame(12, 3)}, 7},
		{"DTX slot inside", [][]byte{frame(6, 1), nil, frame(2, 9)}, 0},
		{"timestamp wraps", [][]byte{frame(7, 1), frame(7, 2)}, 1<<32 - 100},
		{"longest frames, most frames", [][]byte{
			frame(63, 1), frame(63, 2), frame(63, 3), frame(63, 4), frame(63, 5), frame(63, 6),
			frame(63, 7), frame(63, 8), frame(63, 9), frame(63, 10), frame(63, 11), frame(63, 12)}, 5},
		{"all empty", [][]byte{nil, nil}, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := vqrtp.AppendPayload(nil, tc.frames...)
			if err != nil {
				t.Fatal(err)
			}
			if len(p) != vqrtp.PayloadSize(tc.frames) {
				t.Errorf("payload %d bytes, PayloadSize says %d", len(p), vqrtp.PayloadSize(tc.frames))
			}
			if n, err := vqrtp.FrameCount(p); n != len(tc.frames) || err != nil {
				t.Errorf("FrameCount = %d, %v", n, err)
			}
			prev := []vqrtp.Frame{{Timestamp: 42}}
			fr, err := vqrtp.SplitPayload(prev, p, tc.ts)
			if err != nil {
				t.Fatal(err)
			}
			if len(fr) != 1+len(tc.frames) || fr[0].Timestamp != 42 {
				t.Fatalf("SplitPayload did not append: %d frames", len(fr))
			}
			for i, f := range fr[1:] {
				if !bytes.Equal(f.Data, tc.frames[i]) {
					t.Errorf("frame %d = % x, want % x", i, f.Data, tc.frames[i])
				}
				if want := tc.ts + uint32(i)*vqrtp.FrameTicks; f.Timestamp != want {
					t.Errorf("frame %d at %d, want %d", i, f.Timestamp, want)
				}
				if cap(f.Data) != len(f.Data) {
					t.Errorf("frame %d: capacity %d leaks the next frame", i, cap(f.Data))
				}
			}
		})
	}
}

func TestPayloadErrors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		payload []byte
	}{
		{"empty", nil},
		{"TOC only", []byte{0x05}},
		{"TOC says more follow, none do", []byte{0x80}},
		{"frame cut short", []byte{0x08, 1, 2, 3}},
		{"trailing bytes", []byte{0x01, 1, 2}},
		{"second frame cut", []byte{0x81, 0x02, 1, 2}},
		{"13 frames", append(bytes.Repeat([]byte{0x80}, 12), 0x00)},
		{"endless TOC", bytes.Repeat([]byte{0xFF}, 200)},
	} {
		fr, err := vqrtp.SplitPayload(nil, tc.payload, 0)
		if !errors.Is(err, vqrtp.ErrMalformed) || len(fr) != 0 {
			t.Errorf("%s: %d frames, %v; want ErrMalformed and none", tc.name, len(fr), err)
		}
		if _, err := (vqrtp.Depacketizer{}).Unmarshal(tc.payload); !errors.Is(err, vqrtp.ErrMalformed) {
			t.Errorf("%s: Depacketizer accepted it: %v", tc.name, err)
		}
	}
	// The reserved bit is ignored.
	if fr, err := vqrtp.SplitPayload(nil, []byte{0x41, 7}, 0); err != nil || len(fr) != 1 || fr[0].Data[0] != 7 {
		t.Errorf("reserved bit set: %v, %v", fr, err)
	}
	for _, tc := range []struct {
		frames [][]byte
		want   error
	}{
		{nil, vqrtp.ErrFrameCount},
		{make([][]byte, 13), vqrtp.ErrFrameCount},
		{[][]byte{frame(64, 0)}, vqrtp.ErrFrameLen},
	} {
		out, err := vqrtp.AppendPayload([]byte{1}, tc.frames...)
		if !errors.Is(err, tc.want) || len(out) != 1 {
			t.Errorf("AppendPayload(%d frames): %v, %d bytes; want %v", len(tc.frames), err, len(out), tc.want)
		}
	}
}

func FuzzSplitPayload(f *testing.F) {
	for _, seed := range [][]byte{
		nil, {0}, {0x08, 1, 2, 3, 4, 5, 6, 7, 8}, {0x88, 0x00, 1, 2, 3, 4, 5, 6, 7, 8},
		{0x80}, bytes.Repeat([]byte{0xBF}, 20), append(bytes.Repeat([]byte{0x81}, 11), 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12),
	} {
		f.Add(seed, uint32(0))
	}
	f.Fuzz(func(t *testing.T, payload []byte, ts uint32) {
		fr, err := vqrtp.SplitPayload(nil, payload, ts)
		n, cerr := vqrtp.FrameCount(payload)
		if (err == nil) != (cerr == nil) || (err == nil && n != len(fr)) {
			t.Fatalf("SplitPayload (%d frames, %v) and FrameCount (%d, %v) disagree", len(fr), err, n, cerr)
		}
		if err != nil {
			if !errors.Is(err, vqrtp.ErrMalformed) || len(fr) != 0 {
				t.Fatalf("error %v with %d frames", err, len(fr))
			}
			return
		}
		if len(fr) < 1 || len(fr) > vqrtp.MaxFrames {
			t.Fatalf("%d frames", len(fr))
		}
		// A valid payload is exactly what AppendPayload makes of its frames
		// (up to the reserved bit).
		frames := make([][]byte, len(fr))
		for i, f := range fr {
			frames[i] = f.Data
			if f.Timestamp != ts+uint32(i)*vqrtp.FrameTicks {
				t.Fatalf("frame %d stamped %d", i, f.Timestamp)
			}
		}
		again, err := vqrtp.AppendPayload(nil, frames...)
		if err != nil {
			t.Fatal(err)
		}
		clean := bytes.Clone(payload)
		for i := range fr {
			clean[i] &^= 0x40
		}
		if !bytes.Equal(again, clean) {
			t.Fatalf("re-packed % x, want % x", again, clean)
		}
	})
}

func TestPacketizer(t *testing.T) {
	p, err := vqrtp.NewPacketizer(96, 0xCAFE, 2)
	if err != nil {
		t.Fatal(err)
	}
	p.Sequence, p.Timestamp = 65535, 1<<32-320
	type sent struct {
		seq    uint16
		ts     uint32
		marker bool
		frames int
	}
	var got []sent
	slots := [][]byte{frame(8, 1), frame(8, 2), frame(6, 3), nil, nil, nil, frame(2, 4), frame(8, 5), frame(7, 6)}
	buf := make([]byte, 0, p.MaxPacketSize())
	var pkt rtp.Packet
	emit := func(out []byte) {
		if len(out) == 0 {
			return
		}
		if err := pkt.Unmarshal(out); err != nil {
			t.Fatal(err)
		}
		fr, err := vqrtp.Unpack(nil, &pkt)
		if err != nil {
			t.Fatal(err)
		}
		if pkt.PayloadType != 96 || pkt.SSRC != 0xCAFE || pkt.Version != 2 {
			t.Errorf("header %+v", pkt.Header)
		}
		for i, f := range fr {
			slot := int((f.Timestamp - (1<<32 - 320)) / 320)
			if !bytes.Equal(f.Data, slots[slot]) {
				t.Errorf("packet %d frame %d (slot %d) = % x, want % x", pkt.SequenceNumber, i, slot, f.Data, slots[slot])
			}
		}
		got = append(got, sent{pkt.SequenceNumber, pkt.Timestamp, pkt.Marker, len(fr)})
	}
	for _, s := range slots {
		out, err := p.AppendFrame(buf[:0], s)
		if err != nil {
			t.Fatal(err)
		}
		emit(out)
	}
	emit(p.Flush(buf[:0]))
	want := []sent{
		{65535, 1<<32 - 320, true, 2},
		{0, 320, false, 2},    // slots 2, 3: one empty frame travels in the TOC
		{1, 5 * 320, true, 2}, // slots 4, 5 sent nothing: slot 6 starts a talkspurt
		{2, 7 * 320, false, 1},
	}
	if len(got) != len(want) {
		t.Fatalf("sent %+v\nwant %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("packet %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if _, err := p.AppendFrame(nil, frame(64, 0)); !errors.Is(err, vqrtp.ErrFrameLen) {
		t.Errorf("64-byte frame: %v", err)
	}
	for _, n := range []int{0, 13} {
		if _, err := vqrtp.NewPacketizer(96, 1, n); !errors.Is(err, vqrtp.ErrFrameCount) {
			t.Errorf("NewPacketizer(%d frames): %v", n, err)
		}
	}
}

func TestNoAllocations(t *testing.T) {
	p, _ := vqrtp.NewPacketizer(96, 1, 1)
	f := frame(12, 7)
	buf := make([]byte, 0, p.MaxPacketSize())
	var pkt rtp.Packet
	frames := make([]vqrtp.Frame, 0, vqrtp.MaxFrames)
	var n int
	allocs := testing.AllocsPerRun(1000, func() {
		out, _ := p.AppendFrame(buf[:0], f)
		pkt.Unmarshal(out)
		frames, _ = vqrtp.Unpack(frames[:0], &pkt)
		n += len(frames)
	})
	if allocs != 0 || n == 0 {
		t.Errorf("%v allocations per packet (send, parse, split), want 0", allocs)
	}
}

func TestPionPacketizer(t *testing.T) {
	for _, bundled := range []bool{false, true} {
		pz := rtp.NewPacketizer(1200, 96, 0x1234, &vqrtp.Payloader{Bundled: bundled}, rtp.NewRandomSequencer(), vqrtp.ClockRate)
		var all []vqrtp.Frame
		var ts0 uint32
		for i := range 4 {
			f1, f2 := frame(8, byte(2*i)), frame(5, byte(2*i+1))
			var pkts []*rtp.Packet
			if bundled {
				pl, _ := vqrtp.AppendPayload(nil, f1, f2)
				pkts = pz.Packetize(pl, 2*vqrtp.FrameTicks)
			} else {
				pkts = append(pz.Packetize(f1, vqrtp.FrameTicks), pz.Packetize(f2, vqrtp.FrameTicks)...)
			}
			for _, pkt := range pkts {
				b, err := pkt.Marshal()
				if err != nil {
					t.Fatal(err)
				}
				var back rtp.Packet
				back.Unmarshal(b)
				if len(all) == 0 {
					ts0 = back.Timestamp
				}
				payload, err := (vqrtp.Depacketizer{}).Unmarshal(back.Payload)
				if err != nil {
					t.Fatal(err)
				}
				all, _ = vqrtp.SplitPayload(all, payload, back.Timestamp)
			}
		}
		if len(all) != 8 {
			t.Fatalf("bundled %v: %d frames", bundled, len(all))
		}
		for i, f := range all {
			if f.Timestamp != ts0+uint32(i)*vqrtp.FrameTicks || len(f.Data) != 8-3*(i%2) || f.Data[0] != byte(i) {
				t.Errorf("bundled %v: frame %d at %d: % x", bundled, i, f.Timestamp-ts0, f.Data)
			}
		}
	}
	pl := &vqrtp.Payloader{}
	if out := pl.Payload(1200, frame(64, 0)); out != nil {
		t.Error("Payloader accepted a 64-byte frame")
	}
	if out := pl.Payload(5, frame(8, 0)); out != nil {
		t.Error("Payloader exceeded the MTU")
	}
	if out := (&vqrtp.Payloader{Bundled: true}).Payload(1200, []byte{0x80}); out != nil {
		t.Error("bundled Payloader accepted a malformed payload")
	}
}

func TestParams(t *testing.T) {
	full := vqrtp.Params{Stages: 4, Codebook: [8]byte{0x5f, 0x0c, 0x2a, 0x9e, 0x11, 0xd3, 0xb7, 0xc4},
		PTime: 40 * time.Millisecond, MaxPTime: 120 * time.Millisecond, FEC: true, DTX: true}
	if got, want := full.Fmtp(), "stages=4; codebook=5f0c2a9e11d3b7c4; ptime=40; maxptime=120; fec=1; dtx=1"; got != want {
		t.Errorf("Fmtp = %q, want %q", got, want)
	}
	back, err := vqrtp.ParseFmtp(full.Fmtp())
	if err != nil || back != full {
		t.Errorf("ParseFmtp(Fmtp()) = %+v, %v", back, err)
	}
	if full.FramesPerPacket() != 2 || (vqrtp.Params{}).FramesPerPacket() != 1 {
		t.Errorf("FramesPerPacket: %d", full.FramesPerPacket())
	}
	if got := vqrtp.Rtpmap(96); got != "a=rtpmap:96 VQSPEAK/16000" {
		t.Errorf("Rtpmap = %q", got)
	}
	for _, tc := range []struct {
		in   string
		want vqrtp.Params
		bad  bool
	}{
		{"", vqrtp.Params{}, false},
		{" STAGES = 2 ;; unknown=whatever; ptime=20 ", vqrtp.Params{Stages: 2, PTime: 20 * time.Millisecond}, false},
		{"stages=7", vqrtp.Params{}, true},
		{"stages=x", vqrtp.Params{}, true},
		{"codebook=5f0c", vqrtp.Params{}, true},
		{"codebook=zz0c2a9e11d3b7c4", vqrtp.Params{}, true},
		{"ptime=30", vqrtp.Params{}, true},
		{"ptime=260", vqrtp.Params{}, true},
		{"ptime=60; maxptime=40", vqrtp.Params{}, true},
		{"fec=yes", vqrtp.Params{}, true},
		{"stages", vqrtp.Params{}, true},
	} {
		got, err := vqrtp.ParseFmtp(tc.in)
		if (err != nil) != tc.bad || (err != nil && !errors.Is(err, vqrtp.ErrParams)) || got != tc.want {
			t.Errorf("ParseFmtp(%q) = %+v, %v", tc.in, got, err)
		}
	}
}

func BenchmarkPacketizeAndSplit(b *testing.B) {
	p, _ := vqrtp.NewPacketizer(96, 1, 1)
	f := frame(8, 7)
	buf := make([]byte, 0, p.MaxPacketSize())
	var pkt rtp.Packet
	frames := make([]vqrtp.Frame, 0, vqrtp.MaxFrames)
	b.ReportAllocs()
	for b.Loop() {
		out, _ := p.AppendFrame(buf[:0], f)
		pkt.Unmarshal(out)
		frames, _ = vqrtp.Unpack(frames[:0], &pkt)
	}
}

func TestAppendFrameAt(t *testing.T) {
	p, _ := vqrtp.NewPacketizer(96, 1, 3)
	p.Timestamp = 0
	var pkt rtp.Packet
	var got []string
	for _, ts := range []uint32{0, 320, 1280, 1600, 1920, 2240} {
		out, err := p.AppendFrameAt(nil, ts, frame(8, byte(ts/320)))
		if err != nil {
			t.Fatal(err)
		}
		if len(out) == 0 {
			continue
		}
		pkt.Unmarshal(out)
		n, _ := vqrtp.FrameCount(pkt.Payload)
		got = append(got, fmt.Sprintf("ts %d marker %v frames %d", pkt.Timestamp, pkt.Marker, n))
	}
	want := []string{
		"ts 0 marker true frames 2", // cut short by the jump to 1280
		"ts 1280 marker true frames 3",
	}
	if !slices.Equal(got, want) {
		t.Errorf("sent %q, want %q", got, want)
	}
	if p.Timestamp != 2560 {
		t.Errorf("next timestamp %d, want 2560", p.Timestamp)
	}
}

func TestFrameSeq(t *testing.T) {
	for _, n := range []int{1, 2, 3, 5} {
		prev := vqrtp.FrameSeq(65530, 0, n) - 1
		for seq := uint16(65530); seq != 6; seq++ { // across the wrap
			for i := range n {
				got := vqrtp.FrameSeq(seq, i, n)
				if got != prev+1 {
					t.Fatalf("%d frames per packet: packet %d frame %d numbered %d after %d", n, seq, i, got, prev)
				}
				prev = got
			}
		}
	}
}
