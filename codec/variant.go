package codec

import (
	"math"

	"github.com/vqspeak/vqspeak/features"
	"github.com/vqspeak/vqspeak/rvq"
)

// Variant substitutes parts of the unquantised analysis/synthesis, for the
// experiments that find where the vocoder loses quality (vqspeak bench
// -decompose, the decomposition table in README). The zero value is the
// codec's own vocoder.
type Variant struct {
	Analysis features.AnalysisOptions
	// FullEnvelope synthesises from the smoothed log spectrum itself
	// instead of its 24th-order mel-cepstrum.
	FullEnvelope bool
	// NoiseShare, when > 0, replaces the share of the measured aperiodic
	// power that voiced frames synthesise as noise (voicingNoise).
	NoiseShare float64
	// NoiseShareHigh, when > 0, is the noise share from 5 kHz up, reached
	// linearly from the usual share at 2 kHz.
	NoiseShareHigh float64
	// ShapedNoise concentrates the noise of voiced frames after each
	// pulse (exponential decay over a quarter period) instead of spreading
	// it evenly over the period.
	ShapedNoise bool
	// HoldFilters gives every pulse and noise segment the filters of the
	// nearer frame instead of interpolating them to its own instant.
	HoldFilters bool
	// NoLimiter and NoDCBlocker leave out the output's soft limiter and
	// its 20 Hz high-pass.
	NoLimiter, NoDCBlocker bool
	// HalfRateEnvelope gives every second frame the mean of its
	// neighbours' mel-cepstra, as if the envelope were sent every 20 ms
	// (the codec sends one per packet and interpolates the middle frame).
	HalfRateEnvelope bool
	// Postfilter is the formant postfilter strength (0 = off).
	Postfilter float64
	// PostfilterFrom, when > 0, fades the postfilter in linearly from
	// half this frequency (Hz) to 1.5 times it.
	PostfilterFrom float64
	// PostfilterFlat gives the postfilter the same strength at every
	// frequency instead of postfilterLow times more at low ones.
	PostfilterFlat bool
	// PulseDelay, when > 0, delays every pulse by this many samples
	// against the noise and the parameters' timing.
	PulseDelay float64
	// PulseDispersion, when > 0, adds to the pulses a group delay rising
	// with the square of frequency to this many samples at 8 kHz (an
	// all-pass: the amplitude spectrum is unchanged).
	PulseDispersion float64
	// GlottalPhase, when > 0, makes this share of the pulse filter's
	// lowest GlottalQuefrency cepstral coefficients (its spectral tilt,
	// most of which is the glottal flow's) maximum-phase instead of
	// minimum-phase, as the glottal flow's opening phase is; the rest of
	// the pulse stays minimum-phase. Its response then starts before the
	// pulse instant: use it with PulseDelay.
	GlottalPhase     float64
	GlottalQuefrency int

	// QuantPitch, QuantVoicing and QuantEnergy replace the pitch, the
	// band voicing and the energy (c0) of every frame by what the codec's
	// packets carry: each 20 ms pair's end frame coded absolutely, its
	// middle frame against its neighbours, as Encoder and Decoder do.
	QuantPitch, QuantVoicing, QuantEnergy bool
	// QuantSideFrames limits those three to the end frames (1) or the
	// middle frames (2) of the pairs; 0 quantises both.
	QuantSideFrames int
	// QuantStages, when > 0, replaces the envelope (c1..c24) by what the
	// codec decodes from this many stages of the default codebook: the end
	// frame of each pair vector-quantised against the prediction from the
	// previous one, the middle frame estimated by the decoder (its envelope
	// model). The decimation to 20 ms is part of it (see HalfRateEnvelope).
	QuantStages int
	// QuantEveryFrame, with QuantStages, codes every frame's envelope on
	// its own instead (10 ms, middle frames too, each predicted from the
	// previous frame's decoded one): the vector quantiser without the
	// decimation, at twice the codec's envelope bits.
	QuantEveryFrame bool
}

// synthVariant is a Variant's state inside the Synthesizer.
type synthVariant struct {
	logEnv           []float64 // this frame's full log envelope, when set
	bands            []float32 // this frame's fine band voicing, when set
	centres          []float64 // centre frequencies of bands
	hold, shapeNoise bool
	noLimiter, noDC  bool
	pfFrom           float64
	pfFlat           bool
	noiseHigh        float64
	pulsePhase       []float64 // added to every pulse's phase, per bin, when set
	glottal          float64
	glottalQ         int
}

// makePulsePhase fills v.pulsePhase for PulseDelay and PulseDispersion.
func (v *synthVariant) makePulsePhase(delay, dispersion float64) {
	if delay <= 0 && dispersion <= 0 {
		return
	}
	v.pulsePhase = make([]float64, synthN/2+1)
	sum := 0.0 // the group delay summed over the bins so far
	for k := range v.pulsePhase {
		f := float64(k) / (synthN / 2)
		sum += dispersion * f * f
		v.pulsePhase[k] = -2 * math.Pi / synthN * (delay*float64(k) + sum)
	}
}

// glottalPhase adds to a pulse filter spec, just made minimum-phase from the
// folded cepstrum cep, the phase that turns the share v.glottal of its lowest
// v.glottalQ coefficients maximum-phase.
func (v *synthVariant) glottalPhase(spec []complex128, cep []float64) {
	for k := range spec {
		p := 0.0
		for q := 1; q <= v.glottalQ; q++ {
			p += cep[q] * math.Sin(2*math.Pi*float64(q*k)/synthN)
		}
		spec[k] += complex(0, 2*v.glottal*p)
	}
}

// output is the final sample for input x and DC-blocked y.
func (v *synthVariant) output(x, y float64) float64 {
	if v.noDC {
		y = x
	}
	if v.noLimiter {
		return y
	}
	return softLimit(y)
}

// interpBands interpolates the fine band voicing linearly between centres.
func (v *synthVariant) interpBands(f float64) float64 {
	c := v.centres
	if f <= c[0] {
		return float64(v.bands[0])
	}
	for b := 1; b < len(c); b++ {
		if f <= c[b] {
			t := (f - c[b-1]) / (c[b] - c[b-1])
			return (1-t)*float64(v.bands[b-1]) + t*float64(v.bands[b])
		}
	}
	return float64(v.bands[len(v.bands)-1])
}

// shape weights a voiced noise segment by exp(−4t/len), scaled to keep its
// power.
func (v *synthVariant) shape(x []float64) {
	var p float64
	for i := range x {
		w := math.Exp(-4 * float64(i) / float64(len(x)))
		x[i] *= w
		p += w * w
	}
	if p == 0 {
		return
	}
	g := math.Sqrt(float64(len(x)) / p)
	for i := range x {
		x[i] *= g
	}
}

// ResynthesizeVariant is Resynthesize with the parts v substitutes (its
// postfilter is v.Postfilter, off in the zero Variant). It allocates freely: for experiments only.
func ResynthesizeVariant(x []float32, v Variant) []float32 {
	frames := features.AnalyzeOffline(x, v.Analysis)
	if v.HalfRateEnvelope {
		for h := 1; h+1 < len(frames); h += 2 {
			a, b, m := &frames[h-1].MCep, &frames[h+1].MCep, &frames[h].MCep
			for i := range m {
				m[i] = (a[i] + b[i]) / 2
			}
		}
	}
	quantiseVariant(frames, v)
	syn := NewSynthesizer(v.Postfilter)
	if v.NoiseShare > 0 {
		syn.noiseShare = v.NoiseShare
	}
	sv := &synthVariant{hold: v.HoldFilters, shapeNoise: v.ShapedNoise, noLimiter: v.NoLimiter, noDC: v.NoDCBlocker, pfFrom: v.PostfilterFrom, pfFlat: v.PostfilterFlat, noiseHigh: v.NoiseShareHigh,
		glottal: v.GlottalPhase, glottalQ: v.GlottalQuefrency}
	sv.makePulsePhase(v.PulseDelay, v.PulseDispersion)
	if e := v.Analysis.VoicingEdges; e != nil {
		for b := range len(e) - 1 {
			sv.centres = append(sv.centres, (e[b]+e[b+1])/2)
		}
	}
	syn.variant = sv
	out := make([]float32, len(frames)*features.HopSize)
	for h := 1; h < len(frames); h++ {
		fr := &frames[h]
		if v.FullEnvelope {
			sv.logEnv = fr.LogEnvelope
		}
		sv.bands = fr.Bands
		syn.Hop(out[(h-1)*features.HopSize:h*features.HopSize], &fr.Frame)
	}
	return out[:len(x)]
}

// quantiseVariant replaces the parts of frames that v quantises (the
// Quant fields) by what the codec's decoder sees.
func quantiseVariant(frames []features.OfflineFrame, v Variant) {
	side := v.QuantPitch || v.QuantVoicing || v.QuantEnergy
	packetEnv := v.QuantStages > 0 && !v.QuantEveryFrame
	if !side && v.QuantStages <= 0 {
		return
	}
	cb := DefaultCodebook()
	stages := min(max(v.QuantStages, 1), cb.NumStages())
	enc, err := NewEncoder(cb, stages)
	if err != nil {
		panic(err) // the default codebook has every stage count
	}
	dec, err := NewDecoder(cb)
	if err != nil {
		panic(err)
	}
	put := func(dst, q *features.Frame, middle bool) {
		if v.QuantSideFrames == 1 && middle || v.QuantSideFrames == 2 && !middle {
			if packetEnv {
				copy(dst.MCep[1:], q.MCep[1:])
			}
			return
		}
		if v.QuantPitch {
			dst.F0 = q.F0
		}
		if v.QuantVoicing {
			dst.Voicing = q.Voicing
		}
		if v.QuantEnergy {
			dst.MCep[0] = q.MCep[0]
		}
		if packetEnv {
			copy(dst.MCep[1:], q.MCep[1:])
		}
	}
	if side || packetEnv {
		var mid features.Frame
		for h := 1; h+1 < len(frames); h += 2 {
			enc.mid, enc.end = frames[h].Frame, frames[h+1].Frame
			enc.quantise()
			if err := dec.readPacket(&enc.pk); err != nil {
				panic(err) // the encoder's own packet
			}
			dec.frames(&mid, &enc.pk)
			put(&frames[h].Frame, &mid, true)
			put(&frames[h+1].Frame, &dec.end, false)
		}
	}
	if v.QuantStages > 0 && v.QuantEveryFrame {
		search := rvq.NewSearcher(cb, DefaultBeam)
		idx := make([]int, stages)
		r := make([]float32, EnvelopeDim)
		var prev [EnvelopeDim]float32
		for h := 1; h < len(frames); h++ {
			m := &frames[h].MCep
			for i := range r {
				r[i] = m[i+1] - envelopePrediction*prev[i]
			}
			search.Encode(idx, r, stages)
			r, _ = cb.Decode(r, idx)
			for i := range r {
				prev[i] = r[i] + envelopePrediction*prev[i]
				m[i+1] = prev[i]
			}
		}
	}
}
