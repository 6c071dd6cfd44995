package codec_test

import (
	"fmt"
	"math"

	"github.com/vqspeak/vqspeak/codec"
)

// Encode 20 ms packets of speech and decode them again.
func Example() {
	cb := codec.DefaultCodebook()
	enc, err := codec.NewEncoder(cb, codec.DefaultStages)
	if err != nil {
		panic(err)
	}
	dec, err := codec.NewDecoder(cb)
	if err != nil {
		panic(err)
	}
	pcm := make([]float32, codec.PacketSamples)
	var packet []byte
	var out []float32
	for p := 0; p < 50; p++ { // one second of a 200 Hz tone
		for i := range pcm {
			pcm[i] = 0.3 * float32(math.Sin(2*math.Pi*200*float64(p*len(pcm)+i)/codec.SampleRate))
		}
		packet, _ = enc.Encode(packet[:0], pcm)
		out, _ = dec.Decode(out, packet)
	}
	fmt.Printf("%d-byte packets, %d b/s, %d samples out, latency %v\n",
		len(packet), codec.Bitrate(cb, codec.DefaultStages), len(out), codec.AlgorithmicLatency)
	// Output: 8-byte packets, 3200 b/s, 16000 samples out, latency 30ms
}
