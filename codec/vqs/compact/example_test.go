package compact_test

import (
	"fmt"
	"math"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/codec/vqs/compact"
)

// ExampleStats measures how compact blocks would code two seconds
// of a gliding tone at two stages.
func ExampleStats() {
	cb := codec.DefaultCodebook()
	enc, err := codec.NewEncoder(cb, 2)
	if err != nil {
		panic(err)
	}
	st, err := compact.NewStats(codec.IndexBits(cb))
	if err != nil {
		panic(err)
	}
	pcm := make([]float32, codec.PacketSamples)
	var packet []byte
	for i := range 100 {
		for j := range pcm {
			t := float64(i*codec.PacketSamples+j) / codec.SampleRate
			pcm[j] = float32(0.3 * math.Sin(2*math.Pi*(150+20*t)*t))
		}
		if packet, err = enc.Encode(packet[:0], pcm); err != nil {
			panic(err)
		}
		if err := st.WritePacket(packet); err != nil {
			panic(err)
		}
	}
	st.Flush()
	blocks, compact := st.Blocks()
	fmt.Printf("%d blocks, %d compact\n", blocks, compact)
	for _, s := range st.Streams() {
		fmt.Printf("%s: %d values of %d bits, difference coded: %t\n", s.Name, s.Symbols, s.Bits, s.Delta)
	}
	// Output:
	// 2 blocks, 2 compact
	// stage count: 100 values of 3 bits, difference coded: false
	// F0: 100 values of 7 bits, difference coded: true
	// voicing: 100 values of 3 bits, difference coded: true
	// energy: 100 values of 6 bits, difference coded: true
	// mid F0: 100 values of 3 bits, difference coded: false
	// mid voicing: 100 values of 2 bits, difference coded: true
	// mid energy: 100 values of 3 bits, difference coded: false
	// stage 1 index: 100 values of 10 bits, difference coded: true
	// stage 2 index: 100 values of 10 bits, difference coded: false
}
