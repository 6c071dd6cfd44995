package vqrtp_test

import (
	"fmt"
	"math"
	"time"

	"github.com/pion/rtp"
	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/stream/vqrtp"
)

// Send codec packets as RTP, two frames (40 ms) per packet, and decode them
// on the other side. Nothing here allocates per packet: the buffers are the
// caller's and are reused.
func Example() {
	cb := codec.DefaultCodebook()
	enc, _ := codec.NewEncoder(cb, codec.DefaultStages)
	dec, _ := codec.NewDecoder(cb)
	pz, _ := vqrtp.NewPacketizer(96, 0x5EED, 2)
	pz.Sequence, pz.Timestamp = 1, 0 // random by default

	pcm := make([]int16, codec.PacketSamples)
	frame := make([]byte, 0, enc.MaxPacketSize())
	wire := make([]byte, 0, pz.MaxPacketSize()) // one UDP datagram
	var pkt rtp.Packet                          // the receiver's, reused
	frames := make([]vqrtp.Frame, 0, vqrtp.MaxFrames)
	out := make([]int16, 0, codec.PacketSamples)
	for i := range 4 {
		for j := range pcm {
			pcm[j] = int16(8000 * math.Sin(2*math.Pi*150*float64(i*len(pcm)+j)/codec.SampleRate))
		}
		frame, _ = enc.EncodeInt16(frame[:0], pcm)
		wire, _ = pz.AppendFrame(wire[:0], frame)
		if len(wire) == 0 {
			continue // the packet is not full yet
		}
		// ... conn.Write(wire) ... n, _ := conn.Read(buf); wire = buf[:n] ...
		if err := pkt.Unmarshal(wire); err != nil {
			panic(err)
		}
		frames, _ = vqrtp.Unpack(frames[:0], &pkt)
		for _, f := range frames {
			out, _ = dec.DecodeInt16(out[:0], f.Data)
			fmt.Printf("seq %d: frame at %d, %d bytes, %d samples\n", pkt.SequenceNumber, f.Timestamp, len(f.Data), len(out))
		}
	}
	// Output:
	// seq 1: frame at 0, 8 bytes, 320 samples
	// seq 1: frame at 320, 8 bytes, 320 samples
	// seq 2: frame at 640, 8 bytes, 320 samples
	// seq 2: frame at 960, 8 bytes, 320 samples
}

// With pion's own Packetizer, one frame per packet.
func ExamplePayloader() {
	pz := rtp.NewPacketizer(1200, 96, 0x5EED, &vqrtp.Payloader{}, rtp.NewRandomSequencer(), vqrtp.ClockRate)
	frame := []byte{1, 2, 3, 4, 5, 6, 7, 8} // a 4-stage codec packet
	for _, p := range pz.Packetize(frame, vqrtp.FrameTicks) {
		frames, err := vqrtp.SplitPayload(nil, p.Payload, p.Timestamp)
		fmt.Println(len(p.Payload), "payload bytes,", len(frames), "frame of", len(frames[0].Data), "bytes,", err)
	}
	// Output: 9 payload bytes, 1 frame of 8 bytes, <nil>
}

// The SDP lines that announce a VQSPEAK stream.
func ExampleParams() {
	p := vqrtp.Params{Stages: 4, Codebook: [8]byte{0x5f, 0x0c, 0x2a, 0x9e, 0x11, 0xd3, 0xb7, 0xc4}, PTime: 20 * time.Millisecond}
	fmt.Println(vqrtp.Rtpmap(96))
	fmt.Println("a=fmtp:96 " + p.Fmtp())
	back, err := vqrtp.ParseFmtp("stages=2; codebook=5f0c2a9e11d3b7c4; ptime=40; fec=1")
	fmt.Println(back.Stages, back.FramesPerPacket(), back.FEC, back.Codebook == p.Codebook, err)
	// Output:
	// a=rtpmap:96 VQSPEAK/16000
	// a=fmtp:96 stages=4; codebook=5f0c2a9e11d3b7c4; ptime=20
	// 2 2 true true <nil>
}
