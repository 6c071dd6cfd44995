package stream

import (
	"fmt"
	"time"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/internal/pcm"
	"github.com/vqspeak/vqspeak/rvq"
)

// Packet is one 20 ms slot on the wire (40 ms in a low-rate mode). Payload is framed as described in
// payload.go: a codec packet, optionally followed by an FEC section, or a
// 2-byte comfort-noise update. Seq counts sent packets (it wraps at 65536,
// like RTP's); Timestamp counts samples at 16 kHz (it wraps at 2^32) and
// keeps running through silence that DTX does not send.
type Packet struct {
	Seq       uint16
	Timestamp uint32
	Payload   []byte
}

// EncoderConfig chooses the encoder's options. The zero value sends every
// packet at the default stage count, without FEC.
type EncoderConfig struct {
	// Stages is the RVQ stage count (the bitrate); 0 means codec.DefaultStages.
	Stages int
	// FEC appends to each packet a low-rate copy of the one before it
	// (1600 b/s more with the default codebook), so that a single lost
	// packet is rebuilt instead of concealed when the receiver buffers
	// at least one packet.
	FEC bool
	// DTX stops sending during silence: a 2-byte comfort-noise update goes
	// out every 320 ms instead.
	DTX bool
	// Seq and Timestamp are the first packet's numbers (RTP starts them at
	// random values).
	Seq       uint16
	Timestamp uint32
	// Mode, if set (codec.ModeForBitrate), is the codec mode and overrides
	// Stages. A low-rate mode (800, 1200, 1600 b/s) sends one packet per
	// 40 ms and keeps its stage count; it takes neither FEC nor DTX
	// (ErrLowRate).
	Mode codec.Mode
}

// cnInterval is the spacing of comfort-noise updates during silence (320 ms).
const cnInterval = 16

// EncoderStats counts what an Encoder has sent.
type EncoderStats struct {
	Packets      int64 // packets emitted, comfort noise included
	Bytes        int64 // payload bytes emitted
	Speech       int64 // 20 ms slots sent as codec packets
	Silent       int64 // 20 ms slots DTX did not send in full
	ComfortNoise int64 // comfort-noise updates emitted
}

// Encoder cuts PCM of any chunk size into 20 ms packets (40 ms in a
// low-rate mode) and emits each as
// soon as its last sample arrives. It allocates only in its constructor and
// is not safe for concurrent use.
type Encoder struct {
	cfg    EncoderConfig
	cb     *rvq.Codebook
	enc    *codec.Encoder
	fr     framing
	pcm    [maxPacketSamples]float32
	ps     int   // samples per packet: the mode's
	n      int   // samples waiting in pcm
	pushed int64 // samples pushed in all
	slots  int64 // packets encoded (sent or not)
	seq    uint16
	ts     uint32

	payload  []byte
	pk, prev codec.Packet
	havePrev bool

	vad             vad
	silentRun       int // silent slots in a row
	cnEnergy, cnTlt float64
	cnCount         int
	cnSent          uint8   // the latest comfort-noise level sent
	cnSentTilt      float32 // and its tilt, as the receiver reads them
	stats           EncoderStats
}

// NewEncoder makes a stream encoder for codebook cb; a nil cfg means the
// zero EncoderConfig.
func NewEncoder(cb *rvq.Codebook, cfg *EncoderConfig) (*Encoder, error) {
	var c EncoderConfig
	if cfg != nil {
		c = *cfg
	}
	if c.Stages == 0 {
		c.Stages = codec.DefaultStages
	}
	switch {
	case c.Mode == codec.Mode{}:
	case !c.Mode.Valid():
		return nil, fmt.Errorf("%w: %+v", codec.ErrMode, c.Mode)
	case !c.Mode.LowRate():
		c.Stages, c.Mode = c.Mode.Stages, codec.Mode{}
	case c.FEC || c.DTX:
		return nil, fmt.Errorf("%w: FEC and DTX, asked with the %s b/s mode", ErrLowRate, c.Mode.Name())
	}
	fr, err := newModeFraming(cb, c.Mode)
	if err != nil {
		return nil, err
	}
	var enc *codec.Encoder
	if c.Mode.LowRate() {
		enc, err = codec.NewModeEncoder(cb, c.Mode)
	} else {
		enc, err = codec.NewEncoder(cb, c.Stages)
	}
	if err != nil {
		return nil, err
	}
	e := &Encoder{
		cfg:     c,
		cb:      cb,
		enc:     enc,
		fr:      fr,
		ps:      enc.PacketSamples(),
		payload: make([]byte, 0, fr.maxPayload),
	}
	e.Reset()
	return e, nil
}

// Reset starts a new stream at the configured sequence number and timestamp.
func (e *Encoder) Reset() {
	e.enc.Reset()
	e.n, e.pushed, e.slots = 0, 0, 0
	e.seq, e.ts = e.cfg.Seq, e.cfg.Timestamp
	e.havePrev = false
	e.vad.reset()
	e.silentRun, e.cnCount = 0, 0
	e.stats = EncoderStats{}
}

// SetStages changes the stage count (the bitrate) from the next packet on.
func (e *Encoder) SetStages(n int) error {
	if err := e.enc.SetStages(n); err != nil {
		return err
	}
	e.cfg.Stages = n
	return nil
}

// Stats returns the counts so far.
func (e *Encoder) Stats() EncoderStats { return e.stats }

// Delay is the encoder's algorithmic latency: a packet leaves when its
// 20 ms (40 ms in a low-rate mode) and the codec's 10 ms lookahead are in,
// so its oldest sample has waited 30 ms (50 ms).
func (e *Encoder) Delay() Latency { return Latency{Samples: e.ps + codec.Delay} }

// Mode is the codec mode the encoder sends.
func (e *Encoder) Mode() codec.Mode { return e.enc.Mode() }

// PadBook is the pad book the encoder codes the packets' spare bits with
// (codec.Encoder.PadBook), nil if none: a live stream's header names it
// (vqs.Header.SetPadBook).
func (e *Encoder) PadBook() *codec.PadBook { return e.enc.PadBook() }

// Push takes samples in [-1, 1], any number at a time, and calls emit with
// each packet they complete, in order. The packet's Payload is only valid
// during the call. An error from emit stops Push and is returned; the
// samples after the failed packet are not consumed.
func (e *Encoder) Push(pcm []float32, emit func(Packet) error) error {
	for len(pcm) > 0 {
		k := copy(e.pcm[e.n:e.ps], pcm)
		e.n += k
		e.pushed += int64(k)
		pcm = pcm[k:]
		if e.n == e.ps {
			e.n = 0
			if err := e.encode(emit); err != nil {
				return err
			}
		}
	}
	return nil
}

// PushInt16 is Push for 16-bit samples.
func (e *Encoder) PushInt16(x []int16, emit func(Packet) error) error {
	for len(x) > 0 {
		k := min(len(x), e.ps-e.n)
		for i, v := range x[:k] {
			e.pcm[e.n+i] = pcm.FromInt16(v)
		}
		e.n += k
		e.pushed += int64(k)
		x = x[k:]
		if e.n == e.ps {
			e.n = 0
			if err := e.encode(emit); err != nil {
				return err
			}
		}
	}
	return nil
}

// Flush pads the input with silence until every sample pushed so far is
// inside an emitted packet (the lookahead needs up to one packet more than
// the partial one), emitting those packets.
func (e *Encoder) Flush(emit func(Packet) error) error {
	for (e.slots*int64(e.ps) - codec.Delay) < e.pushed {
		clear(e.pcm[e.n:e.ps])
		e.n = 0
		if err := e.encode(emit); err != nil {
			return err
		}
	}
	return nil
}

func (e *Encoder) encode(emit func(Packet) error) error {
	speech := !e.cfg.DTX || e.vad.speech(e.pcm[:e.ps])
	p, err := e.enc.Encode(e.payload[:0], e.pcm[:e.ps])
	if err != nil {
		return err // cannot happen: the length is right
	}
	ts := e.ts
	e.ts += uint32(e.ps)
	e.slots++
	e.pk = e.enc.Packet()
	if speech {
		e.silentRun = 0
		e.cnCount = 0
		if e.cfg.FEC && e.havePrev {
			p = e.fr.appendFEC(p, &e.prev)
		}
		e.prev, e.havePrev = e.pk, true
		e.stats.Speech++
		return e.send(emit, p, ts)
	}

	// Silence: accumulate the background's level and tilt; send them at
	// once when silence starts, then every cnInterval packets.
	e.stats.Silent++
	e.havePrev = false
	e.cnEnergy += float64(e.pk.Energy)
	e.cnTlt += float64(e.enc.Envelope()[0])
	e.cnCount++
	e.silentRun++
	err = nil
	if e.silentRun == 1 || (e.silentRun-1)%cnInterval == 0 {
		energy := uint8(e.cnEnergy/float64(e.cnCount) + 0.5)
		tilt := float32(e.cnTlt / float64(e.cnCount))
		e.cnEnergy, e.cnTlt, e.cnCount = 0, 0, 0
		e.stats.ComfortNoise++
		p := appendNoise(e.payload[:0], energy, tilt)
		e.cnSent, e.cnSentTilt, _ = parseNoise(p) // as the receiver will read them
		err = e.send(emit, p, ts)
	}
	// The receiver plays comfort noise for this packet: code the next one
	// against that, as its decoder will.
	e.enc.FollowComfortNoise(e.cnSent, e.cnSentTilt)
	return err
}

func (e *Encoder) send(emit func(Packet) error, payload []byte, ts uint32) error {
	pkt := Packet{Seq: e.seq, Timestamp: ts, Payload: payload}
	e.seq++
	e.stats.Packets++
	e.stats.Bytes += int64(len(payload))
	return emit(pkt)
}

// Latency is a delay in samples at the codec's rate.
type Latency struct{ Samples int }

// Duration is the latency as time.
func (l Latency) Duration() time.Duration {
	return time.Duration(l.Samples) * time.Second / codec.SampleRate
}

func (l Latency) String() string { return l.Duration().String() }

// EndToEnd is the mouth-to-ear latency the library adds: the encoder's
// algorithmic latency plus the decoder's current playout buffering. The
// network's own delay and the sound cards' buffers come on top.
func EndToEnd(enc *Encoder, dec *Decoder) Latency {
	return Latency{Samples: enc.Delay().Samples + dec.Delay().Samples}
}
