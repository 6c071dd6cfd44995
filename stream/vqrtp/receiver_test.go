package vqrtp_test

import (
	"testing"
	"time"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/stream"
	"github.com/vqspeak/vqspeak/stream/vqrtp"
)

// TestReceiver sends 20 stream packets two to an RTP packet, loses one RTP
// packet, and checks that the jitter buffer counts both of its frames lost,
// that garbage and a second sender are counted and not pushed, and that a
// sender silent for a second is replaced by a new one.
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
	rx := vqrtp.NewReceiver(dec)
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
	for i, d := range datagrams {
		if i != 3 {
			rx.Receive(d, now)
		}
	}
	rx.Receive([]byte("not RTP"), now)
	other, _ := vqrtp.NewPacketizer(96, 0xBEEF, 1)
	foreign, _ := other.AppendFrame(nil, datagrams[0][14:])
	rx.Receive(foreign, now)
	if got, want := rx.Arrivals(), int64(len(datagrams)-1); got != want {
		t.Errorf("%d arrivals, want %d", got, want)
	}
	if rx.BadRTP() != 1 || rx.Foreign() != 1 {
		t.Errorf("bad RTP %d, foreign %d; want 1 and 1", rx.BadRTP(), rx.Foreign())
	}
	if st := dec.Stats(); st.Lost != 2 || st.Received != int64(2*(len(datagrams)-1)) {
		t.Errorf("decoder: %d received, %d lost; want %d and 2", st.Received, st.Lost, 2*(len(datagrams)-1))
	}
	rx.Receive(foreign, now+int64(time.Second))
	if rx.Foreign() != 1 || rx.Arrivals() != int64(len(datagrams)) {
		t.Errorf("after a second of silence the new sender was not taken: foreign %d, arrivals %d", rx.Foreign(), rx.Arrivals())
	}
}
