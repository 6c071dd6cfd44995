package codec

import (
	"github.com/vqspeak/vqspeak/features"
	"github.com/vqspeak/vqspeak/rvq"
)

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

// EnvelopeModelRows appends to dst, for every packet of x (a 16 kHz signal)
// whose middle frame is not silent and for each stage count from 1 to
// cb.NumStages() in turn, one training row of the envelope model: its input
// as the decoder forms it from the packets the encoder makes, then the
// target, the analysed middle envelope less the mean of its decoded
// neighbours (the decoder's estimate without a model).
func EnvelopeModelRows(dst, x []float32, cb *rvq.Codebook) ([]float32, error) {
	n := cb.NumStages()
	encs := make([]*Encoder, n)
	decs := make([]*Decoder, n)
	for s := range n {
		var err error
		if encs[s], err = NewEncoder(cb, s+1); err != nil {
			return dst, err
		}
		if decs[s], err = NewDecoder(cb); err != nil {
			return dst, err
		}
	}
	var in [envIn]float32
	err := eachPacket(x, func(mid, end *features.Frame) error {
		for s, e := range encs {
			e.mid, e.end = *mid, *end
			e.quantise()
			d := decs[s]
			pp, p, pv := d.pred.mcep2, d.pred.mcep, d.pred.f0Index >= 0
			if err := d.readPacket(&e.pk); err != nil {
				return err // cannot happen: the encoder made it
			}
			d.pred.frames(&d.mid, &d.end, &e.pk, d.envelope)
			if mid.MCep[0] < silenceEnergy {
				continue
			}
			envInputs(&in, &pp, &p, pv, &d.mid, &d.end)
			dst = append(dst, in[:]...)
			for i := 1; i <= EnvelopeDim; i++ {
				dst = append(dst, mid.MCep[i]-0.5*(p[i]+d.end.MCep[i]))
			}
		}
		return nil
	})
	return dst, err
}

// eachPacket analyses x (a 16 kHz signal) packet by packet as an Encoder
// does — Reset's first half hop, then two hops per packet until the
// lookahead is flushed — and calls f with each packet's middle and end
// frames, stopping at its first error: the training rows see exactly the
// frames the encoder quantises.
func eachPacket(x []float32, f func(mid, end *features.Frame) error) error {
	an := features.NewAnalyzer()
	var mid, end features.Frame
	var pcm [PacketSamples]float32
	an.Push(&mid, pcm[:features.HopSize]) // as Encoder.Reset does
	for pos := 0; pos < len(x)+features.Lookahead; pos += PacketSamples {
		clear(pcm[:])
		if pos < len(x) {
			copy(pcm[:], x[pos:])
		}
		an.Push(&mid, pcm[:features.HopSize])
		an.Push(&end, pcm[features.HopSize:])
		if err := f(&mid, &end); err != nil {
			return err
		}
	}
	return nil
}
