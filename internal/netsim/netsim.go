// Package netsim is a simulated network link for stream packets: random
// loss and random delay (so reordering), counted in samples of the sender's
// clock rather than wall time, so a run is repeatable for a seed. "vqspeak
// loopback" puts it between the microphone's encoder and the speaker's
// jitter buffer.
package netsim

import (
	"math/rand/v2"

	"github.com/vqspeak/vqspeak/stream"
)

// Link is a simulated network: each packet is lost
// with probability loss, else delivered after a delay drawn uniformly from
// [0, jitter] samples, so packets may arrive out of order. Time is counted in
// 16 kHz samples of the capture clock, not wall time, which makes a run
// repeatable: the same seed and the same input give the same arrivals.
// It allocates only in New (payloads up to maxPayload bytes).
type Link struct {
	rng    *rand.Rand
	loss   float64
	jitter int64
	flight []inFlight // packets in the air, unordered
	stats  Stats
}

// Stats counts a Link's traffic.
type Stats struct {
	Sent, Dropped, Delivered int64
	DelaySum                 int64 // samples, over delivered packets
}

type inFlight struct {
	sent  int64
	due   int64
	order int64 // send order, to break ties between equal due times
	pkt   stream.Packet
}

// maxPayload is the payload size a Link holds without allocating; a
// stream payload (codec packet plus FEC) is a few tens of bytes at most.
const maxPayload = 64

// New makes a link losing the fraction loss of packets (0..1) with up
// to jitter samples of random delay, its random choices seeded by seed.
func New(seed uint64, loss float64, jitter int64) *Link {
	n := &Link{
		rng:    rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)),
		loss:   loss,
		jitter: jitter,
	}
	// At one packet per 320 samples, at most jitter/320+1 are ever in the air.
	slots := int(jitter/320) + 4
	n.flight = make([]inFlight, 0, slots)
	backing := make([]byte, slots*maxPayload)
	for i := range slots {
		n.flight = append(n.flight, inFlight{pkt: stream.Packet{Payload: backing[i*maxPayload : i*maxPayload : (i+1)*maxPayload]}})
	}
	n.flight = n.flight[:0]
	return n
}

// Send puts a packet on the link at time now (samples). The payload is
// copied. Both random draws are made for every packet, so that the loss
// pattern does not depend on the jitter setting and vice versa.
func (n *Link) Send(p stream.Packet, now int64) {
	lost := n.rng.Float64() < n.loss
	delay := n.rng.Int64N(n.jitter + 1)
	n.stats.Sent++
	if lost {
		n.stats.Dropped++
		return
	}
	if len(n.flight) == cap(n.flight) { // not with the sizing above; stay correct anyway
		n.flight = append(n.flight, inFlight{pkt: stream.Packet{Payload: make([]byte, 0, maxPayload)}})
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
func (n *Link) Deliver(now int64, recv func(stream.Packet) error) error {
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
func (n *Link) Stats() Stats { return n.stats }
