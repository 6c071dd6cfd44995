package stream

import (
	"math"
	"testing"

	"github.com/vqspeak/vqspeak/codec"
)

// TestDTXOnset sends a tone burst after two seconds of near silence: DTX
// must have stopped sending in the silence and must pass the burst's first
// 20 ms at full level.
func TestDTXOnset(t *testing.T) {
	const onset = 2*codec.SampleRate + 77
	x := make([]float32, 3*codec.SampleRate)
	var rng uint32 = 1
	for i := range x { // −70 dBFS background noise
		rng = rng*1664525 + 1013904223
		x[i] = (float32(rng>>8)/(1<<24) - 0.5) * 0.0011
	}
	b := buzz(codec.SampleRate/2, 0.3)
	for i, v := range b {
		x[onset+i] += v
	}
	enc, _ := NewEncoder(codec.DefaultCodebook(), &EncoderConfig{DTX: true})
	dec := newTestDecoder(t, &DecoderConfig{0, 0, 0})
	y := loopback(t, enc, dec, x, 160)

	es := enc.Stats()
	if es.Silent < 60 {
		t.Errorf("DTX left %d of %d slots unsent in 2 s of silence, want at least 60", es.Silent, es.Speech+es.Silent)
	}
	if es.ComfortNoise < 2 || es.ComfortNoise > 1+es.Silent/cnInterval+1 {
		t.Errorf("%d comfort-noise updates for %d silent slots", es.ComfortNoise, es.Silent)
	}
	// The first 20 ms of the burst, where the decoder plays them.
	lag := EndToEnd(enc, dec).Samples - 160
	rms := func(v []float32) float64 {
		var s float64
		for _, a := range v {
			s += float64(a) * float64(a)
		}
		return math.Sqrt(s / float64(len(v)))
	}
	first := rms(y[onset+lag : onset+lag+codec.PacketSamples])
	steady := rms(y[onset+lag+4000 : onset+lag+6000])
	want := rms(x[onset : onset+codec.PacketSamples])
	t.Logf("first 20 ms: %.3f RMS (input %.3f), steady %.3f", first, want, steady)
	if first < 0.5*steady {
		t.Errorf("onset clipped: first 20 ms at %.3f RMS, steady state %.3f", first, steady)
	}
	if s := dec.Stats(); s.ComfortNoise < 60 || s.Concealed != 0 {
		t.Errorf("decoder played %d comfort-noise slots and concealed %d", s.ComfortNoise, s.Concealed)
	}
	// Comfort noise stays near the background's level: not silence, not loud.
	cn := rms(y[codec.SampleRate : codec.SampleRate+8000])
	bg := rms(x[codec.SampleRate : codec.SampleRate+8000])
	if cn < bg/4 || cn > bg*4 {
		t.Errorf("comfort noise at %.5f RMS, background %.5f", cn, bg)
	}
}

// TestDTXSpeech checks that DTX on real speech saves bits in the pauses
// and keeps the speech: every slot the encoder judged silent lies outside
// the loud parts.
func TestDTXSpeech(t *testing.T) {
	x := loadClip(t, "librispeech-367-f.wav")
	plain := packetize(t, x, nil)
	dtx := packetize(t, x, &EncoderConfig{DTX: true})
	var bp, bd int
	for _, p := range plain {
		bp += len(p.Payload)
	}
	for _, p := range dtx {
		bd += len(p.Payload)
	}
	saved := 1 - float64(bd)/float64(bp)
	t.Logf("DTX: %d → %d bytes (%.1f%% saved)", bp, bd, 100*saved)
	if saved <= 0.02 {
		t.Errorf("DTX saved %.1f%%", 100*saved)
	}
	// Every slot sent as a codec packet in the DTX stream is the same
	// packet as in the plain one, and the slots DTX skipped are quiet.
	sent := map[uint32]bool{}
	for _, p := range dtx {
		if len(p.Payload) != cnSize {
			sent[p.Timestamp] = true
		}
	}
	var peak float64
	for _, v := range x {
		peak = max(peak, math.Abs(float64(v)))
	}
	for _, p := range plain {
		if sent[p.Timestamp] {
			continue
		}
		lo := int(p.Timestamp) - codec.Delay
		var m float64
		for i := max(lo, 0); i < min(lo+codec.PacketSamples, len(x)); i++ {
			m = max(m, math.Abs(float64(x[i])))
		}
		if m > 0.3*peak {
			t.Errorf("slot at %d not sent though its peak is %.2f of the clip's", p.Timestamp, m/peak)
		}
	}
}
