package codec_test

import (
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/vqspeak/vqspeak/codec"
)

// TestSoak streams an hour of speech (the bundled clips, looped) through an
// Encoder and a Decoder with 5 % random packet loss, and checks that
//   - the output stays exactly in step with the input: one packet of samples
//     out for every packet in, lost or not;
//   - every sample is finite and within [-1, 1];
//   - the live heap stays flat: no state or buffer grows with stream length.
//
// It takes minutes, so it runs only when asked:
//
//	VQSPEAK_SOAK=1 go test -run '^TestSoak$' -v -timeout 30m ./codec
//
// VQSPEAK_SOAK_MINUTES changes the length (default 60).
func TestSoak(t *testing.T) {
	if testing.Short() || os.Getenv("VQSPEAK_SOAK") != "1" {
		t.Skip("set VQSPEAK_SOAK=1 (and no -short) to run the one-hour soak test")
	}
	minutes := 60
	if s := os.Getenv("VQSPEAK_SOAK_MINUTES"); s != "" {
		m, err := strconv.Atoi(s)
		if err != nil || m < 1 {
			t.Fatalf("VQSPEAK_SOAK_MINUTES=%q", s)
		}
		minutes = m
	}
	var loop []float32
	for _, c := range robustClips(t) {
		loop = append(loop, c...)
	}
	cb := codec.DefaultCodebook()
	enc, err := codec.NewEncoder(cb, codec.DefaultStages)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := codec.NewDecoder(cb)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))

	total := minutes * 60 * int(time.Second/codec.PacketDuration) // packets
	const checkEvery = 5 * 60 * 50                                // five minutes of packets
	var (
		pcm      = make([]float32, codec.PacketSamples)
		pkt      = make([]byte, 0, 16)
		out      = make([]float32, 0, 8*codec.PacketSamples)
		pos      int
		outTotal int64
		lost     int
		heaps    []uint64
		peak     float32
	)
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	start := time.Now()
	base := heap()
	for p := 0; p < total; p++ {
		// Next 20 ms of the looped clips; every other pass at a lower level,
		// and the stage count changes every minute, as a live call would.
		gain := float32(1)
		if (pos/len(loop))%2 == 1 {
			gain = 0.25
		}
		for i := range pcm {
			pcm[i] = gain * loop[pos%len(loop)]
			pos++
		}
		if p%3000 == 0 {
			if err := enc.SetStages(1 + (p/3000)%cb.NumStages()); err != nil {
				t.Fatal(err)
			}
		}
		if pkt, err = enc.Encode(pkt[:0], pcm); err != nil {
			t.Fatal(err)
		}
		if rng.Float64() < 0.05 {
			out = dec.Conceal(out[:0])
			lost++
		} else if out, err = dec.Decode(out[:0], pkt); err != nil {
			t.Fatalf("packet %d: %v", p, err)
		}
		if len(out) != codec.PacketSamples {
			t.Fatalf("packet %d: %d samples out", p, len(out))
		}
		for i, v := range out {
			if !(v >= -1 && v <= 1) {
				t.Fatalf("packet %d sample %d = %v", p, i, v)
			}
			peak = max(peak, v, -v)
		}
		outTotal += int64(len(out))
		if (p+1)%checkEvery == 0 {
			h := heap()
			heaps = append(heaps, h)
			t.Logf("%3d min of audio in %v: heap %.2f MB (start %.2f MB), %d lost, output %d samples = %d packets",
				(p+1)/3000, time.Since(start).Round(time.Second), float64(h)/1e6, float64(base)/1e6, lost, outTotal, outTotal/codec.PacketSamples)
		}
	}
	if want := int64(total) * codec.PacketSamples; outTotal != want {
		t.Errorf("%d samples out for %d packets in, want %d", outTotal, total, want)
	}
	if lost < total*4/100 || lost > total*6/100 {
		t.Errorf("%d of %d packets lost, want about 5 %%", lost, total)
	}
	if peak < 0.05 {
		t.Errorf("peak output %v: the decoder went quiet", peak)
	}
	lo, hi := base, base
	for _, h := range heaps {
		lo, hi = min(lo, h), max(hi, h)
	}
	t.Logf("%d packets (%d min) in %v, %.0f× real time; heap %.2f..%.2f MB; %d lost",
		total, minutes, time.Since(start).Round(time.Second), float64(minutes)*60/time.Since(start).Seconds(),
		float64(lo)/1e6, float64(hi)/1e6, lost)
	if hi-lo > 2<<20 {
		t.Errorf("heap grew from %.2f MB to %.2f MB over the run", float64(lo)/1e6, float64(hi)/1e6)
	}
}
