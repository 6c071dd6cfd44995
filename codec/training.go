package codec

import "github.com/vqspeak/vqspeak/features"

// silenceEnergy is the c0 below which a frame carries no speech worth a
// codebook entry (about 80 dB under full scale).
const silenceEnergy = -10.0

// EnvelopeVectors appends to dst the envelope vector (EnvelopeDim values) of
// every 10 ms analysis frame of x, a 16 kHz signal, skipping silent frames.
// These are the vectors the RVQ codebook is trained on.
func EnvelopeVectors(dst []float32, x []float32) []float32 {
	an := features.NewAnalyzer()
	var fr features.Frame
	var hop [features.HopSize]float32
	for pos := 0; pos < len(x)+features.Lookahead; pos += features.HopSize {
		clear(hop[:])
		if pos < len(x) {
			copy(hop[:], x[pos:])
		}
		an.Push(&fr, hop[:])
		if fr.MCep[0] < silenceEnergy {
			continue
		}
		dst = append(dst, fr.MCep[1:]...)
	}
	return dst
}
