package stream

import (
	"testing"

	"github.com/vqspeak/vqspeak/bench/metrics"
	"github.com/vqspeak/vqspeak/codec"
)

// TestFECBeatsConcealment drops every fifth packet: with FEC each is
// rebuilt from the next packet's copy, and intelligibility (STOI) stays
// measurably closer to the loss-free stream than with concealment.
func TestFECBeatsConcealment(t *testing.T) {
	x := loadClip(t, "librispeech-7312-m.wav")
	drop := func(pkts []Packet) []delivery {
		var ds []delivery
		for k, p := range pkts {
			if k%5 != 2 {
				ds = append(ds, delivery{k, p})
			}
		}
		return ds
	}
	score := func(y []float32) float64 {
		r, d := metrics.Compensate(x, y, metrics.Align(x, y, 1600))
		s, err := metrics.STOI(r, d, codec.SampleRate)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	plain := packetize(t, x, nil)
	fec := packetize(t, x, &EncoderConfig{FEC: true})
	ticks := len(plain) + 1

	clean := score(playout(t, newTestDecoder(t, &fixedDepth1), inOrder(plain), ticks))
	plcDec := newTestDecoder(t, &fixedDepth1)
	plc := score(playout(t, plcDec, drop(plain), ticks))
	fecDec := newTestDecoder(t, &fixedDepth1)
	rec := score(playout(t, fecDec, drop(fec), ticks))
	t.Logf("STOI: no loss %.3f, 20%% single losses: concealed %.3f, FEC %.3f", clean, plc, rec)

	lost := int64(len(plain)+2) / 5
	if s := fecDec.Stats(); s.Recovered != lost || s.Concealed != 0 {
		t.Errorf("FEC recovered %d and concealed %d of %d losses", s.Recovered, s.Concealed, lost)
	}
	if s := plcDec.Stats(); s.Concealed != lost {
		t.Errorf("concealed %d of %d losses", s.Concealed, lost)
	}
	if rec < plc+0.01 {
		t.Errorf("FEC STOI %.3f, concealment %.3f: want FEC at least 0.01 better", rec, plc)
	}
	if rec > clean+0.005 {
		t.Errorf("FEC STOI %.3f above the loss-free %.3f", rec, clean)
	}
}

func TestFraming(t *testing.T) {
	fr, err := newFraming(codec.DefaultCodebook())
	if err != nil {
		t.Fatal(err)
	}
	pk := codec.Packet{Stages: 4, Index: [codec.MaxStages]int{1023, 5, 6, 7}, F0: 127, Voicing: 5, Energy: 63, MidF0: 2, MidVoice: 3, MidEnergy: 6}
	b := fr.appendFEC(nil, &pk)
	if len(b) != fr.fecSize || fr.fecSize != 4 {
		t.Fatalf("FEC section of %d bytes (fecSize %d), want 4", len(b), fr.fecSize)
	}
	var got codec.Packet
	fr.parseFEC(&got, b)
	want := codec.Packet{Stages: 1, Index: [codec.MaxStages]int{1023}, F0: 127, Voicing: 5, Energy: 63, MidF0: 4, MidVoice: 3, MidEnergy: 6}
	if got != want {
		t.Errorf("FEC round trip: got %+v, want %+v", got, want)
	}
	for _, tc := range []struct {
		n    int
		kind payloadKind
		ok   bool
	}{{2, kindNoise, true}, {5, kindCodec, true}, {8, kindCodec, true}, {9, kindCodecFEC, true}, {12, kindCodecFEC, true},
		{0, 0, false}, {1, 0, false}, {3, 0, false}, {4, 0, false}, {13, 0, false}, {1000, 0, false}} {
		k, err := fr.kind(tc.n)
		if (err == nil) != tc.ok || tc.ok && k != tc.kind {
			t.Errorf("%d bytes: kind %d, %v; want %d, ok %v", tc.n, k, err, tc.kind, tc.ok)
		}
	}
	e, tilt, err := parseNoise(appendNoise(nil, 37, -0.7))
	if err != nil || e != 37 || tilt < -0.7-1.0/64 || tilt > -0.7+1.0/64 {
		t.Errorf("comfort noise round trip: %d, %v, %v", e, tilt, err)
	}
	if _, _, err := parseNoise([]byte{0x80, 0}); err == nil {
		t.Error("comfort noise of version 2 accepted")
	}
}
