package loss

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/stream"
)

// A Network is a condition of the real-time table: random loss, network
// jitter and one stall of the playout, played through a stream.Decoder
// with its default adaptive buffer as a call app does: packet k leaves at
// k·20 ms and arrives a fixed delay plus up to JitterMS later (uniformly;
// packets overtake each other), and the app pulls 10 ms at a time on its
// sound card's clock, each chunk when it starts playing, except during the
// stall, after which it pulls what it owes at once. The fixed delay, drawn
// per clip from 0 to 10 ms, is the phase of the arrivals against the pulls:
// the buffer sees an arrival only at the next pull, so whether 2 ms of
// jitter looks like none or like 10 ms depends on it.
type Network struct {
	Name     string  `json:"name"`
	Rate     float64 `json:"rate"`      // independent random losses
	JitterMS int     `json:"jitter_ms"` // the most a packet arrives late
	StallMS  int     `json:"stall_ms"`  // one playout stall, StallAtMS into each clip
}

// StallAtMS is when a Network's playout stall starts in each clip.
const StallAtMS = 1000

// DefaultNetworks are the rows of the real-time table.
var DefaultNetworks = []Network{
	{Name: "no loss, no jitter"},
	{Name: "0–2 ms jitter", JitterMS: 2},
	{Name: "0–10 ms jitter", JitterMS: 10},
	{Name: "10 % random, 0–2 ms jitter", Rate: 0.1, JitterMS: 2},
	{Name: "10 % random, 0–10 ms jitter", Rate: 0.1, JitterMS: 10},
	{Name: "one 100 ms stall, 0–2 ms jitter", JitterMS: 2, StallMS: 100},
	{Name: "one 200 ms stall, 0–2 ms jitter", JitterMS: 2, StallMS: 200},
	{Name: "one 500 ms stall, 0–2 ms jitter", JitterMS: 2, StallMS: 500},
}

// NetRow is one Network measured with and without FEC.
type NetRow struct {
	Network Network `json:"network"`
	Packets int64   `json:"packets"`
	Lost    int64   `json:"lost"`
	// Plain is the stream without FEC, FEC the stream with it.
	Plain NetScore `json:"plain"`
	FEC   NetScore `json:"fec"`
}

// NetScore is one receiver's result under a Network, over all files.
type NetScore struct {
	Score
	// Counts summed over the files (see stream.Stats).
	Recovered int64 `json:"recovered"`
	Concealed int64 `json:"concealed"`
	Late      int64 `json:"late"`
	Stretched int64 `json:"stretched"`
	Skipped   int64 `json:"skipped"`
	// MouthToEarMS is the median over the files of each file's median
	// delay from capture to playout: codec, network and buffer.
	MouthToEarMS float64 `json:"mouth_to_ear_ms"`
}

// netResult is one clip's measurement of one receiver under one Network.
type netResult struct {
	score   fs2
	stats   stream.Stats
	delayMS float64 // median mouth-to-ear
	lost    int64
}

// measureNetwork plays pkts (the stream of x, first timestamp 0) through
// dec under nw, with the losses of mask.
func measureNetwork(x []float32, dec *stream.Decoder, pkts []stream.Packet, mask []bool, nw Network, phase int64, rng *rand.Rand) (netResult, error) {
	dec.Reset()
	type arrival struct {
		at int64
		k  int
	}
	var arr []arrival
	jitter := int64(nw.JitterMS) * codec.SampleRate / 1000
	var lost int64
	for k := range pkts {
		if mask[k] {
			lost++
			continue
		}
		var j int64
		if jitter > 0 {
			j = rng.Int64N(jitter + 1)
		}
		arr = append(arr, arrival{int64(pkts[k].Timestamp) + phase + j, k})
	}
	slices.SortStableFunc(arr, func(a, b arrival) int { return int(a.at - b.at) })
	stallAt := int64(StallAtMS * codec.SampleRate / 1000)
	stallEnd := stallAt + int64(nw.StallMS)*codec.SampleRate/1000
	total := int64(len(pkts)+stream.MaxDepth) * codec.PacketSamples
	y := make([]float32, chunk)
	heard := make([]float32, len(x)) // x as played back in place; silence where nothing played it
	placed := make([]bool, len(x))
	var delays []int64
	var st stream.Stats
	snap := false // st holds the counts when the last slot has played
	end := int64(len(pkts)) * codec.PacketSamples
	j := 0
	for pulled := int64(0); pulled < total; pulled += chunk {
		due := pulled // the chunk that plays from due is pulled then
		if due >= stallAt && due < stallEnd {
			due = stallEnd
		}
		for ; j < len(arr) && arr[j].at <= due; j++ {
			if err := dec.Push(pkts[arr[j].k]); err != nil {
				return netResult{}, err
			}
		}
		ts, ok := dec.PlayoutTimestamp()
		if ok && !snap && int64(int32(ts)) >= end {
			st, snap = dec.Stats(), true // not the concealment after the stream ends
		}
		dec.Pull(y)
		if !ok {
			continue
		}
		// Sample ts of the stream is input sample ts − Delay. Times here
		// run a packet behind the capture clock: packet k leaves when its
		// last input sample is in, at (k+1)·320; sample ts plays from due,
		// when the app pulls it.
		in := int64(int32(ts)) - codec.Delay
		delays = append(delays, due+codec.PacketSamples-in)
		// Each input sample scores what played in its place the first
		// time: a slot the buffer shed stays silent, a slot it stretched
		// (an extra concealed one, played with the timestamps of the slot
		// before it) is left out, a concealed one counts.
		for i, v := range y {
			if t := in + int64(i); t >= 0 && t < int64(len(x)) && !placed[t] {
				heard[t], placed[t] = v, true
			}
		}
	}
	if !snap {
		st = dec.Stats()
	}
	r := netResult{stats: st, lost: lost}
	slices.Sort(delays)
	if len(delays) > 0 {
		r.delayMS = float64(delays[len(delays)/2]) * 1000 / codec.SampleRate
	}
	var err error
	r.score, err = score(x, heard)
	return r, err
}

// chunk is how much the app pulls at a time: 10 ms.
const chunk = codec.PacketSamples / 2

// netPhase is a clip's network delay modulo a pull (see Network).
func netPhase(seed uint64, clip string) int64 {
	return netRNG(seed, clip, Network{Name: "phase"}).Int64N(chunk)
}

// netRNG is the jitter generator of one clip and Network.
func netRNG(seed uint64, clip string, nw Network) *rand.Rand {
	h := fnv.New64a()
	fmt.Fprintf(h, "net|%s|%s", clip, nw.Name)
	return rand.New(rand.NewPCG(seed, h.Sum64()))
}
