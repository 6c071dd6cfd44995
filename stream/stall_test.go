package stream

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/vqspeak/vqspeak/codec"
)

// netSim is a call as the receiving app sees it, in 16 kHz samples of
// wall-clock time: packet k leaves the sender at k·PacketSamples and arrives
// delay plus up to jitter samples later (uniformly, so packets may overtake
// each other), unless drop[k]; the app pulls chunk-sample blocks on its sound
// card's clock, except during a stall of stallLen samples from stallAt
// (a phone or a loaded server not scheduling the audio thread), after
// which it pulls everything it owes at once, as a sound card's callback
// does when it catches up.
type netSim struct {
	pkts              []Packet
	drop              []bool
	delay, jitter     int64
	rng               *rand.Rand
	chunk             int64
	stallAt, stallLen int64
	// probe, if set, is called after every pull at wall-clock time now.
	probe func(now int64)
}

// run plays the call through dec and returns what it played.
func (s *netSim) run(t testing.TB, dec *Decoder) []float32 {
	t.Helper()
	type arrival struct {
		at int64
		k  int
	}
	var arr []arrival
	for k := range s.pkts {
		if s.drop != nil && s.drop[k] {
			continue
		}
		var j int64
		if s.jitter > 0 && k > 0 { // the first arrives early: the buffer sets its playout point from it
			j = s.rng.Int64N(s.jitter + 1)
		}
		arr = append(arr, arrival{int64(k)*codec.PacketSamples + s.delay + j, k})
	}
	slices.SortStableFunc(arr, func(a, b arrival) int { return int(a.at - b.at) })
	total := int64(len(s.pkts)+MaxDepth) * codec.PacketSamples
	out := make([]float32, total)
	j := 0
	for pulled := int64(0); pulled < total; pulled += s.chunk {
		// The chunk ending at pulled+chunk is due then, or at the end of a
		// stall it falls in.
		due := pulled + s.chunk
		if s.stallLen > 0 && due >= s.stallAt && due < s.stallAt+s.stallLen {
			due = s.stallAt + s.stallLen
		}
		for ; j < len(arr) && arr[j].at <= due; j++ {
			if err := dec.Push(s.pkts[arr[j].k]); err != nil {
				t.Fatal(err)
			}
		}
		dec.Pull(out[pulled:min(pulled+s.chunk, total)])
		if s.probe != nil {
			s.probe(due)
		}
	}
	return out
}

// callClip is the repository's four WAV clips in a row: 20 s of speech.
func callClip(t testing.TB) []float32 {
	var x []float32
	for _, name := range []string{"librispeech-367-f.wav", "librispeech-7312-m.wav", "fleurs-es-006.wav", "speechocean762-3088-child-m.wav"} {
		x = append(x, loadClip(t, name)...)
	}
	return x
}

// phases are network delays, in samples, that put the arrivals at
// different points of the sound card's 10 ms cycle.
var phases = []int64{0, 50, 100, 150}

// TestStallRecovery stalls the playout for 100, 200 and 500 ms in a call
// with 2 ms of network jitter and no loss. The catch-up after the stall
// finds a burst of packets waiting: the buffer must play them (or shed the
// excess) and then settle at its target, not mistake the early arrivals of
// the catch-up for the network's usual timing and play a packet short for
// seconds, concealing every late one.
func TestStallRecovery(t *testing.T) {
	pkts := packetize(t, callClip(t), nil)
	end := int64(len(pkts)) * codec.PacketSamples
	const at = 3 * codec.SampleRate
	for _, stallMS := range []int64{100, 200, 500} {
		for _, phase := range phases {
			t.Run(fmt.Sprintf("%d ms, delay %d", stallMS, phase), func(t *testing.T) {
				dec := newTestDecoder(t, nil)
				stallEnd := at + stallMS*codec.SampleRate/1000
				settled := stallEnd + codec.SampleRate/2
				// After the second that follows, the stall is forgotten; later
				// changes of the target are the steering's ordinary business.
				checked := settled + codec.SampleRate
				concealedAtStallEnd, concealedAtEnd := int64(-1), int64(-1)
				var offTarget []string
				s := &netSim{
					pkts: pkts, delay: phase, jitter: 2 * codec.SampleRate / 1000, rng: rand.New(rand.NewPCG(14, 1)),
					chunk: codec.PacketSamples / 2, stallAt: at, stallLen: stallMS * codec.SampleRate / 1000,
					probe: func(now int64) {
						st := dec.Stats()
						if now == stallEnd && concealedAtStallEnd < 0 {
							concealedAtStallEnd = st.Concealed
						}
						if now >= end && concealedAtEnd < 0 {
							concealedAtEnd = st.Concealed // then the stream runs dry
						}
						// Once settled, the buffer holds what it aims for: the
						// earliest arrivals wait from target to target+1
						// packets (it steers within that packet).
						depth := dec.Delay().Samples
						if now >= settled && now < min(checked, end) && len(offTarget) < 5 &&
							(depth < st.TargetDepth*codec.PacketSamples || depth >= (st.TargetDepth+1)*codec.PacketSamples) {
							offTarget = append(offTarget, fmt.Sprintf("%.2f s: depth %d samples, target %d packets",
								float64(now)/codec.SampleRate, depth, st.TargetDepth))
						}
					},
				}
				s.run(t, dec)
				st := dec.Stats()
				t.Logf("after the stall: %d slots concealed, %d late, %d skipped, %d stretched; target %d, jitter %d samples",
					concealedAtEnd-concealedAtStallEnd, st.Late, st.Skipped, st.Stretched, st.TargetDepth, st.Jitter)
				if st.Lost != 0 || st.Received != int64(len(pkts)) {
					t.Fatalf("received %d of %d, lost %d: the simulation lost packets", st.Received, len(pkts), st.Lost)
				}
				if c := concealedAtEnd - concealedAtStallEnd; c > 3 {
					t.Errorf("%d slots concealed after the stall, want at most 3 (no packet was lost)", c)
				}
				if len(offTarget) > 0 {
					t.Errorf("0.5 to 1.5 s after the stall the buffer is off its target: %v", offTarget)
				}
			})
		}
	}
}

// TestFECUnderJitter drops 10 % of packets at random in a call with 0–2
// and 0–10 ms of network jitter: FEC must still rebuild nearly every loss,
// which it can only do if the buffer holds the next packet (and its copy
// of the lost one) when the lost slot's turn comes, jitter included.
func TestFECUnderJitter(t *testing.T) {
	pkts := packetize(t, callClip(t), &EncoderConfig{FEC: true})
	for _, jitterMS := range []int64{2, 10} {
		for _, phase := range phases {
			t.Run(fmt.Sprintf("0-%d ms, delay %d", jitterMS, phase), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(14, uint64(jitterMS)))
				drop := make([]bool, len(pkts))
				for k := range drop {
					drop[k] = k > 0 && rng.Float64() < 0.1 // the first packet starts the stream
				}
				dec := newTestDecoder(t, nil)
				s := &netSim{pkts: pkts, drop: drop, delay: phase, jitter: jitterMS * codec.SampleRate / 1000, rng: rng, chunk: codec.PacketSamples / 2}
				s.run(t, dec)
				st := dec.Stats()
				rate := float64(st.Recovered) / float64(st.Lost)
				t.Logf("%d lost, %d rebuilt (%.0f %%), %d concealed, %d late; target %d", st.Lost, st.Recovered, 100*rate, st.Concealed, st.Late, st.TargetDepth)
				if rate < 0.85 {
					t.Errorf("FEC rebuilt %.0f %% of %d losses, want at least 85 %%", 100*rate, st.Lost)
				}
			})
		}
	}
}
