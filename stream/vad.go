package stream

import "math"

// vad is a voice-activity detector for DTX: one decision per 20 ms packet
// from the packet's newest samples, so it runs 10 ms ahead of the audio the
// packet describes (the codec's lookahead) and an onset is seen one packet
// early. A packet is speech when its energy stands well above the noise
// floor, or somewhat above it with a peaked spectrum (a high linear-
// prediction gain, the inverse of spectral flatness: voiced speech is far
// from flat, steady noise nearly flat). After speech, a hangover keeps
// sending full packets so that word endings and short pauses are not cut.
type vad struct {
	floor     [vadWindows]float64 // minimum energy (dB) per sub-window
	cur       float64             // minimum of the sub-window being filled
	n         int                 // packets seen
	hang      int                 // packets of hangover left
	ac        [vadOrder + 1]float64
	a, tmp    [vadOrder + 1]float64
	lastLevel float64
	lastGain  float64
}

const (
	vadOrder   = 8
	vadSubLen  = 8 // packets per floor sub-window (160 ms)
	vadWindows = 8 // sub-windows: the floor is the minimum over 1.28 s
	// vadHangover is how long speech decisions last: 200 ms.
	vadHangover = 10
	// vadStartup is how long everything counts as speech at the start,
	// while the floor is unknown: 400 ms.
	vadStartup = 20
	vadSilence = -75.0 // dBFS: always silence below this
	vadLoud    = 12.0  // dB above the floor: speech whatever the spectrum
	vadSoft    = 5.0   // dB above the floor: speech if the spectrum is peaked
	vadPeaked  = 8.0   // dB of prediction gain that counts as peaked
)

func (v *vad) reset() {
	*v = vad{}
	for i := range v.floor {
		v.floor[i] = math.Inf(1)
	}
	v.cur = math.Inf(1)
	v.hang = vadStartup
}

// noiseFloor is the minimum packet energy (dB) over the last 1.28 s.
func (v *vad) noiseFloor() float64 {
	f := v.cur
	for _, x := range v.floor {
		f = math.Min(f, x)
	}
	return f
}

// speech decides for one packet's samples.
func (v *vad) speech(x []float32) bool {
	for k := range v.ac {
		var s float64
		for i := k; i < len(x); i++ {
			s += float64(x[i]) * float64(x[i-k])
		}
		v.ac[k] = s
	}
	level := 10 * math.Log10(v.ac[0]/float64(len(x))+1e-12)
	gain := v.predictionGain()
	v.lastLevel, v.lastGain = level, gain

	v.cur = math.Min(v.cur, level)
	v.n++
	if v.n%vadSubLen == 0 {
		copy(v.floor[:], v.floor[1:])
		v.floor[vadWindows-1] = v.cur
		v.cur = math.Inf(1)
	}
	above := level - v.noiseFloor()
	active := level > vadSilence && (above > vadLoud || above > vadSoft && gain > vadPeaked)
	if active {
		v.hang = max(v.hang, vadHangover)
		return true
	}
	if v.hang > 0 {
		v.hang--
		return true
	}
	return false
}

// predictionGain is r0 over the order-8 prediction error, in dB (Levinson–
// Durbin on the autocorrelation, with a −40 dB noise floor so that digital
// silence and pure tones stay finite).
func (v *vad) predictionGain() float64 {
	r0 := v.ac[0] * (1 + 1e-4)
	if r0 <= 0 {
		return 0
	}
	err := r0
	a := v.a[:]
	clear(a)
	for i := 1; i <= vadOrder; i++ {
		acc := v.ac[i]
		for j := 1; j < i; j++ {
			acc -= a[j] * v.ac[i-j]
		}
		k := acc / err
		copy(v.tmp[:], a)
		a[i] = k
		for j := 1; j < i; j++ {
			a[j] = v.tmp[j] - k*v.tmp[i-j]
		}
		err *= 1 - k*k
		if err <= 0 {
			break
		}
	}
	return 10 * math.Log10(r0/math.Max(err, r0*1e-4))
}
