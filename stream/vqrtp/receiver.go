package vqrtp

import (
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
	"github.com/vqspeak/vqspeak/stream"
)

// Receiver is the receiving end of a call: it turns RTP datagrams into
// stream packets for a jitter buffer (stream.Decoder). It counts what is not
// RTP of this payload format, numbers each packet's frames (FrameSeq), and
// sticks to one sender (SSRC), moving to a new one only after the current
// one has been silent for a second (a restarted sender), when it resets the
// decoder. Receive must be called from one goroutine; the counters may be
// read from any.
type Receiver struct {
	dec      *stream.Decoder
	pkt      rtp.Packet
	frames   []Frame
	ssrc     uint32
	arrivals atomic.Int64 // RTP packets accepted
	last     atomic.Int64 // time of the last one, UnixNano
	badRTP   atomic.Int64 // datagrams that are not RTP or not our payload
	foreign  atomic.Int64 // packets of another SSRC
}

// NewReceiver makes a receiver that pushes into dec.
func NewReceiver(dec *stream.Decoder) *Receiver {
	return &Receiver{dec: dec, frames: make([]Frame, 0, MaxFrames)}
}

// Receive handles one datagram that arrived at now (Unix nanoseconds).
// Payloads the decoder refuses are counted in its Stats.
func (r *Receiver) Receive(datagram []byte, now int64) {
	pkt := &r.pkt
	if err := pkt.Unmarshal(datagram); err != nil || pkt.Version != 2 {
		r.badRTP.Add(1)
		return
	}
	frames, err := Unpack(r.frames[:0], pkt)
	if err != nil {
		r.badRTP.Add(1)
		return
	}
	r.frames = frames
	if r.arrivals.Load() == 0 {
		r.ssrc = pkt.SSRC
	} else if pkt.SSRC != r.ssrc {
		if time.Duration(now-r.last.Load()) < time.Second {
			r.foreign.Add(1)
			return
		}
		r.ssrc = pkt.SSRC
		r.dec.Reset()
	}
	for i, f := range frames {
		if len(f.Data) == 0 {
			continue // a DTX slot: nothing sent, nothing lost
		}
		seq := FrameSeq(pkt.SequenceNumber, i, len(frames)) // the buffer counts losses per frame
		r.dec.Push(stream.Packet{Seq: seq, Timestamp: f.Timestamp, Payload: f.Data})
	}
	r.last.Store(now)
	r.arrivals.Add(1)
}

// Arrivals is the number of RTP packets accepted.
func (r *Receiver) Arrivals() int64 { return r.arrivals.Load() }

// LastArrival is when the last accepted packet arrived (Unix nanoseconds).
func (r *Receiver) LastArrival() int64 { return r.last.Load() }

// BadRTP counts datagrams that are not RTP or not this payload format.
func (r *Receiver) BadRTP() int64 { return r.badRTP.Load() }

// Foreign counts packets of another sender, ignored.
func (r *Receiver) Foreign() int64 { return r.foreign.Load() }
