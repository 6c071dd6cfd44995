package vqrtp_test

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/stream"
	"github.com/vqspeak/vqspeak/stream/vqrtp"
)

// TestFmtpMode: "mode=" names a codec mode; the 20 ms ones pass Check, the
// low-rate 40 ms ones too with a ptime that is a multiple of 40 (40 when
// unset) and no FEC, and an unknown one is a parse error.
func TestFmtpMode(t *testing.T) {
	cb := codec.DefaultCodebook()
	fp := cb.Fingerprint()
	base := vqrtp.Params{Stages: 4, Codebook: fp}
	for _, c := range []struct {
		mode  int
		ptime time.Duration
		fec   bool
		ok    bool
		fmtp  string // in the fmtp
	}{
		{2000, 0, true, true, "ptime=20"}, {3200, 60 * time.Millisecond, false, true, "ptime=60"},
		{800, 0, false, true, "ptime=40"}, {700, 80 * time.Millisecond, false, true, "ptime=80"},
		{1200, 40 * time.Millisecond, false, true, "ptime=40"}, {1600, 0, false, true, "ptime=40; mode=1600"},
		{1600, 0, true, false, "fec=1"},
	} {
		p := base
		p.Mode, p.PTime, p.FEC = c.mode, c.ptime, c.fec
		q, err := vqrtp.ParseFmtp(p.Fmtp())
		if err != nil || q.Mode != c.mode || !strings.Contains(p.Fmtp(), c.fmtp) {
			t.Fatalf("mode %d: %q parsed as %+v, %v", c.mode, p.Fmtp(), q, err)
		}
		err = q.Check(cb)
		if c.ok != (err == nil) {
			t.Errorf("mode %d, %q: Check: %v", c.mode, p.Fmtp(), err)
		}
		if !c.ok && !errors.Is(err, vqrtp.ErrMismatch) {
			t.Errorf("mode %d: %v, want ErrMismatch", c.mode, err)
		}
		m, want := q.CodecMode(), 320
		if c.mode < 2000 {
			want = 640
		}
		if m.LowRate() != (c.mode < 2000) || q.FrameTicks() != want {
			t.Errorf("mode %d: codec mode %v, frame ticks %d", c.mode, m, q.FrameTicks())
		}
	}
	// A ptime that is not whole 40 ms frames.
	if _, err := vqrtp.CheckFmtp(base.Fmtp()+"; ptime=60; mode=1600", cb); !errors.Is(err, vqrtp.ErrMismatch) {
		t.Errorf("ptime=60 with mode=1600: %v, want ErrMismatch", err)
	}
	if _, err := vqrtp.ParseFmtp("mode=900"); !errors.Is(err, vqrtp.ErrParams) {
		t.Errorf("mode=900: %v, want ErrParams", err)
	}
	if p, err := vqrtp.ParseFmtp(base.Fmtp()); err != nil || p.Mode != 0 || strings.Contains(base.Fmtp(), "mode") ||
		p.CodecMode() != (codec.Mode{}) || p.FrameTicks() != vqrtp.FrameTicks {
		t.Errorf("no mode: %q, %+v, %v", base.Fmtp(), p, err)
	}
}

// TestRTPLowRate carries the 1600 b/s mode over RTP as negotiated by
// "mode=1600" (one and two 40 ms frames per packet): the timestamps step
// by 640, the receiver's jitter buffer plays exactly what a stream decoder
// fed directly plays, a lost RTP packet is concealed frame by frame, and
// the receiving path allocates nothing.
func TestRTPLowRate(t *testing.T) {
	cb := codec.DefaultCodebook()
	params, err := vqrtp.CheckFmtp("stages=4; codebook="+hexFP(cb.Fingerprint())+"; ptime=40; mode=1600", cb)
	if err != nil {
		t.Fatal(err)
	}
	m := params.CodecMode()
	if m != codec.Mode1600 {
		t.Fatalf("mode %v", m)
	}
	x := make([]float32, 50*m.PacketSamples())
	for i := range x {
		x[i] = 0.2 * float32((i/37)%2*2-1) * float32(i%3200) / 3200
	}
	enc, err := stream.NewEncoder(cb, &stream.EncoderConfig{Mode: m})
	if err != nil {
		t.Fatal(err)
	}
	var pkts []stream.Packet
	if err := enc.Push(x, func(p stream.Packet) error {
		p.Payload = append([]byte(nil), p.Payload...)
		pkts = append(pkts, p)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	ps := m.PacketSamples()
	cfg := stream.DecoderConfig{MinDepth: 2, StartDepth: 2, MaxDepth: 2}
	// Direct: the packets pushed as they are, two per two pulls.
	play := func(dec *stream.Decoder, deliver func(k int)) []float32 {
		out := make([]float32, (len(pkts)+2)*ps)
		for k := range len(pkts) + 2 {
			if k < len(pkts) {
				deliver(k)
			}
			dec.Pull(out[k*ps : (k+1)*ps])
		}
		return out
	}
	direct, err := stream.NewModeDecoder(cb, m, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := play(direct, func(k int) { _ = direct.Push(pkts[k]) })

	sender := netip.MustParseAddrPort("192.0.2.1:40000")
	for _, frames := range []int{1, 2} {
		pz, err := vqrtp.NewModePacketizer(96, 0x5EED, m, frames)
		if err != nil {
			t.Fatal(err)
		}
		var datagrams [][]byte
		for _, p := range pkts {
			b, err := pz.AppendFrameAt(nil, p.Timestamp, p.Payload)
			if err != nil {
				t.Fatal(err)
			}
			if len(b) > 0 {
				datagrams = append(datagrams, b)
			}
		}
		var h rtp.Packet
		if err := h.Unmarshal(datagrams[1]); err != nil || h.Timestamp != pkts[frames].Timestamp {
			t.Fatalf("%d frames: second packet's timestamp %d, want %d (%v)", frames, h.Timestamp, pkts[frames].Timestamp, err)
		}
		for drop := range 2 {
			dec, err := stream.NewModeDecoder(cb, m, &cfg)
			if err != nil {
				t.Fatal(err)
			}
			rx := vqrtp.NewReceiver(dec, vqrtp.ReceiverConfig{PayloadType: 96, Peer: sender})
			now := time.Now().UnixNano()
			got := play(dec, func(k int) {
				if (k+1)%frames == 0 && (drop == 0 || (k+1)/frames != 7) {
					rx.Receive(datagrams[k/frames], sender, now)
				}
			})
			st := dec.Stats()
			if drop == 1 {
				if st.Concealed != int64(frames) || st.Lost != int64(frames) {
					t.Errorf("%d frames, one RTP packet lost: %+v", frames, st)
				}
				continue
			}
			if st.Concealed != 0 || st.Lost != 0 || st.Received != int64(len(pkts)/frames*frames) {
				t.Errorf("%d frames: %+v", frames, st)
			}
			if frames == 1 {
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("sample %d: RTP %v, direct %v", i, got[i], want[i])
					}
				}
			}
			// The receiving path allocates nothing.
			out := make([]float32, ps)
			k := 0
			if a := testing.AllocsPerRun(100, func() {
				d := datagrams[k%len(datagrams)]
				var hh rtp.Header
				_, _ = hh.Unmarshal(d)
				// Restamp so that the stream goes on.
				ts := hh.Timestamp + uint32(len(datagrams)*frames*ps*(1+k/len(datagrams)))
				d[4], d[5], d[6], d[7] = byte(ts>>24), byte(ts>>16), byte(ts>>8), byte(ts)
				seq := hh.SequenceNumber + uint16(len(datagrams)*(1+k/len(datagrams)))
				d[2], d[3] = byte(seq>>8), byte(seq)
				rx.Receive(d, sender, now)
				for range frames {
					dec.Pull(out)
				}
				k++
			}); a != 0 {
				t.Errorf("%d frames: %v allocations per RTP packet received and played", frames, a)
			}
		}
	}
}

func hexFP(fp [8]byte) string {
	const digits = "0123456789abcdef"
	b := make([]byte, 0, 16)
	for _, c := range fp {
		b = append(b, digits[c>>4], digits[c&15])
	}
	return string(b)
}
