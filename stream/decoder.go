package stream

import (
	"errors"
	"fmt"
	"math"
	"sync"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/internal/pcm"
	"github.com/vqspeak/vqspeak/rvq"
)

// DecoderConfig sets the adaptive jitter buffer's depth range, in packets
// (20 ms, or 40 ms in a low-rate mode). The buffer starts at StartDepth and
// then follows the observed arrival jitter between MinDepth and MaxDepth.
type DecoderConfig struct {
	MinDepth, StartDepth, MaxDepth int
}

// DefaultDecoderConfig starts with one packet of prebuffer and adapts
// between none (a jitter-free link, 30 ms mouth to ear) and four (80 ms).
var DefaultDecoderConfig = DecoderConfig{MinDepth: 0, StartDepth: 1, MaxDepth: 4}

// MaxDepth bounds DecoderConfig.MaxDepth.
const MaxDepth = 16

// ErrConfig reports an unusable DecoderConfig.
var ErrConfig = errors.New("stream: bad decoder configuration")

// Stats describes a Decoder's traffic. Counts are in packets (20 ms slots,
// 40 ms in a low-rate mode).
type Stats struct {
	Received     int64 // payloads accepted (late ones included, duplicates not)
	Late         int64 // arrived after their slot had played: dropped
	Lost         int64 // sequence numbers never received (as RTCP counts them)
	Duplicates   int64 // dropped copies
	Invalid      int64 // payloads that could not be parsed
	Concealed    int64 // slots played by packet loss concealment
	Recovered    int64 // lost slots rebuilt from the next packet's FEC copy
	ComfortNoise int64 // slots played as comfort noise (DTX)
	Stretched    int64 // slots inserted to deepen the buffer
	Skipped      int64 // slots dropped to shorten it
	Resets       int64 // restarts after a long gap, a timestamp jump or a sequence-number jump
	Depth        int   // packets waiting now
	TargetDepth  int   // the depth the buffer is steering to
	Jitter       int   // spread of arrival times over the last 2.5 s, samples
}

// slot states
const (
	slotEmpty uint8 = iota
	slotWaiting
	slotPlayed
	slotMissed
)

type slot struct {
	pos   int64
	state uint8
	kind  payloadKind
	n     int
	data  []byte
	// The payload parsed once, in Push: the codec packet (ok false when it
	// does not parse) or the comfort-noise level.
	pk     codec.Packet
	ok     bool
	cnE    uint8
	cnTilt float32
}

const (
	ringSize = 64 // slots the buffer can hold: 1.28 s
	// jitterWindow is how many arrivals the jitter estimate remembers (2.56 s).
	jitterWindow = 128
	// jitterWarmup is how many arrivals are needed before the target follows them.
	jitterWarmup = 16
	// compressAfter is how long the buffer must stay a packet too deep
	// before a quiet packet is dropped; compressForce, before any is.
	compressAfter = 25
	compressForce = 150
)

// Decoder is an adaptive jitter buffer in front of a codec.Decoder. Push
// accepts packets as they come from the network (late, lost, duplicated,
// reordered); Pull delivers PCM at the sound card's pace, any number of
// samples at a time, decoding, concealing or playing comfort noise for
// each 20 ms slot (40 ms in a low-rate mode) when its turn comes. Push and Pull may be called from
// different goroutines; neither blocks for longer than one packet's
// decoding. It allocates only in its constructor.
type Decoder struct {
	mu  sync.Mutex
	cfg DecoderConfig
	dec *codec.Decoder
	fr  framing
	ps  int64 // samples per packet: the mode's

	ring    [ringSize]slot
	started bool
	decoded bool  // the codec decoder has produced audio since the start
	next    int64 // slot to play next
	quiet   int64 // slots before this one are prebuffer fill
	highest int64 // highest slot received
	dtx     bool  // the last slot played was comfort noise
	cnE     uint8
	cnTilt  float32

	tsU, seqU         unwrapper
	baseTS            int64
	firstSeq, highSeq int64  // the sequence numbers of the current run (countSeq)
	runReceived       int64  // packets received in it
	lostBefore        int64  // losses of the runs before it
	highSeqPos        int64  // the slot of the packet numbered highSeq
	probe             uint16 // after a jump, the sequence number that would confirm a new run
	probing           bool
	pulled            int64 // samples delivered
	outBuf            [maxPacketSamples]float32
	out               []float32 // outBuf[:ps]
	outPos            int
	offs              [jitterWindow]int64
	nOffs             int
	pushedAt          int64 // d.pulled at the last push
	pending           bool  // an early arrival awaits the next (observe)
	pendingOff        int64
	fec               bool // the last packet carried FEC
	minOff, maxOff    int64
	target            int
	excessRun         int
	peakEnergy        float64
	fecPk             codec.Packet
	stats             Stats
}

// NewDecoder makes a stream decoder for codebook cb, for the 20 ms modes
// (every one of them: the packet length tells them apart); a nil cfg means
// DefaultDecoderConfig.
func NewDecoder(cb *rvq.Codebook, cfg *DecoderConfig) (*Decoder, error) {
	return NewModeDecoder(cb, codec.Mode{}, cfg)
}

// NewModeDecoder is NewDecoder for a stream in mode m, agreed out of band
// (the .vqs header, the RTP fmtp). A low-rate mode's decoder (800, 1200,
// 1600 b/s) takes only that mode's 40 ms packets (and comfort noise; no
// FEC sections) and plays, conceals and counts 40 ms slots; its depths are
// in 40 ms packets. The zero Mode or a 20 ms one gives NewDecoder's decoder.
func NewModeDecoder(cb *rvq.Codebook, m codec.Mode, cfg *DecoderConfig) (*Decoder, error) {
	c := DefaultDecoderConfig
	if cfg != nil {
		c = *cfg
	}
	if c.MinDepth < 0 || c.MinDepth > c.StartDepth || c.StartDepth > c.MaxDepth || c.MaxDepth > MaxDepth {
		return nil, fmt.Errorf("%w: want 0 ≤ MinDepth %d ≤ StartDepth %d ≤ MaxDepth %d ≤ %d",
			ErrConfig, c.MinDepth, c.StartDepth, c.MaxDepth, MaxDepth)
	}
	if m != (codec.Mode{}) && !m.Valid() {
		return nil, fmt.Errorf("%w: %+v", codec.ErrMode, m)
	}
	if !m.LowRate() {
		m = codec.Mode{}
	}
	fr, err := newModeFraming(cb, m)
	if err != nil {
		return nil, err
	}
	var dec *codec.Decoder
	if m.LowRate() {
		dec, err = codec.NewModeDecoder(cb, m)
	} else {
		dec, err = codec.NewDecoder(cb)
	}
	if err != nil {
		return nil, err
	}
	d := &Decoder{cfg: c, dec: dec, fr: fr, ps: int64(dec.PacketSamples())}
	d.out = d.outBuf[:d.ps]
	for i := range d.ring {
		d.ring[i].data = make([]byte, fr.maxPayload)
	}
	d.Reset()
	return d, nil
}

// PadBook is the pad book the decoder adds the packets' pad stages from
// (codec.Decoder.PadBook), nil if none.
func (d *Decoder) PadBook() *codec.PadBook { return d.dec.PadBook() }

// Reset empties the buffer and starts a new stream.
func (d *Decoder) Reset() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.dec.Reset()
	d.restart()
	d.decoded = false
	d.pulled = 0
	d.stats = Stats{}
	d.seqU = newUnwrapper(16)
	d.runReceived, d.lostBefore, d.probing = 0, 0, false
}

// maxMisorder bounds how far a sequence number may stray from the run's:
// one more than maxMisorder ahead of the slots that have passed since the
// highest (the sender numbers each packet, and DTX pauses number none), or
// more than maxMisorder behind the lowest, is not a loss or reordering but
// a sender that restarted its numbering, or garbage. Counting such gaps as
// lost reported billions of losses in a minute. As in RFC 3550 (A.1), such
// a packet is a stray, left out of the loss count, unless the next packet
// follows it: then the two start a new run (counted in Resets).
const maxMisorder = 100

// runLost is how many sequence numbers of the current run never arrived.
func (d *Decoder) runLost() int64 {
	if d.runReceived == 0 {
		return 0
	}
	return max(d.highSeq-d.firstSeq+1-d.runReceived, 0)
}

// restart forgets the buffered packets and the timing.
func (d *Decoder) restart() {
	for i := range d.ring {
		d.ring[i].state = slotEmpty
	}
	d.started = false
	d.dtx = false
	d.outPos = len(d.out)
	d.tsU = newUnwrapper(32)
	d.highSeqPos = 0 // slots restart from 0
	d.nOffs = 0
	d.pending = false
	d.target = d.cfg.StartDepth
	d.excessRun = 0
}

// Delay is the decoder's current playout buffering: how long the earliest
// packets of the last seconds waited before playing (the start depth
// before any packet came).
func (d *Decoder) Delay() Latency {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.started || d.nOffs == 0 {
		return Latency{Samples: d.target * int(d.ps)}
	}
	return Latency{Samples: int(max(d.playOffset()-d.minOff, 0))}
}

// PlayoutTimestamp is the RTP timestamp (as in Packet) of the next sample
// Pull delivers; ok is false before the first packet. With the sender's
// capture time of a timestamp, it gives the mouth-to-ear delay. Concealed
// slots advance it like played ones; while the buffer stretches (plays
// an extra slot to deepen itself) it goes back by that slot.
func (d *Decoder) PlayoutTimestamp() (ts uint32, ok bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.started {
		return 0, false
	}
	return uint32(d.baseTS + d.next*d.ps - int64(len(d.out)-d.outPos)), true
}

// Mode is the codec mode the decoder was made for: a low-rate mode, or for
// 20 ms packets the mode with the most stages it accepts.
func (d *Decoder) Mode() codec.Mode { return d.dec.Mode() }

// PacketSamples is the PCM length of one slot: the mode's packet.
func (d *Decoder) PacketSamples() int { return int(d.ps) }

// Stats returns the counts so far and the buffer's state.
func (d *Decoder) Stats() Stats {
	d.mu.Lock()
	defer d.mu.Unlock()
	s := d.stats
	s.Lost = d.lostBefore + d.runLost()
	for i := range d.ring {
		if d.ring[i].state == slotWaiting && d.ring[i].pos >= d.next {
			s.Depth++
		}
	}
	s.TargetDepth = d.target
	s.Jitter = int(d.maxOff - d.minOff)
	return s
}

// playOffset is L in "slot s starts playing at sample L + s·PacketSamples".
func (d *Decoder) playOffset() int64 {
	return d.pulled + int64(len(d.out)-d.outPos) - d.next*d.ps
}

// Push hands the decoder one packet. The payload is copied. It returns an
// error (wrapping ErrPayloadLength or ErrPayloadVersion) for a payload
// that cannot be parsed; late and duplicate packets are counted, not errors.
func (d *Decoder) Push(p Packet) error {
	kind, err := d.fr.kind(len(p.Payload))
	var cnE uint8
	var cnTilt float32
	if err == nil && kind == kindNoise {
		cnE, cnTilt, err = parseNoise(p.Payload)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err != nil {
		d.stats.Invalid++
		return err
	}
	ts := d.tsU.unwrap(p.Timestamp)
	if !d.started {
		d.baseTS = ts
	}
	pos := floorDiv(ts-d.baseTS+d.ps/2, d.ps)
	if !d.started {
		d.start(pos)
	} else if pos >= d.next+ringSize || pos < d.next-2*ringSize {
		// A long gap or a jump of the sender's clock: start over.
		d.stats.Resets++
		d.restart()
		ts = d.tsU.unwrap(p.Timestamp)
		d.baseTS = ts
		pos = 0
		d.start(pos)
	}

	seq := d.seqU.peek(uint32(p.Seq))

	s := &d.ring[pos&(ringSize-1)]
	if s.pos == pos && (s.state == slotWaiting || s.state == slotPlayed) {
		d.stats.Duplicates++
		return nil
	}
	d.countSeq(p.Seq, seq, pos)
	d.stats.Received++
	d.observe(pos, kind)
	if pos < d.next {
		d.stats.Late++
		return nil
	}
	s.pos, s.state, s.kind = pos, slotWaiting, kind
	s.n = copy(s.data, p.Payload)
	switch kind {
	case kindNoise:
		s.cnE, s.cnTilt = cnE, cnTilt
	case kindCodec:
		s.ok = d.fr.parse(&s.pk, p.Payload) == nil
	case kindCodecFEC:
		s.ok = d.fr.parse(&s.pk, p.Payload[:len(p.Payload)-d.fr.fecSize]) == nil
	}
	d.highest = max(d.highest, pos)
	return nil
}

// countSeq adds an accepted packet's sequence number, raw and as peeked
// from the unwrapper, and its slot to the loss count.
func (d *Decoder) countSeq(raw uint16, seq, pos int64) {
	switch {
	case d.runReceived == 0:
		d.firstSeq, d.highSeq, d.highSeqPos = seq, seq, pos
	case seq > d.highSeq+max(pos-d.highSeqPos, 0)+maxMisorder || seq < d.firstSeq-maxMisorder:
		if !d.probing || raw != d.probe {
			d.probing, d.probe = true, raw+1 // a stray, unless the next one follows it
			return
		}
		// Two in a row: a new run, starting at the stray before this one.
		d.stats.Resets++
		d.lostBefore += d.runLost()
		d.seqU = newUnwrapper(16)
		d.seqU.unwrap(uint32(raw - 1))
		seq = d.seqU.peek(uint32(raw))
		d.firstSeq, d.highSeq, d.runReceived = seq-1, seq-1, 1
	}
	d.probing = false
	d.seqU.unwrap(uint32(raw))
	d.firstSeq = min(d.firstSeq, seq)
	if seq > d.highSeq {
		d.highSeq, d.highSeqPos = seq, pos
	}
	d.runReceived++
}

// start places the first packet (slot pos) StartDepth packets ahead of the
// playout point: the prebuffer.
func (d *Decoder) start(pos int64) {
	d.started = true
	d.target = d.cfg.StartDepth
	d.next = pos - int64(d.target)
	d.quiet = pos
	d.highest = pos
	d.outPos = len(d.out) // the partly played packet before a restart is dropped
}

// observe records when slot pos arrived relative to the playout clock and
// updates the jitter estimate and the target depth.
//
// An arrival earlier than any in the window is recorded only once the next
// one shows that the app was pulling in between: when the playout stalls
// (the app stops pulling while packets keep coming, as phones and loaded
// servers do for 100 ms or more), every packet of the stall seems earlier
// than the last, and recorded they inflated the jitter estimate and made
// the buffer shed packets it needed for seconds after the stall. Leaving
// out early arrivals is safe: the buffer steers the earliest recorded one
// to wait target packets, and the target covers the latest, so no
// arrival becomes late for it.
func (d *Decoder) observe(pos int64, kind payloadKind) {
	off := d.pulled - pos*d.ps
	pulledSince := d.pulled != d.pushedAt
	d.pushedAt = d.pulled
	d.fec = kind == kindCodecFEC
	if d.pending {
		d.pending = false
		if pulledSince {
			d.record(d.pendingOff)
		}
	}
	if d.nOffs >= jitterWarmup && off < d.minOff {
		d.pending, d.pendingOff = pulledSince, off
		return
	}
	d.record(off)
}

// record adds an arrival offset to the jitter window and sets the target.
func (d *Decoder) record(off int64) {
	d.offs[d.nOffs%jitterWindow] = off
	d.nOffs++
	n := min(d.nOffs, jitterWindow)
	d.minOff, d.maxOff = math.MaxInt64, math.MinInt64
	for _, o := range d.offs[:n] {
		d.minOff = min(d.minOff, o)
		d.maxOff = max(d.maxOff, o)
	}
	if d.nOffs < jitterWarmup {
		return
	}
	spread := d.maxOff - d.minOff
	if d.fec {
		// FEC needs the next packet in hand when a lost one's turn comes,
		// however late the next one is within the jitter: one packet more.
		spread += d.ps
	}
	t := int((spread + d.ps - 1) / d.ps)
	d.target = min(max(t, d.cfg.MinDepth), d.cfg.MaxDepth)
}

// Pull fills dst with the next len(dst) samples of the stream: decoded
// speech, concealment, comfort noise, or silence before the first packet.
func (d *Decoder) Pull(dst []float32) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for len(dst) > 0 {
		if d.outPos == len(d.out) {
			if !d.started {
				clear(dst)
				d.pulled += int64(len(dst))
				return
			}
			d.produce()
			d.outPos = 0
		}
		k := copy(dst, d.out[d.outPos:])
		d.outPos += k
		d.pulled += int64(k)
		dst = dst[k:]
	}
}

// PullInt16 is Pull for 16-bit samples.
func (d *Decoder) PullInt16(dst []int16) {
	var buf [codec.PacketSamples]float32
	for len(dst) > 0 {
		k := min(len(dst), len(buf))
		d.Pull(buf[:k])
		for i, v := range buf[:k] {
			dst[i] = pcm.ToInt16(v)
		}
		dst = dst[k:]
	}
}

// produce renders the next slot into d.out.
func (d *Decoder) produce() {
	out := d.out[:0]
	for {
		pos := d.next
		s := &d.ring[pos&(ringSize-1)]
		present := s.pos == pos && s.state == slotWaiting

		if pos < d.quiet {
			// Prebuffer: silence at the start, a fade after a restart.
			d.next++
			if d.decoded {
				d.dec.Conceal(out)
			} else {
				clear(d.out)
			}
			return
		}

		// Steering: shed a packet when the buffer has been too deep for a
		// while, preferably a quiet one.
		excess := d.playOffset() - d.minOff - int64(d.target)*d.ps
		if excess >= d.ps && d.nOffs >= jitterWarmup {
			d.excessRun++
		} else {
			d.excessRun = 0
		}
		if d.excessRun >= compressAfter && d.highest > pos && (d.excessRun >= compressForce || d.quietSlot(s, present)) {
			d.excessRun = 0
			d.stats.Skipped++
			d.skip(s, present)
			d.next++
			continue
		}

		switch {
		case present:
			d.play(s)
			d.next++
			return
		case d.dtx:
			d.dec.ComfortNoise(out, d.cnE, d.cnTilt)
			d.stats.ComfortNoise++
			s.pos, s.state = pos, slotMissed
			d.next++
			return
		}
		s.pos, s.state = pos, slotMissed
		if d.recover(pos) {
			d.next++
			return
		}
		d.dec.Conceal(out)
		d.stats.Concealed++
		if d.highest <= pos && d.playOffset()-d.minOff < int64(d.target)*d.ps &&
			d.playOffset()-d.minOff+d.ps <= int64(d.cfg.MaxDepth)*d.ps {
			// Nothing later is here: the network is late, not lossy. Wait
			// one packet longer for this slot.
			s.state = slotEmpty
			d.stats.Stretched++
			return
		}
		d.next++
		return
	}
}

// play decodes a waiting slot into d.out.
func (d *Decoder) play(s *slot) {
	out := d.out[:0]
	s.state = slotPlayed
	if s.kind == kindNoise {
		d.cnE, d.cnTilt = s.cnE, s.cnTilt
		d.dtx = true
		d.dec.ComfortNoise(out, d.cnE, d.cnTilt)
		d.stats.ComfortNoise++
		return
	}
	d.dtx = false
	d.decoded = true
	var err error
	if s.ok {
		_, err = d.dec.DecodePacket(out, &s.pk)
	}
	if !s.ok || err != nil {
		d.stats.Invalid++
		d.dec.Conceal(out)
		d.stats.Concealed++
		return
	}
	d.trackEnergy(&s.pk)
}

// recover rebuilds lost slot pos from the FEC section of slot pos+1.
func (d *Decoder) recover(pos int64) bool {
	n := &d.ring[(pos+1)&(ringSize-1)]
	if n.pos != pos+1 || n.state != slotWaiting || n.kind != kindCodecFEC {
		return false
	}
	d.fr.parseFEC(&d.fecPk, n.data[n.n-d.fr.fecSize:n.n])
	if _, err := d.dec.DecodePacket(d.out[:0], &d.fecPk); err != nil {
		return false
	}
	d.stats.Recovered++
	return true
}

// skip drops slot s from the playout, keeping the codec's state in step.
func (d *Decoder) skip(s *slot, present bool) {
	if !present {
		s.pos, s.state = d.next, slotMissed
		return
	}
	s.state = slotPlayed
	if s.kind == kindNoise {
		d.cnE, d.cnTilt = s.cnE, s.cnTilt
		d.dtx = true
		return
	}
	if s.ok && d.dec.SkipPacket(&s.pk) == nil {
		d.dtx = false
	}
}

// quietSlot reports whether dropping slot s would go unnoticed: a missing
// packet in silence, comfort noise, or a packet near silence or 15 dB
// under recent speech.
func (d *Decoder) quietSlot(s *slot, present bool) bool {
	if !present {
		return d.dtx
	}
	if s.kind == kindNoise {
		return true
	}
	return s.ok && float64(s.pk.Energy) < max(d.peakEnergy-11, quietEnergy)
}

// quietEnergy is the energy code under which a packet is near silence
// (about −85 dB).
const quietEnergy = 10

// trackEnergy follows the loudness of recent speech (in energy codes, about
// 1.4 dB each) with a slowly falling peak.
func (d *Decoder) trackEnergy(pk *codec.Packet) {
	d.peakEnergy = max(d.peakEnergy-0.05, float64(pk.Energy))
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}
