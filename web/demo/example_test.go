package demo_test

import (
	"fmt"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/web/demo"
)

// A sound card's 10 ms chunks at 48 kHz go in; as many decoded samples come
// out, after the simulated network has lost a few packets.
func Example() {
	p, err := demo.New(codec.DefaultCodebook(), demo.Config{Rate: 48000, Stages: 2, Loss: 0.05, FEC: true})
	if err != nil {
		panic(err)
	}
	mic := make([]float32, 480)
	out := make([]float32, 480)
	for range 100 { // one second
		// fill mic from the microphone here
		if err := p.Process(out, mic); err != nil {
			panic(err)
		}
		// play out
	}
	s := p.Stats()
	fmt.Printf("%d packets sent, latency under 100 ms: %v\n", s.Packets, s.LatencyMS < 100)
	// Output: 49 packets sent, latency under 100 ms: true
}
