package stream

import (
	"math"
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
