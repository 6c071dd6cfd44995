// Package demo is the browser demo's live path in plain Go, so it can be
// tested without a browser: microphone audio at the device's rate →
// 16 kHz → stream.Encoder (FEC, DTX) → a simulated lossy network
// (internal/netsim) → stream.Decoder (jitter buffer, concealment) → the
// device's rate. The WebAssembly binding (web/wasm) feeds it the page's
// AudioWorklet chunks. Like vqspeak loopback, it runs on the capture clock:
// every chunk of microphone audio in gives the same amount of decoded
// audio out.
package demo

import (
	"errors"
	"fmt"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/features/resample"
	"github.com/vqspeak/vqspeak/internal/netsim"
	"github.com/vqspeak/vqspeak/rvq"
	"github.com/vqspeak/vqspeak/stream"
)

// MaxChunk is the most device-rate samples one Process call takes.
const MaxChunk = 8192

// ErrChunk reports a Process call with input and output of different
// lengths or longer than MaxChunk.
var ErrChunk = errors.New("demo: want input and output of the same length, at most MaxChunk samples")

// Config sets up a Pipeline.
type Config struct {
	Rate     int     // the audio device's sample rate, Hz
	Stages   int     // RVQ stages per packet; 0 means codec.DefaultStages
	Loss     float64 // fraction of packets the network loses, 0 to 1
	JitterMS int     // random network delay per packet, 0 to JitterMS ms
	FEC, DTX bool    // stream.EncoderConfig's options
	Seed     uint64  // the network's random choices
	// Record keeps the last Record seconds of the 16 kHz microphone and
	// decoded audio for Recorded (the browser test scores them); 0 keeps none.
	Record int
}

// Stats counts the traffic since the Pipeline was made; the page turns
// differences of two into rates.
type Stats struct {
	Samples   int64 // 16 kHz samples captured
	Packets   int64 // packets sent, comfort-noise updates included
	Bytes     int64 // payload bytes sent
	NetLost   int64 // packets the network dropped
	Late      int64 // arrived after their slot had played
	Concealed int64 // slots played by concealment
	Recovered int64 // slots rebuilt from FEC
	Comfort   int64 // slots played as comfort noise
	Depth     int   // packets in the jitter buffer now
	// LatencyMS is the algorithmic and buffer latency inside Go: the
	// codec and jitter buffer (stream.EndToEnd), the mean network delay so
	// far, both resamplers and the output queue. The page adds the
	// AudioWorklet's buffering and the browser's device latencies.
	LatencyMS float64
}

// Pipeline is the running live path. It allocates only in New and when a
// setting changes (SetNetwork, SetOptions), never per packet, and is not
// safe for concurrent use.
type Pipeline struct {
	cfg      Config
	cb       *rvq.Codebook
	down, up *resample.Resampler
	enc      *stream.Encoder
	dec      *stream.Decoder
	net      *netsim.Link
	emit     func(stream.Packet) error
	recv     func(stream.Packet) error

	t              int64 // 16 kHz samples captured: the clock of the network
	nextSeq        uint16
	mic, dec16     []float32    // per-call scratch at 16 kHz
	queue          []float32    // decoded audio at the device rate waiting to be played
	started        bool         // the queue has filled to its margin once
	netBase        netsim.Stats // traffic of replaced links
	packets, bytes int64

	recMic, recOut []float32 // rings of Record seconds at 16 kHz
	recN           int64     // samples written to each ring
}

// queueMargin is how many device-rate samples beyond a chunk the output
// queue holds before it starts playing: the resamplers' output per chunk
// varies by a sample or two, and the margin absorbs that instead of a
// click.
const queueMargin = 8

// New makes a pipeline for the codebook cb (which must be one the codec
// accepts, such as codec.DefaultCodebook()).
func New(cb *rvq.Codebook, cfg Config) (*Pipeline, error) {
	if cfg.Rate < 8000 || cfg.Rate > 384000 {
		return nil, fmt.Errorf("demo: device rate %d Hz: want 8000 to 384000", cfg.Rate)
	}
	if cfg.Stages == 0 {
		cfg.Stages = codec.DefaultStages
	}
	if cfg.Record < 0 || cfg.Record > 120 {
		return nil, fmt.Errorf("demo: record %d s: want 0 to 120", cfg.Record)
	}
	p := &Pipeline{cfg: cfg, cb: cb}
	var err error
	if p.down, err = resample.New(cfg.Rate, codec.SampleRate); err != nil {
		return nil, err
	}
	if p.up, err = resample.New(codec.SampleRate, cfg.Rate); err != nil {
		return nil, err
	}
	if p.dec, err = stream.NewDecoder(cb, nil); err != nil {
		return nil, err
	}
	if err := p.newEncoder(); err != nil {
		return nil, err
	}
	if err := p.SetNetwork(cfg.Loss, cfg.JitterMS); err != nil {
		return nil, err
	}
	n16 := MaxChunk*codec.SampleRate/cfg.Rate + 2
	p.mic = make([]float32, 0, n16)
	p.dec16 = make([]float32, n16)
	p.queue = make([]float32, 0, 2*MaxChunk+2*queueMargin+MaxChunk*cfg.Rate/codec.SampleRate)
	if cfg.Record > 0 {
		p.recMic = make([]float32, cfg.Record*codec.SampleRate)
		p.recOut = make([]float32, cfg.Record*codec.SampleRate)
	}
	p.emit = func(pk stream.Packet) error {
		p.packets++
		p.bytes += int64(len(pk.Payload))
		p.nextSeq = pk.Seq + 1
		p.net.Send(pk, p.t)
		return nil
	}
	p.recv = func(pk stream.Packet) error {
		p.dec.Push(pk) // a bad payload is counted by the decoder
		return nil
	}
	return p, nil
}

func (p *Pipeline) newEncoder() error {
	enc, err := stream.NewEncoder(p.cb, &stream.EncoderConfig{
		Stages: p.cfg.Stages, FEC: p.cfg.FEC, DTX: p.cfg.DTX,
		Seq: p.nextSeq, Timestamp: uint32(p.t),
	})
	if err != nil {
		return err
	}
	p.enc = enc
	return nil
}

// Process encodes the microphone samples in and writes as many decoded
// samples to out, both at the device rate. Until the resamplers and the
// output queue have filled (a few milliseconds), out starts with silence.
func (p *Pipeline) Process(out, in []float32) error {
	if len(in) != len(out) || len(in) > MaxChunk {
		return ErrChunk
	}
	p.mic = p.down.Process(p.mic[:0], in)
	n := len(p.mic)
	p.t += int64(n)
	if err := p.enc.Push(p.mic, p.emit); err != nil {
		return err
	}
	if err := p.net.Deliver(p.t, p.recv); err != nil {
		return err
	}
	d := p.dec16[:n]
	p.dec.Pull(d)
	p.record(p.mic, d)
	p.queue = p.up.Process(p.queue, d)
	if !p.started && len(p.queue) >= len(out)+queueMargin {
		p.started = true
	}
	if !p.started || len(p.queue) < len(out) { // the second only if the device rate jumps about
		clear(out)
		return nil
	}
	copy(out, p.queue)
	m := copy(p.queue, p.queue[len(out):])
	p.queue = p.queue[:m]
	return nil
}

// record appends to the rings.
func (p *Pipeline) record(mic, out []float32) {
	if p.recMic == nil {
		return
	}
	size := int64(len(p.recMic))
	for i := range mic {
		j := (p.recN + int64(i)) % size
		p.recMic[j] = mic[i]
		p.recOut[j] = out[i]
	}
	p.recN += int64(len(mic))
}

// Recorded returns the last seconds (at most Config.Record) of the 16 kHz
// microphone signal that was encoded and of the decoded signal, over the
// same span of the capture clock, in new slices. The decoded one lags by
// the pipeline's latency.
func (p *Pipeline) Recorded(seconds float64) (mic, out []float32) {
	size := int64(len(p.recMic))
	n := min(int64(seconds*codec.SampleRate), size, p.recN)
	mic, out = make([]float32, n), make([]float32, n)
	for i := range n {
		j := (p.recN - n + i) % size
		mic[i], out[i] = p.recMic[j], p.recOut[j]
	}
	return mic, out
}

// SetStages changes the stage count (the bitrate) from the next packet on.
func (p *Pipeline) SetStages(n int) error {
	if err := p.enc.SetStages(n); err != nil {
		return err
	}
	p.cfg.Stages = n
	return nil
}

// SetNetwork replaces the simulated network; packets in flight on the old
// one are lost.
func (p *Pipeline) SetNetwork(loss float64, jitterMS int) error {
	if !(loss >= 0 && loss <= 1) {
		return fmt.Errorf("demo: loss %v: want 0 to 1", loss)
	}
	if jitterMS < 0 || jitterMS > 2000 {
		return fmt.Errorf("demo: jitter %d ms: want 0 to 2000", jitterMS)
	}
	if p.net != nil {
		s := p.net.Stats()
		p.netBase.Sent += s.Sent
		p.netBase.Dropped += s.Dropped
		p.netBase.Delivered += s.Delivered
		p.netBase.DelaySum += s.DelaySum
	}
	p.cfg.Loss, p.cfg.JitterMS = loss, jitterMS
	p.cfg.Seed++
	p.net = netsim.New(p.cfg.Seed, loss, int64(jitterMS)*codec.SampleRate/1000)
	return nil
}

// SetOptions switches FEC and DTX. The encoder is replaced (the audio it
// held back, up to 30 ms, is dropped); sequence numbers continue.
func (p *Pipeline) SetOptions(fec, dtx bool) error {
	if fec == p.cfg.FEC && dtx == p.cfg.DTX {
		return nil
	}
	p.cfg.FEC, p.cfg.DTX = fec, dtx
	return p.newEncoder()
}

// Stats reports the traffic so far.
func (p *Pipeline) Stats() Stats {
	ds, ns := p.dec.Stats(), p.net.Stats()
	delivered := p.netBase.Delivered + ns.Delivered
	netDelay := 0.0
	if delivered > 0 {
		netDelay = float64(p.netBase.DelaySum+ns.DelaySum) / float64(delivered) / codec.SampleRate
	}
	sec := stream.EndToEnd(p.enc, p.dec).Duration().Seconds() + netDelay +
		p.down.Delay()/codec.SampleRate + p.up.Delay()/float64(p.cfg.Rate) +
		float64(len(p.queue))/float64(p.cfg.Rate)
	return Stats{
		Samples: p.t, Packets: p.packets, Bytes: p.bytes,
		NetLost: p.netBase.Dropped + ns.Dropped, Late: ds.Late,
		Concealed: ds.Concealed, Recovered: ds.Recovered, Comfort: ds.ComfortNoise,
		Depth: ds.Depth, LatencyMS: 1000 * sec,
	}
}
