package codec

import "github.com/vqspeak/vqspeak/features"

// silenceEnergy is the c0 below which a frame carries no speech worth a
// codebook entry (about 80 dB under full scale).
const silenceEnergy = -10.0

// EnvelopeVectors appends to dst the vector the RVQ quantises (EnvelopeDim
// values) for every 10 ms analysis frame of x, a 16 kHz signal, skipping
// silent frames: the envelope minus its prediction from the frame 20 ms
// earlier, as the encoder forms it (with the unquantised envelope standing
// in for the decoded one). These are the vectors the codebook is trained on.
func EnvelopeVectors(dst []float32, x []float32) []float32 {
	an := features.NewAnalyzer()
	var fr features.Frame
	var hop [features.HopSize]float32
	var past [2][features.MCepOrder + 1]float32 // envelopes 20 and 10 ms back
	for pos := 0; pos < len(x)+features.Lookahead; pos += features.HopSize {
		clear(hop[:])
		if pos < len(x) {
			copy(hop[:], x[pos:])
		}
		an.Push(&fr, hop[:])
		prev := past[0]
		past[0], past[1] = past[1], fr.MCep
		if fr.MCep[0] < silenceEnergy {
			continue
		}
		for i := 1; i <= features.MCepOrder; i++ {
			dst = append(dst, fr.MCep[i]-envelopePrediction*prev[i])
		}
	}
	return dst
}
