package vqrtp_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/stream"
	"github.com/vqspeak/vqspeak/stream/vqrtp"
)

// TestReceiver sends 20 stream packets two to an RTP packet, loses one RTP
// packet, and checks that the jitter buffer counts both of its frames lost,
// that garbage and a second SSRC are counted and not pushed, and that a
// sender silent for a second may restart with a new SSRC from its address.
func TestReceiver(t *testing.T) {
	cb := codec.DefaultCodebook()
	enc, err := stream.NewEncoder(cb, nil)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := stream.NewDecoder(cb, nil)
	if err != nil {
		t.Fatal(err)
	}
	rx := vqrtp.NewReceiver(dec, vqrtp.ReceiverConfig{PayloadType: 96})
	pz, err := vqrtp.NewPacketizer(96, 0x5EED, 2)
	if err != nil {
		t.Fatal(err)
	}
	var datagrams [][]byte
	emit := func(p stream.Packet) error {
		b, err := pz.AppendFrameAt(nil, p.Timestamp, p.Payload)
		if len(b) > 0 {
			datagrams = append(datagrams, b)
		}
		return err
	}
	x := make([]float32, 20*codec.PacketSamples)
	for i := range x {
		x[i] = 0.1 * float32((i/40)%2*2-1)
	}
	if err := enc.Push(x, emit); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UnixNano()
	sender := netip.MustParseAddrPort("192.0.2.1:40000")
	for i, d := range datagrams {
		if i != 3 {
			rx.Receive(d, sender, now)
		}
	}
	rx.Receive([]byte("not RTP"), sender, now)
	other, _ := vqrtp.NewPacketizer(96, 0xBEEF, 1)
	foreign, _ := other.AppendFrame(nil, datagrams[0][14:])
	rx.Receive(foreign, sender, now)
	if got, want := rx.Arrivals(), int64(len(datagrams)-1); got != want {
		t.Errorf("%d arrivals, want %d", got, want)
	}
	if rx.BadRTP() != 1 || rx.Foreign() != 1 {
		t.Errorf("bad RTP %d, foreign %d; want 1 and 1", rx.BadRTP(), rx.Foreign())
	}
	if st := dec.Stats(); st.Lost != 2 || st.Received != int64(2*(len(datagrams)-1)) {
		t.Errorf("decoder: %d received, %d lost; want %d and 2", st.Received, st.Lost, 2*(len(datagrams)-1))
	}
	rx.Receive(foreign, sender, now+int64(time.Second))
	if rx.Foreign() != 1 || rx.Arrivals() != int64(len(datagrams)) {
		t.Errorf("after a second of silence the new sender was not taken: foreign %d, arrivals %d", rx.Foreign(), rx.Arrivals())
	}
}

// TestReceiverHijack plays a real sender and an injector that starts first:
// with a configured peer the injector is ignored from its first packet;
// without one the first source is latched and the injector, which came
// later, is ignored however long the sender pauses. Packets of another
// payload type are never played, and do not latch.
func TestReceiverHijack(t *testing.T) {
	cb := codec.DefaultCodebook()
	real := netip.MustParseAddrPort("192.0.2.1:40000")
	evil := netip.MustParseAddrPort("198.51.100.7:40000")
	now := time.Now().UnixNano()
	packets := func(pt uint8, ssrc uint32, n int) [][]byte {
		pz, err := vqrtp.NewPacketizer(pt, ssrc, 1)
		if err != nil {
			t.Fatal(err)
		}
		var out [][]byte
		for i := range n {
			b, err := pz.AppendFrameAt(nil, uint32(i*codec.PacketSamples), make([]byte, 8))
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, b)
		}
		return out
	}
	newRx := func(cfg vqrtp.ReceiverConfig) (*vqrtp.Receiver, *stream.Decoder) {
		dec, err := stream.NewDecoder(cb, nil)
		if err != nil {
			t.Fatal(err)
		}
		return vqrtp.NewReceiver(dec, cfg), dec
	}
	good, injected, otherPT := packets(96, 1, 20), packets(96, 2, 20), packets(97, 1, 5)

	// -from: the injector's packets, sent first, are all ignored.
	rx, dec := newRx(vqrtp.ReceiverConfig{PayloadType: 96, Peer: real})
	for i := range good {
		rx.Receive(injected[i], evil, now)
		rx.Receive(good[i], real, now)
	}
	if p, ok := rx.Peer(); !ok || p != real {
		t.Errorf("peer %v, want %v", p, real)
	}
	if rx.Arrivals() != 20 || rx.Foreign() != 20 || dec.Stats().Received != 20 {
		t.Errorf("with a peer: %d arrivals, %d foreign, %d received; want 20, 20, 20",
			rx.Arrivals(), rx.Foreign(), dec.Stats().Received)
	}

	// No peer: another payload type neither plays nor latches; the first
	// valid source does, and keeps the call through a long pause.
	rx, dec = newRx(vqrtp.ReceiverConfig{PayloadType: 96})
	for _, b := range otherPT {
		rx.Receive(b, evil, now)
	}
	if _, ok := rx.Peer(); ok || rx.OtherPayloadType() != 5 || rx.Arrivals() != 0 {
		t.Errorf("payload type 97 latched or was accepted: %d arrivals, %d other payload type", rx.Arrivals(), rx.OtherPayloadType())
	}
	for _, b := range good[:10] {
		rx.Receive(b, real, now)
	}
	later := now + int64(5*time.Second)
	for _, b := range injected {
		rx.Receive(b, evil, later)
	}
	for _, b := range otherPT {
		rx.Receive(b, real, later)
	}
	for _, b := range good[10:] {
		rx.Receive(b, real, later)
	}
	if p, _ := rx.Peer(); p != real || rx.Arrivals() != 20 || rx.Foreign() != 20 || rx.OtherPayloadType() != 10 || dec.Stats().Received != 20 {
		t.Errorf("latched: peer %v, %d arrivals, %d foreign, %d other payload type, %d received; want %v, 20, 20, 10, 20",
			p, rx.Arrivals(), rx.Foreign(), rx.OtherPayloadType(), dec.Stats().Received, real)
	}

	// The same source in its IPv4-mapped IPv6 spelling is the same peer.
	rx, _ = newRx(vqrtp.ReceiverConfig{PayloadType: 96, Peer: real})
	rx.Receive(good[0], netip.AddrPortFrom(netip.AddrFrom16(real.Addr().As16()), real.Port()), now)
	if rx.Arrivals() != 1 {
		t.Error("an IPv4-mapped source was not recognised as the peer")
	}
}

// TestReceiverNoAllocations: receiving a packet allocates nothing.
func TestReceiverNoAllocations(t *testing.T) {
	cb := codec.DefaultCodebook()
	dec, err := stream.NewDecoder(cb, nil)
	if err != nil {
		t.Fatal(err)
	}
	rx := vqrtp.NewReceiver(dec, vqrtp.ReceiverConfig{PayloadType: 96})
	pz, err := vqrtp.NewPacketizer(96, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	from := netip.MustParseAddrPort("192.0.2.1:40000")
	buf := make([]byte, 0, pz.MaxPacketSize())
	ts, now := uint32(0), time.Now().UnixNano()
	rx.Receive(mustFrame(t, pz, buf, ts), from, now)
	allocs := testing.AllocsPerRun(200, func() {
		ts += codec.PacketSamples
		rx.Receive(mustFrame(t, pz, buf, ts), from, now)
	})
	if allocs != 0 {
		t.Errorf("%.1f allocations per packet", allocs)
	}
}

// mustFrame packs an 8-byte frame at ts into buf.
func mustFrame(t *testing.T, pz *vqrtp.Packetizer, buf []byte, ts uint32) []byte {
	b, err := pz.AppendFrameAt(buf[:0], ts, frame8)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var frame8 = make([]byte, 8)
