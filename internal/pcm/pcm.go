// Package pcm is the one conversion between float32 samples in [-1, 1] and
// 16-bit PCM used everywhere in vqspeak: v/32768 in, x·32768 rounded to
// nearest-even and clipped out, NaN as 0. int16 → float32 → int16 is
// exact, and a WAV file, the codec's 16-bit API, the stream decoder, the
// .vqs PCM reader and the sound card all produce the same samples.
package pcm

import "math"

// FromInt16 is v as a float32 sample: v/32768, in [-1, 1).
func FromInt16(v int16) float32 { return float32(v) * (1.0 / 32768) }

// ToInt16 is x as a 16-bit sample: x·32768 rounded to nearest-even and
// clipped to [-32768, 32767]; NaN becomes 0.
func ToInt16(x float32) int16 {
	v := math.RoundToEven(float64(x) * 32768)
	if v != v { // NaN
		return 0
	}
	return int16(max(-32768, min(32767, v)))
}
