package main

import (
	"math/rand/v2"

	"github.com/vqspeak/vqspeak/stream"
)

// netSim is the simulated network of "vqspeak loopback": each packet is lost
// with probability loss, else delivered after a delay drawn uniformly from
// [0, jitter] samples, so packets may arrive out of order. Time is counted in
// 16 kHz samples of the capture clock, not wall time, which makes a run
// repeatable: the same seed and the same input give the same arrivals.
// It allocates only in newNetSim (payloads up to maxSimPayload bytes).
type netSim struct {
	rng    *rand.Rand
	loss   float64
	jitter int64
	flight []inFlight // packets in the air, unordered
	stats  netStats
}

// netStats counts a netSim's traffic.
type netStats struct {
	Sent, Dropped, Delivered int64
	DelaySum                 int64 // samples, over delivered packets
}

type inFlight struct {
	sent  int64
	due   int64
	order int64 // send order, to break ties between equal due times
	pkt   stream.Packet
}

// maxSimPayload is the payload size a netSim holds without allocating; a
// stream payload (codec packet plus FEC) is a few tens of bytes at most.
const maxSimPayload = 64

// newNetSim makes a link losing the fraction loss of packets (0..1) with up
// to jitter samples of random delay, its random choices seeded by seed.
func newNetSim(seed uint64, loss float64, jitter int64) *netSim {
	n := &netSim{
		rng:    rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)),
		loss:   loss,
		jitter: jitter,
	}
	// At one packet per 320 samples, at most jitter/320+1 are ever in the air.
	slots := int(jitter/320) + 4
	n.flight = make([]inFlight, 0, slots)
	backing := make([]byte, slots*maxSimPayload)
	for i := range slots {
		n.flight = append(n.flight, inFlight{pkt: stream.Packet{Payload: backing[i*maxSimPayload : i*maxSimPayload : (i+1)*maxSimPayload]}})
	}
	n.flight = n.flight[:0]
	return n
}

// Send puts a packet on the link at time now (samples). The payload is
// copied. Both random draws are made for every packet, so that the loss
// pattern does not depend on the jitter setting and vice versa.
func (n *netSim) Send(p stream.Packet, now int64) {
	lost := n.rng.Float64() < n.loss
	delay := n.rng.Int64N(n.jitter + 1)
	n.stats.Sent++
	if lost {
		n.stats.Dropped++
		return
	}
	if len(n.flight) == cap(n.flight) { // not with the sizing above; stay correct anyway
		n.flight = append(n.flight, inFlight{pkt: stream.Packet{Payload: make([]byte, 0, maxSimPayload)}})
	} else {
		n.flight = n.flight[:len(n.flight)+1] // reuses the slot's payload buffer
	}
	f := &n.flight[len(n.flight)-1]
	f.sent = now
	f.due = now + delay
	f.order = n.stats.Sent
	f.pkt.Seq, f.pkt.Timestamp = p.Seq, p.Timestamp
	f.pkt.Payload = append(f.pkt.Payload[:0], p.Payload...)
}

// Deliver hands every packet due by time now to recv, earliest first, and
// returns recv's first error (delivery goes on regardless). The payload is
// only valid during the call.
func (n *netSim) Deliver(now int64, recv func(stream.Packet) error) error {
	var first error
	for {
		best := -1
		for i := range n.flight {
			f := &n.flight[i]
			if f.due <= now && (best < 0 || f.due < n.flight[best].due ||
				f.due == n.flight[best].due && f.order < n.flight[best].order) {
				best = i
			}
		}
		if best < 0 {
			return first
		}
		f := &n.flight[best]
		n.stats.Delivered++
		n.stats.DelaySum += now - f.sent // what it really waited, at the caller's time step
		if err := recv(f.pkt); err != nil && first == nil {
			first = err
		}
		last := len(n.flight) - 1
		n.flight[best], n.flight[last] = n.flight[last], n.flight[best]
		n.flight = n.flight[:last]
	}
}

// Stats returns the counts so far.
func (n *netSim) Stats() netStats { return n.stats }
