package codec

import (
	"github.com/vqspeak/vqspeak/features"
)

// Packet loss concealment and comfort noise.
//
// A lost packet is rebuilt from the last good parameters: the pitch and the
// envelope shape hold, the voicing slides towards noise and the energy
// decays, gently over the first 60 ms of a burst (short gaps are bridged
// almost unnoticed) and then quickly down to comfort noise: unvoiced noise
// with the last envelope's tilt, 25 dB under the last speech or at the level
// of the last comfort-noise frame the encoder sent. The predictor carries on
// from the concealed frames, so the first good packet after a loss is coded
// against, and interpolated from, what was actually played: no click.

// concealDecay is how far c0 (natural-log amplitude) has fallen below the
// last good frame after each lost packet of a burst: about 0, 2, 6 dB over
// the first 60 ms.
var concealDecay = [...]float32{0.03, 0.23, 0.69}

const (
	// concealFloor is how far under the last good frame concealment fades
	// when no comfort-noise level is known: 25 dB.
	concealFloor = 2.88
	// concealFade is the share of the remaining distance to comfort noise
	// kept per packet after the first 60 ms.
	concealFade = 0.5
	// concealVoiced is how many lost packets stay voiced (60 ms): a longer
	// buzz sounds mechanical, noise does not.
	concealVoiced = 3
)

// concealState is what concealment and comfort noise remember between calls.
type concealState struct {
	last      features.Frame // the last good end frame, the start of a burst
	noise     float32        // c0 of the latest comfort noise, when haveNoise
	haveNoise bool
}

// Conceal appends a packet's samples (PacketSamples, or the decoder's
// mode's) standing in for a lost packet.
func (d *Decoder) Conceal(dst []float32) []float32 {
	cs := &d.conceal
	if d.lost == 0 {
		cs.last = d.end
	}
	d.lost++
	k := d.lost

	floor := cs.last.MCep[0] - concealFloor
	if cs.haveNoise {
		floor = min(floor, cs.noise)
	}
	floor = max(floor, float32(energyMin))

	prev := d.end
	fr := &d.end
	*fr = cs.last
	if k <= len(concealDecay) {
		fr.MCep[0] = cs.last.MCep[0] - concealDecay[k-1]
	} else {
		fr.MCep[0] = floor + (prev.MCep[0]-floor)*concealFade
	}
	fr.MCep[0] = max(fr.MCep[0], floor)
	// The shape flattens slowly towards its tilt: a held formant pattern
	// turns into a hum, a tilted noise floor does not.
	shape := float32(1)
	for i := 1; i < k; i++ {
		shape *= 0.8
	}
	for i := 2; i < len(fr.MCep); i++ {
		fr.MCep[i] = cs.last.MCep[i] * shape
	}
	if k > concealVoiced || cs.last.F0 <= 0 {
		fr.F0 = 0
		fr.Voicing = [features.NumVoicingBands]float32{}
	} else {
		for b := range fr.Voicing {
			fr.Voicing[b] *= 0.85
		}
	}

	// The middle frame lies halfway between the previous end and this one.
	d.mid = *fr
	d.mid.MCep[0] = 0.5 * (prev.MCep[0] + fr.MCep[0])
	for i := 1; i < len(d.mid.MCep); i++ {
		d.mid.MCep[i] = 0.5 * (prev.MCep[i] + fr.MCep[i])
	}
	if prev.F0 <= 0 || fr.F0 <= 0 {
		d.mid.F0 = prev.F0 // voicing ends at the middle of the packet
		d.mid.Voicing = prev.Voicing
	}
	d.interpolate(&prev, &d.mid)
	d.pred.follow(fr)
	return d.render(dst)
}

// ComfortNoise appends PacketSamples samples of background noise for a
// stretch of silence the encoder did not send (discontinuous transmission):
// unvoiced noise at the level energy (a code on the scale of
// Packet.Energy) with spectral tilt tilt (mel-cepstral c1, about −1 to 1
// for natural noise; clamped to ±4), reached smoothly from whatever played
// before.
func (d *Decoder) ComfortNoise(dst []float32, energy uint8, tilt float32) []float32 {
	prev := d.end
	fr := &d.end
	*fr = comfortNoiseFrame(energy, tilt)
	d.mid = *fr
	for i := range d.mid.MCep {
		d.mid.MCep[i] = 0.5 * (prev.MCep[i] + fr.MCep[i])
	}
	d.mid.F0 = 0
	if prev.F0 > 0 {
		d.mid.F0, d.mid.Voicing = prev.F0, prev.Voicing
	}
	d.interpolate(&prev, &d.mid)
	d.conceal.noise, d.conceal.haveNoise = fr.MCep[0], true
	d.lost = 0
	d.pred.follow(fr)
	return d.render(dst)
}

// Skip reads packet into the decoder's state without playing it: the next
// packet's audio follows on from the one before the skipped one, 20 ms of
// parameters shorter. A jitter buffer uses it to shed delay without a click.
func (d *Decoder) Skip(packet []byte) error {
	if err := d.parse(packet); err != nil {
		return err
	}
	return d.SkipPacket(&d.pk)
}

// SkipPacket is Skip for a parsed packet (see DecodePacket).
func (d *Decoder) SkipPacket(p *Packet) error {
	if err := d.readPacket(p); err != nil {
		return err
	}
	var mid features.Frame
	d.frames(&mid, p)
	d.lost = 0
	return nil
}

// maxTilt bounds the comfort-noise tilt: the stream payload carries
// −4 to 3.97, and a tilt in the thousands overflows the synthesis to NaN,
// which the predictor would then carry into every later packet.
const maxTilt = 4

// comfortNoiseFrame is the frame ComfortNoise plays for a comfort-noise
// update: unvoiced, flat but for the tilt, which is clamped to ±maxTilt
// (NaN plays as 0, flat).
func comfortNoiseFrame(energy uint8, tilt float32) features.Frame {
	var fr features.Frame
	fr.MCep[0] = float32(dequantEnergy(int(min(energy, 1<<energyBits-1))))
	if tilt == tilt { // not NaN
		fr.MCep[1] = max(-maxTilt, min(tilt, maxTilt))
	}
	return fr
}

// FollowComfortNoise makes the encoder's predictor continue from the frame
// a decoder's ComfortNoise(energy, tilt) plays, as the decoder's does. A
// sender with discontinuous transmission calls it for every packet it
// replaced by comfort noise, so that the first packet after the silence is
// coded against what the receiver played, not against packets it never
// received: otherwise the speech onset decodes with the wrong envelope
// and level until the prediction error has decayed.
func (e *Encoder) FollowComfortNoise(energy uint8, tilt float32) {
	fr := comfortNoiseFrame(energy, tilt)
	e.pred.follow(&fr)
}

// follow makes the predictor continue from fr, a frame the decoder made up,
// so that the next packet is interpolated from what was played.
func (p *predictor) follow(fr *features.Frame) {
	p.energy = float64(fr.MCep[0])
	p.mcep2 = p.mcep
	p.mcep = fr.MCep
	p.f0Index = -1
	if fr.F0 > 0 {
		p.f0Index = quantF0(fr.F0)
		p.lastVoiced = p.f0Index
	}
}
