package stream

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/vqspeak/vqspeak/codec"
)

var fixedDepth1 = DecoderConfig{MinDepth: 1, StartDepth: 1, MaxDepth: 1}

func TestJitterBuffer(t *testing.T) {
	x := loadClip(t, "librispeech-367-f.wav")[:3*codec.SampleRate]
	base := packetize(t, x, nil)
	wrapped := packetize(t, x, &EncoderConfig{Seq: 65530, Timestamp: math.MaxUint32 - 5*codec.PacketSamples + 1})

	tests := []struct {
		name    string
		pkts    []Packet
		deliver func([]Packet) []delivery
		want    Stats // the counters compared
	}{
		{"in order", base, inOrder, Stats{Received: int64(len(base))}},
		{"reordered within the depth", base, func(p []Packet) []delivery {
			ds := inOrder(p)
			for _, k := range []int{20, 50, 90} {
				ds[k].tick++ // overtaken by the next packet
				ds[k], ds[k+1] = ds[k+1], ds[k]
			}
			return ds
		}, Stats{Received: int64(len(base))}},
		{"late packets dropped", base, func(p []Packet) []delivery {
			ds := inOrder(p)
			for _, k := range []int{30, 70} {
				ds[k].tick += 3
			}
			slices.SortStableFunc(ds, func(a, b delivery) int { return a.tick - b.tick })
			return ds
		}, Stats{Received: int64(len(base)), Late: 2, Concealed: 2}},
		{"duplicates dropped", base, func(p []Packet) []delivery {
			var ds []delivery
			for k, pk := range p {
				ds = append(ds, delivery{k, pk})
				if k%10 == 3 {
					ds = append(ds, delivery{k, pk}, delivery{k + 1, pk})
				}
			}
			slices.SortStableFunc(ds, func(a, b delivery) int { return a.tick - b.tick })
			return ds
		}, Stats{Received: int64(len(base)), Duplicates: 2 * int64((len(base)+6)/10)}},
		{"wraparound at 65535 and 2^32", wrapped, inOrder, Stats{Received: int64(len(wrapped))}},
		{"single losses", base, func(p []Packet) []delivery {
			ds := inOrder(p)
			return slices.Delete(slices.Delete(ds, 80, 81), 40, 41)
		}, Stats{Received: int64(len(base)) - 2, Lost: 2, Concealed: 2}},
		{"burst loss concealed", base, func(p []Packet) []delivery {
			return slices.Delete(inOrder(p), 60, 63)
		}, Stats{Received: int64(len(base)) - 3, Lost: 3, Concealed: 3}},
		{"long gap resets", base, func(p []Packet) []delivery {
			ds := inOrder(p)
			for k := 100; k < len(ds); k++ {
				ds[k].pkt.Timestamp += 10 * codec.SampleRate // the sender's clock jumps 10 s
			}
			return ds
		}, Stats{Received: int64(len(base)), Resets: 1}},
		{"sequence numbers restart, a loss on each side", base, func(p []Packet) []delivery {
			ds := inOrder(p)
			for k := 100; k < len(ds); k++ {
				ds[k].pkt.Seq += 20000 // a new numbering, the timestamps go on
			}
			return slices.Delete(slices.Delete(ds, 120, 121), 50, 51)
		}, Stats{Received: int64(len(base)) - 2, Lost: 2, Concealed: 2, Resets: 1}},
		{"sequence-number storm", base, func(p []Packet) []delivery {
			ds := inOrder(p)
			for k := range ds {
				ds[k].pkt.Seq += uint16(k * 30000) // every packet 30,000 ahead of the last: not 30,000 losses
			}
			return ds
		}, Stats{Received: int64(len(base))}},
		{"a packet from far back", base, func(p []Packet) []delivery {
			ds := inOrder(p)
			ds[80].pkt.Seq -= 1000 // a stray: its number is missing from the run, not 1000 others
			return ds
		}, Stats{Received: int64(len(base)), Lost: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dec := newTestDecoder(t, &fixedDepth1)
			ds := tc.deliver(tc.pkts)
			out := playout(t, dec, ds, len(tc.pkts)+1)
			got := dec.Stats()
			counters := func(s Stats) [8]int64 {
				return [8]int64{s.Received, s.Late, s.Lost, s.Duplicates, s.Invalid, s.Concealed, s.Recovered, s.Resets}
			}
			if counters(got) != counters(tc.want) {
				t.Errorf("received, late, lost, duplicates, invalid, concealed, recovered, resets = %v, want %v",
					counters(got), counters(tc.want))
			}
			for i, v := range out {
				if v != v || v < -1 || v > 1 {
					t.Fatalf("sample %d = %v", i, v)
				}
			}
		})
	}
}

// TestJitterBufferRepairsAudio checks that a reordered stream decodes to
// exactly the audio of an ordered one.
func TestJitterBufferRepairsAudio(t *testing.T) {
	x := loadClip(t, "librispeech-7312-m.wav")[:2*codec.SampleRate]
	pkts := packetize(t, x, nil)
	ref := playout(t, newTestDecoder(t, &fixedDepth1), inOrder(pkts), len(pkts)+1)
	ds := inOrder(pkts)
	for k := 5; k+1 < len(ds); k += 7 {
		ds[k].tick++
		ds[k], ds[k+1] = ds[k+1], ds[k]
	}
	got := playout(t, newTestDecoder(t, &fixedDepth1), ds, len(pkts)+1)
	if !slices.Equal(got, ref) {
		t.Fatal("reordering within the buffer depth changed the audio")
	}
}

// TestSequenceStormBounded feeds a minute of packets whose sequence numbers
// are random (an attacker's or a broken sender's) and whose timestamps are
// right: the losses reported can never exceed the slots that passed.
func TestSequenceStormBounded(t *testing.T) {
	x := loadClip(t, "librispeech-367-f.wav")[:2*codec.SampleRate]
	pkts := packetize(t, x, nil)
	rng := rand.New(rand.NewPCG(18, 8))
	var ds []delivery
	const slots = 3000 // 60 s
	for k := range slots {
		p := pkts[k%len(pkts)]
		p.Seq = uint16(rng.Uint32())
		p.Timestamp = uint32(k * codec.PacketSamples)
		ds = append(ds, delivery{k, p})
	}
	dec := newTestDecoder(t, &fixedDepth1)
	playout(t, dec, ds, slots+1)
	st := dec.Stats()
	t.Logf("received %d, lost %d, resets %d", st.Received, st.Lost, st.Resets)
	if st.Received != slots || st.Lost > slots {
		t.Errorf("received %d, lost %d in %d slots", st.Received, st.Lost, slots)
	}
}

// TestPlayoutTimestamp checks that PlayoutTimestamp names the sample Pull
// delivers next: with one packet of prebuffer, after the pull of tick t
// (packet t pushed just before it), the first sample of packet t, in 10 ms
// pulls and across a loss.
func TestPlayoutTimestamp(t *testing.T) {
	x := loadClip(t, "librispeech-367-f.wav")[:codec.SampleRate]
	pkts := packetize(t, x, &EncoderConfig{Timestamp: math.MaxUint32 - 10*codec.PacketSamples})
	dec := newTestDecoder(t, &fixedDepth1)
	if _, ok := dec.PlayoutTimestamp(); ok {
		t.Error("a timestamp before the first packet")
	}
	buf := make([]float32, codec.PacketSamples/2)
	for k, p := range pkts {
		if k != 20 {
			if err := dec.Push(p); err != nil {
				t.Fatal(err)
			}
		}
		for half := range 2 {
			dec.Pull(buf)
			want := pkts[0].Timestamp + uint32(k*codec.PacketSamples+(half-1)*codec.PacketSamples/2)
			if ts, ok := dec.PlayoutTimestamp(); ts != want || !ok {
				t.Fatalf("tick %d.%d: timestamp %d, %v; want %d", k, half, ts, ok, want)
			}
		}
	}
}
