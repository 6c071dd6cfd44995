package vqrtp_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/pion/rtp"
	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/internal/audiofile"
	"github.com/vqspeak/vqspeak/stream"
	"github.com/vqspeak/vqspeak/stream/vqrtp"
)

// Turn a received RTP packet of three frames, the middle one a DTX slot,
// into packets for a stream.Decoder.
func ExampleAppendPackets() {
	pkt := rtp.Packet{Header: rtp.Header{SequenceNumber: 7, Timestamp: 32000}}
	pkt.Payload, _ = vqrtp.AppendPayload(nil, []byte{1, 2, 3, 4, 5, 6, 7, 8}, nil, []byte{9, 10})
	pkts, err := vqrtp.AppendPackets(nil, &pkt)
	for _, p := range pkts {
		fmt.Printf("seq %d, timestamp %d, %d bytes\n", p.Seq, p.Timestamp, len(p.Payload))
	}
	fmt.Println(err)
	// Output:
	// seq 21, timestamp 32000, 8 bytes
	// seq 23, timestamp 32640, 2 bytes
	// <nil>
}

// Check the fmtp a peer negotiated before playing its stream.
func ExampleCheckFmtp() {
	cb := codec.DefaultCodebook()
	_, err := vqrtp.CheckFmtp(fmt.Sprintf("stages=4; codebook=%x; ptime=60", cb.Fingerprint()), cb)
	fmt.Println(err)
	_, err = vqrtp.CheckFmtp("stages=4; codebook=0123456789abcdef; ptime=60", cb)
	fmt.Println(errors.Is(err, vqrtp.ErrMismatch))
	// Output:
	// <nil>
	// true
}

func TestCheckFmtp(t *testing.T) {
	cb := codec.DefaultCodebook()
	fp := fmt.Sprintf("%x", cb.Fingerprint())
	for _, tc := range []struct {
		fmtp, err string // "" for none
	}{
		{"codebook=" + fp, ""},
		{"stages=4; codebook=" + fp + "; ptime=20; fec=1", ""},
		{"stages=4", "names no codebook"},
		{"codebook=0123456789abcdef", "peer uses codebook 0123456789abcdef, this side has " + fp},
		{"stages=6; codebook=" + fp, "peer sends 6 stages, this codebook has 4"},
		{"stages=x", "bad format parameters"},
	} {
		_, err := vqrtp.CheckFmtp(tc.fmtp, cb)
		if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("CheckFmtp(%q) = %v, want an error containing %q", tc.fmtp, err, tc.err)
		}
	}
}

// TestBundledLossStats sends a clip in RTP packets of three frames and
// drops 13 of them: the decoder fed through AppendPackets reports 39 lost
// frames, where numbering every frame of a packet by the packet's sequence
// number reported none.
func TestBundledLossStats(t *testing.T) {
	a, err := audiofile.ReadFile("../../testdata/audio/librispeech-367-f.wav")
	if err != nil {
		t.Fatal(err)
	}
	cb := codec.DefaultCodebook()
	enc, err := stream.NewEncoder(cb, nil)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := stream.NewDecoder(cb, &stream.DecoderConfig{MinDepth: 3, StartDepth: 3, MaxDepth: 3})
	if err != nil {
		t.Fatal(err)
	}
	pz, err := vqrtp.NewPacketizer(96, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	var wire []byte
	var pkt rtp.Packet
	var pkts []stream.Packet
	var sent, dropped int
	out := make([]float32, 3*codec.PacketSamples)
	err = enc.Push(a.Samples, func(p stream.Packet) error {
		wire, err = pz.AppendFrameAt(wire[:0], p.Timestamp, p.Payload)
		if err != nil || len(wire) == 0 {
			return err
		}
		sent++
		if sent%5 == 2 && dropped < 13 {
			dropped++
		} else {
			if err := pkt.Unmarshal(wire); err != nil {
				return err
			}
			if pkts, err = vqrtp.AppendPackets(pkts[:0], &pkt); err != nil {
				return err
			}
			for _, q := range pkts {
				if err := dec.Push(q); err != nil {
					return err
				}
			}
		}
		dec.Pull(out)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if st := dec.Stats(); st.Lost != 39 || dropped != 13 {
		t.Errorf("%d of %d packets dropped: %d frames lost, want 39 (%+v)", dropped, sent, st.Lost, st)
	}
}
