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

// midEnergyOffsets are the middle frame's c0 steps from its neighbours' mean,
// in units of energyStep.
var midEnergyOffsets = [1 << midEnergyBits]float64{-6, -3, -1.5, -0.5, 0.5, 1.5, 3, 6}

// Voicing profiles: per-band voiced share for each code; code 0 is unvoiced.
// The end frame chooses among all eight, the middle frame among the first four.
var voicingProfiles = [1 << voicingBits][features.NumVoicingBands]float32{
	{0, 0, 0, 0, 0},
	{0.5, 0.3, 0.15, 0.05, 0.02},
	{0.85, 0.7, 0.4, 0.15, 0.05},
	{0.97, 0.92, 0.75, 0.45, 0.2},
	{0.7, 0.5, 0.3, 0.2, 0.1},
	{0.9, 0.85, 0.6, 0.3, 0.1},
	{0.95, 0.9, 0.9, 0.7, 0.4},
	{0.98, 0.97, 0.95, 0.85, 0.7},
}

// quantVoicing picks the nearest profile among the first n (code 0 when unvoiced).
func quantVoicing(fr *features.Frame, n int) int {
	if !fr.Voiced() {
		return 0
	}
	best, bestD := 1, math.Inf(1)
	for c := 1; c < n; c++ {
		var d float64
		for b, v := range voicingProfiles[c] {
			e := float64(v - fr.Voicing[b])
			d += e * e
		}
		if d < bestD {
			best, bestD = c, d
		}
	}
	return best
}
