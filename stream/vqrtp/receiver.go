package vqrtp

import (
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
	"github.com/vqspeak/vqspeak/stream"
)

// ReceiverConfig says which datagrams a Receiver accepts: those of the
// session's negotiated peer and payload type, as a VoIP endpoint does.
type ReceiverConfig struct {
	// PayloadType is the RTP payload type of the session (the SDP's
	// a=rtpmap number); packets of any other are ignored.
	PayloadType uint8
	// Peer, if valid, is the only source address accepted. Otherwise the
	// Receiver latches to the source of the first valid packet and ignores
	// every other address for the rest of the call.
	Peer netip.AddrPort
}

// Receiver is the receiving end of a call: it turns RTP datagrams into
// stream packets for a jitter buffer (stream.Decoder). It counts what is not
// RTP of this payload format, numbers each packet's frames (AppendPackets), and
// sticks to one source address and one sender (SSRC). Only the source it
// accepted may restart the stream with a new SSRC, after a second of
// silence (a restarted sender), when the decoder is reset; another address
// never takes the call over. Receive must be called from one goroutine; the
// counters may be read from any.
type Receiver struct {
	dec      *stream.Decoder
	cfg      ReceiverConfig
	pkt      rtp.Packet
	pkts     []stream.Packet
	ticks    uint32 // timestamp ticks per frame: the decoder's packet
	ssrc     uint32
	peer     atomic.Pointer[netip.AddrPort] // the accepted source, once known
	arrivals atomic.Int64                   // RTP packets accepted
	last     atomic.Int64                   // time of the last one, UnixNano
	badRTP   atomic.Int64                   // datagrams that are not RTP or not our payload
	otherPT  atomic.Int64                   // RTP packets of another payload type
	foreign  atomic.Int64                   // packets of another source or SSRC
}

// NewReceiver makes a receiver that pushes into dec the packets cfg
// accepts. Frames are dec's packets apart: 20 ms, or 40 ms for a decoder of
// a low-rate mode (stream.NewModeDecoder).
func NewReceiver(dec *stream.Decoder, cfg ReceiverConfig) *Receiver {
	r := &Receiver{dec: dec, cfg: cfg, pkts: make([]stream.Packet, 0, MaxFrames), ticks: uint32(dec.PacketSamples())}
	if cfg.Peer.IsValid() {
		peer := unmap(cfg.Peer)
		r.peer.Store(&peer)
	}
	return r
}

// unmap turns an IPv4-mapped IPv6 address (a dual-stack socket's view of
// an IPv4 sender) into plain IPv4, so that both spellings compare equal.
func unmap(a netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(a.Addr().Unmap(), a.Port())
}

// Receive handles one datagram from source address from that arrived at
// now (Unix nanoseconds). Payloads the decoder refuses are counted in its
// Stats.
func (r *Receiver) Receive(datagram []byte, from netip.AddrPort, now int64) {
	pkt := &r.pkt
	if err := pkt.Unmarshal(datagram); err != nil || pkt.Version != 2 {
		r.badRTP.Add(1)
		return
	}
	from = unmap(from)
	if p := r.peer.Load(); p != nil && *p != from {
		r.foreign.Add(1)
		return
	}
	if pkt.PayloadType != r.cfg.PayloadType {
		r.otherPT.Add(1)
		return
	}
	pkts, err := appendPackets(r.pkts[:0], pkt, r.ticks)
	if err != nil {
		r.badRTP.Add(1)
		return
	}
	r.pkts = pkts
	if r.arrivals.Load() == 0 {
		r.ssrc = pkt.SSRC
		if r.peer.Load() == nil {
			peer := from // a copy, so that from does not move to the heap on every call
			r.peer.Store(&peer)
		}
	} else if pkt.SSRC != r.ssrc {
		if time.Duration(now-r.last.Load()) < time.Second {
			r.foreign.Add(1)
			return
		}
		r.ssrc = pkt.SSRC
		r.dec.Reset()
	}
	for _, p := range pkts {
		r.dec.Push(p)
	}
	r.last.Store(now)
	r.arrivals.Add(1)
}

// Peer is the source address the Receiver accepts: the configured one, or
// the first it heard; ok is false while it has heard none.
func (r *Receiver) Peer() (peer netip.AddrPort, ok bool) {
	if p := r.peer.Load(); p != nil {
		return *p, true
	}
	return netip.AddrPort{}, false
}

// Arrivals is the number of RTP packets accepted.
func (r *Receiver) Arrivals() int64 { return r.arrivals.Load() }

// LastArrival is when the last accepted packet arrived (Unix nanoseconds).
func (r *Receiver) LastArrival() int64 { return r.last.Load() }

// BadRTP counts datagrams that are not RTP or not this payload format.
func (r *Receiver) BadRTP() int64 { return r.badRTP.Load() }

// Foreign counts packets from another source address, or of another SSRC
// while the accepted sender is active: ignored.
func (r *Receiver) Foreign() int64 { return r.foreign.Load() }

// OtherPayloadType counts RTP packets of the accepted source with another
// payload type than the session's: ignored.
func (r *Receiver) OtherPayloadType() int64 { return r.otherPT.Load() }
