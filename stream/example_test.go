package stream_test

import (
	"fmt"
	"math"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/stream"
)

// A sound card callback delivers 10 ms of microphone audio and wants 10 ms
// to play. Here the network is a direct call: each packet goes straight to
// the receiving decoder.
func Example() {
	cb := codec.DefaultCodebook()
	enc, err := stream.NewEncoder(cb, &stream.EncoderConfig{FEC: true})
	if err != nil {
		panic(err)
	}
	dec, err := stream.NewDecoder(cb, nil)
	if err != nil {
		panic(err)
	}
	send := func(p stream.Packet) error {
		return dec.Push(p) // in a real program: write p to the network
	}

	mic := make([]float32, 160)
	speaker := make([]float32, 160)
	for tick := 0; tick < 100; tick++ { // one second
		for i := range mic {
			mic[i] = float32(0.3 * math.Sin(2*math.Pi*200*float64(tick*160+i)/codec.SampleRate))
		}
		if err := enc.Push(mic, send); err != nil {
			panic(err)
		}
		dec.Pull(speaker)
	}
	s := dec.Stats()
	fmt.Printf("received %d packets, concealed %d, recovered %d\n", s.Received, s.Concealed, s.Recovered)
	fmt.Println("encoder delay:", enc.Delay())
	// Output:
	// received 50 packets, concealed 0, recovered 0
	// encoder delay: 30ms
}
