package codec_test

import (
	"fmt"
	"math"

	"github.com/vqspeak/vqspeak/codec"
)

// tone16 fills pcm with packet p of a 150 Hz tone at about -12 dBFS.
func tone16(pcm []int16, p int) {
	for i := range pcm {
		pcm[i] = int16(8000 * math.Sin(2*math.Pi*150*float64(p*len(pcm)+i)/codec.SampleRate))
	}
}

// The per-packet API on 16-bit samples, as a VoIP app uses it: buffers are
// allocated once and reused, so a call allocates nothing.
func ExampleEncoder_EncodeInt16() {
	cb := codec.DefaultCodebook()
	enc, _ := codec.NewEncoder(cb, codec.DefaultStages)
	dec, _ := codec.NewDecoder(cb)

	pcm := make([]int16, codec.PacketSamples) // 20 ms from the microphone
	packet := make([]byte, 0, enc.MaxPacketSize())
	out := make([]int16, 0, codec.PacketSamples) // 20 ms for the speaker
	for p := range 3 {
		tone16(pcm, p)
		packet, _ = enc.EncodeInt16(packet[:0], pcm)
		// ... send packet, receive it ...
		out, _ = dec.DecodeInt16(out[:0], packet)
		fmt.Printf("packet %d: %d bytes -> %d samples\n", p, len(packet), len(out))
	}
	fmt.Printf("%d b/s, %v algorithmic latency (%d samples)\n", enc.Bitrate(), enc.Latency(), enc.LatencySamples())
	// Output:
	// packet 0: 8 bytes -> 320 samples
	// packet 1: 8 bytes -> 320 samples
	// packet 2: 8 bytes -> 320 samples
	// 3200 b/s, 30ms algorithmic latency (480 samples)
}

// Change the bitrate from one packet to the next: the decoder needs no
// notice, a packet's length tells its stage count.
func ExampleEncoder_SetBitrate() {
	cb := codec.DefaultCodebook()
	enc, _ := codec.NewEncoder(cb, codec.DefaultStages)
	dec, _ := codec.NewDecoder(cb)
	pcm := make([]int16, codec.PacketSamples)
	var packet []byte
	var out []int16
	for p, bps := range []int{3200, 2500, 2000} {
		if err := enc.SetBitrate(bps); err != nil {
			panic(err)
		}
		tone16(pcm, p)
		packet, _ = enc.EncodeInt16(packet[:0], pcm)
		out, _ = dec.DecodeInt16(out[:0], packet)
		fmt.Printf("asked %d b/s: %d stages, %d-byte packet, %d b/s\n", bps, enc.Stages(), len(packet), enc.Bitrate())
	}
	// Output:
	// asked 3200 b/s: 4 stages, 8-byte packet, 3200 b/s
	// asked 2500 b/s: 2 stages, 6-byte packet, 2400 b/s
	// asked 2000 b/s: 1 stages, 5-byte packet, 2000 b/s
}

// Packet loss concealment: when a packet does not arrive in time, play
// ConcealInt16's 20 ms instead; the next packet that arrives decodes as usual.
func ExampleDecoder_ConcealInt16() {
	cb := codec.DefaultCodebook()
	enc, _ := codec.NewEncoder(cb, codec.DefaultStages)
	dec, _ := codec.NewDecoder(cb)
	pcm := make([]int16, codec.PacketSamples)
	var packet []byte
	var out []int16
	for p := range 5 {
		tone16(pcm, p)
		packet, _ = enc.EncodeInt16(packet[:0], pcm)
		lost := p == 2 || p == 3
		if lost {
			out = dec.ConcealInt16(out)
		} else {
			out, _ = dec.DecodeInt16(out, packet)
		}
	}
	fmt.Println(len(out), "samples: 100 ms with 40 ms concealed")
	// Output: 1600 samples: 100 ms with 40 ms concealed
}
