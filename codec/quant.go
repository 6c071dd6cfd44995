package codec

import (
	"math"

	"github.com/vqspeak/vqspeak/features"
)

// Scalar quantisers for the side information.

// Pitch: 128 steps uniform in log-F0 from f0Min to f0Max (31 cents a step).
const (
	f0Min = 50.0
	f0Max = 500.0
)

var f0Step = math.Log(f0Max/f0Min) / (1<<f0Bits - 1)

func quantF0(f0 float64) int {
	i := int(math.Round(math.Log(f0/f0Min) / f0Step))
	return min(max(i, 0), 1<<f0Bits-1)
}

func dequantF0(i int) float64 { return f0Min * math.Exp(float64(i)*f0Step) }

// midF0Offsets are the middle frame's pitch steps from its reference.
var midF0Offsets = [1 << midF0Bits]int{-8, -4, -2, -1, 0, 1, 2, 4}

// quantMidF0 is the code of the midF0Offsets step from ref (a pitch index)
// that lands nearest the pitch index want, after clamping to the index range.
func quantMidF0(ref, want int) uint8 {
	code, best := uint8(0), math.MaxInt
	for i, off := range midF0Offsets {
		if d := abs(min(max(ref+off, 0), 1<<f0Bits-1) - want); d < best {
			best, code = d, uint8(i)
		}
	}
	return code
}

// Energy: c0 (mean log amplitude) in 64 uniform steps over [energyMin, energyMax].
const (
	energyMin = -11.5 // the envelope floor (powerFloor), digital silence
	energyMax = -1.5
)

var energyStep = (energyMax - energyMin) / (1<<energyBits - 1)

func quantEnergy(c0 float64) int {
	i := int(math.Round((c0 - energyMin) / energyStep))
	return min(max(i, 0), 1<<energyBits-1)
}

func dequantEnergy(i int) float64 { return energyMin + float64(i)*energyStep }

// midEnergyOffsets are the middle frame's c0 steps from its neighbours'
// mean, in units of energyStep. Fine near zero, where most frames are, and
// reaching ±20 steps (±3 nats, 27 dB) so that a word starting or ending at
// the middle frame is not smeared by 10 ms.
var midEnergyOffsets = [1 << midEnergyBits]float64{-20, -8, -3, -1, 1, 3, 8, 20}

// quantMidEnergy is the code of the midEnergyOffsets step from ref (a c0)
// that lands nearest c0.
func quantMidEnergy(ref, c0 float64) uint8 {
	code, best := uint8(0), math.Inf(1)
	for i, off := range midEnergyOffsets {
		if d := math.Abs(ref + off*energyStep - c0); d < best {
			best, code = d, uint8(i)
		}
	}
	return code
}

// Voicing profiles: per-band voiced share for each code; code 0 is unvoiced.
// The other entries are k-means centroids of the band voicing of voiced
// frames in the training corpus (7 for the end frame, 3 for the middle one).
var voicingProfiles = [1 << voicingBits][features.NumVoicingBands]float32{
	{0, 0, 0, 0, 0},
	{0.79, 0.12, 0.14, 0.18, 0.17},
	{0.89, 0.31, 0.45, 0.22, 0.20},
	{0.93, 0.67, 0.25, 0.27, 0.22},
	{0.87, 0.24, 0.60, 0.53, 0.36},
	{0.96, 0.79, 0.65, 0.28, 0.25},
	{0.97, 0.83, 0.75, 0.62, 0.23},
	{0.97, 0.84, 0.78, 0.69, 0.59},
}

var midVoicingProfiles = [1 << midVoiceBits][features.NumVoicingBands]float32{
	{0, 0, 0, 0, 0},
	{0.82, 0.16, 0.25, 0.23, 0.21},
	{0.94, 0.68, 0.47, 0.28, 0.22},
	{0.97, 0.80, 0.76, 0.61, 0.37},
}

// quantVoicing picks the nearest profile of table (code 0 when unvoiced).
func quantVoicing(fr *features.Frame, table [][features.NumVoicingBands]float32) int {
	if !fr.Voiced() {
		return 0
	}
	best, bestD := 1, math.Inf(1)
	for c := 1; c < len(table); c++ {
		var d float64
		for b, v := range table[c] {
			e := float64(v - fr.Voicing[b])
			d += e * e
		}
		if d < bestD {
			best, bestD = c, d
		}
	}
	return best
}
