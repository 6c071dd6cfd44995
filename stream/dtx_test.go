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

// TestDTXOnsetMatchesPlain: where DTX resumes sending on real speech, the
// first 40 ms decode at the level they have without DTX (within 3 dB),
// because the encoder codes the first packet against the comfort noise the
// receiver played (codec.Encoder.FollowComfortNoise), not against packets
// it never sent.
func TestDTXOnsetMatchesPlain(t *testing.T) {
	const window = 2 * codec.PacketSamples
	energy := func(v []float32) float64 {
		var s float64
		for _, a := range v {
			s += float64(a) * float64(a)
		}
		return s/float64(len(v)) + 1e-12
	}
	onsets := 0
	for _, name := range []string{"librispeech-367-f.wav", "speechocean762-3088-child-m.wav", "fleurs-es-006.wav", "librispeech-7312-m.wav"} {
		x := loadClip(t, name)
		run := func(cfg *EncoderConfig) []float32 {
			enc, _ := NewEncoder(codec.DefaultCodebook(), cfg)
			dec := newTestDecoder(t, &DecoderConfig{0, 0, 0})
			emit := func(p Packet) error { return dec.Push(p) }
			out := make([]float32, len(x))
			for i := 0; i < len(x); i += 160 {
				j := min(i+160, len(x))
				if err := enc.Push(x[i:j], emit); err != nil {
					t.Fatal(err)
				}
				dec.Pull(out[i:j])
			}
			// Slot k's audio starts where the decoder plays it.
			lag := EndToEnd(enc, dec).Samples - codec.Delay
			return out[lag:]
		}
		plain, dtx := run(nil), run(&EncoderConfig{DTX: true})
		// The slots DTX sent in full, from their timestamps.
		pkts := packetize(t, x, &EncoderConfig{DTX: true})
		full := make(map[int]bool)
		for _, p := range pkts {
			if len(p.Payload) > cnSize {
				full[int(p.Timestamp-pkts[0].Timestamp)/codec.PacketSamples] = true
			}
		}
		loudest := 0.0
		for i := 0; i+codec.PacketSamples <= len(plain); i += codec.PacketSamples {
			loudest = max(loudest, energy(plain[i:i+codec.PacketSamples]))
		}
		for k := 1; (k+2)*codec.PacketSamples <= len(dtx); k++ {
			if !full[k] || full[k-1] {
				continue
			}
			a, b := k*codec.PacketSamples, k*codec.PacketSamples+window
			ep, ed := energy(plain[a:b]), energy(dtx[a:b])
			if ep < loudest/1000 { // not speech: more than 30 dB down
				continue
			}
			onsets++
			if d := 10 * math.Log10(ed/ep); math.Abs(d) > 3 {
				t.Errorf("%s: onset at %.2f s decodes %+.1f dB against no DTX", name, float64(a)/codec.SampleRate, d)
			}
		}
	}
	t.Logf("%d speech onsets after DTX silence", onsets)
	if onsets < 3 {
		t.Errorf("only %d speech onsets after DTX silence in the clips", onsets)
	}
}
