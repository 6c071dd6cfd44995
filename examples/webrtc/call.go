package main

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"github.com/vqspeak/vqspeak/bench/metrics"
	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/internal/audiofile"
	"github.com/vqspeak/vqspeak/rvq"
	"github.com/vqspeak/vqspeak/stream"
	"github.com/vqspeak/vqspeak/stream/vqrtp"
)

// Direction is what one party heard of the other.
type Direction struct {
	Speaker, Listener string
	Heard             []float32
	// MouthToEar is the median delay from the capture of a sample to its
	// playout (codec, network, jitter buffer; not the sound cards).
	MouthToEar time.Duration
	// STOI of what was heard against what was said, each sample scored
	// in the place PlayoutTimestamp gives it (a shed slot counts as
	// silence), aligned as vqspeak bench aligns the codec's output.
	STOI  float64
	Stats stream.Stats
}

func (d Direction) String() string {
	s := d.Stats
	rebuilt := ""
	if s.Lost > 0 {
		rebuilt = fmt.Sprintf(" (%.0f %%)", 100*float64(s.Recovered)/float64(s.Lost))
	}
	return fmt.Sprintf("%s hears %s: mouth-to-ear %v, STOI %.3f; %d frames received, %d lost, %d rebuilt by FEC%s, %d concealed, %d late; %d shed, %d stretched",
		d.Listener, d.Speaker, d.MouthToEar.Round(time.Millisecond), d.STOI, s.Received, s.Lost, s.Recovered, rebuilt, s.Concealed, s.Late,
		s.Skipped, s.Stretched)
}

// payloadType is the dynamic RTP payload type both parties register.
const payloadType = 111

// party is one end of the call.
type party struct {
	name    string
	says    []float32
	cfg     *Config
	cb      *rvq.Codebook
	pc      *webrtc.PeerConnection
	track   *webrtc.TrackLocalStaticRTP
	dec     *stream.Decoder
	heard   []float32 // what the party heard, as played
	inPlace []float32 // the same, each sample in the place of the peer's sample it plays (place)
	placed  []bool
	delay   []time.Duration
	start   time.Time // when the first sample was captured (both parties share it)
	ts0     uint32    // the RTP timestamp of that sample
	peer    *party
	got     chan struct{} // closed when the remote track arrives
	fmtpErr error
}

// newParty sets up one PeerConnection that sends and receives VQSPEAK.
func newParty(name, wavPath string, cfg *Config) (*party, error) {
	a, err := audiofile.ReadFile(wavPath)
	if err != nil {
		return nil, err
	}
	if a.Rate != codec.SampleRate {
		return nil, fmt.Errorf("%s: %d Hz, want %d", wavPath, a.Rate, codec.SampleRate)
	}
	p := &party{name: name, says: a.Samples, cfg: cfg, cb: codec.DefaultCodebook(), ts0: rand.Uint32(), got: make(chan struct{})}
	if p.dec, err = stream.NewDecoder(p.cb, nil); err != nil {
		return nil, err
	}

	// --- the vqspeak-specific part: register the codec ---------------------
	params := vqrtp.Params{Stages: codec.DefaultStages, Codebook: p.cb.Fingerprint(), PadBook: vqrtp.PadBookTag(p.cb), FEC: cfg.FEC,
		PTime: time.Duration(cfg.PTime) * time.Millisecond}
	capability := webrtc.RTPCodecCapability{MimeType: vqrtp.MIMEType, ClockRate: vqrtp.ClockRate, Channels: 1,
		SDPFmtpLine: params.Fmtp()}
	var me webrtc.MediaEngine
	if err := me.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: capability, PayloadType: payloadType},
		webrtc.RTPCodecTypeAudio); err != nil {
		return nil, err
	}
	// -----------------------------------------------------------------------

	// Loopback only, no mDNS: the call stays inside this machine.
	var se webrtc.SettingEngine
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetIncludeLoopbackCandidate(true)
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	api := webrtc.NewAPI(webrtc.WithMediaEngine(&me), webrtc.WithSettingEngine(se))
	if p.pc, err = api.NewPeerConnection(webrtc.Configuration{}); err != nil {
		return nil, err
	}
	if p.track, err = webrtc.NewTrackLocalStaticRTP(capability, "audio", "vqspeak-"+name); err != nil {
		return nil, err
	}
	sender, err := p.pc.AddTrack(p.track)
	if err != nil {
		return nil, err
	}
	go drainRTCP(sender)
	p.pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		// pion matched the codec by MIME type and clock rate only: check
		// that the negotiated fmtp is one this side decodes.
		_, p.fmtpErr = vqrtp.CheckFmtp(tr.Codec().SDPFmtpLine, p.cb)
		close(p.got) // publishes fmtpErr to Call
		if p.fmtpErr == nil {
			p.receive(tr)
		}
	})
	return p, nil
}

// drainRTCP reads the RTCP pion receives for a sender, as pion asks: its
// interceptors (NACK, reports) run only when somebody reads.
func drainRTCP(s *webrtc.RTPSender) {
	buf := make([]byte, 1500)
	for {
		if _, _, err := s.Read(buf); err != nil {
			return
		}
	}
}

// receive pushes the frames of every RTP packet into the jitter buffer.
func (p *party) receive(tr *webrtc.TrackRemote) {
	// --- the vqspeak-specific part: depacketize ----------------------------
	var pkt rtp.Packet
	buf := make([]byte, 1500)
	pkts := make([]stream.Packet, 0, vqrtp.MaxFrames)
	for {
		n, _, err := tr.Read(buf)
		if err != nil {
			return // the call ended
		}
		if pkt.Unmarshal(buf[:n]) != nil {
			continue
		}
		if pkts, err = vqrtp.AppendPackets(pkts[:0], &pkt); err != nil {
			continue
		}
		for _, sp := range pkts {
			p.dec.Push(sp) // payloads that do not parse are counted in Stats
		}
	}
	// -----------------------------------------------------------------------
}

// talk sends what the party says, 20 ms at a time on the wall clock, for
// slots slots. Packets are dropped at random with probability cfg.Loss.
func (p *party) talk(slots int) error {
	// --- the vqspeak-specific part: encode, packetize, write --------------
	enc, err := stream.NewEncoder(p.cb, &stream.EncoderConfig{FEC: p.cfg.FEC, Timestamp: p.ts0})
	if err != nil {
		return err
	}
	pz, err := vqrtp.NewPacketizer(payloadType, 0, max(p.cfg.PTime/20, 1)) // pion sets SSRC and PT
	if err != nil {
		return err
	}
	pz.Timestamp = p.ts0
	wire := make([]byte, 0, pz.MaxPacketSize())
	loss := rand.New(rand.NewPCG(p.cfg.Seed, uint64(p.name[0]))) // each party its own losses
	emit := func(sp stream.Packet) error {
		var err error
		if wire, err = pz.AppendFrameAt(wire[:0], sp.Timestamp, sp.Payload); err != nil || len(wire) == 0 {
			return err
		}
		if loss.Float64() < p.cfg.Loss {
			return nil // lost on the way
		}
		_, err = p.track.Write(wire)
		return err
	}
	// -----------------------------------------------------------------------
	silence := make([]float32, codec.PacketSamples)
	for s := range slots {
		time.Sleep(time.Until(p.start.Add(time.Duration(s+1) * codec.PacketDuration)))
		mic := silence
		if a := s * codec.PacketSamples; a+codec.PacketSamples <= len(p.says) {
			mic = p.says[a : a+codec.PacketSamples]
		}
		if err := enc.Push(mic, emit); err != nil {
			return err
		}
	}
	return nil
}

// listen plays what the party hears on the wall clock, as a sound card's
// callback does: every 10 ms it pulls what the clock says is due, catching
// up after a stall. It measures the mouth-to-ear delay of each pull.
func (p *party) listen(samples int) {
	const chunk = codec.PacketSamples / 2
	buf := make([]float32, chunk)
	stalled := p.cfg.Stall == 0
	for len(p.heard) < samples {
		now := time.Now()
		if !stalled && now.Sub(p.start) >= 2*time.Second {
			stalled = true
			time.Sleep(p.cfg.Stall)
			continue
		}
		due := int(now.Sub(p.start) * codec.SampleRate / time.Second)
		for len(p.heard)+chunk <= min(due, samples) {
			ts, ok := p.dec.PlayoutTimestamp()
			p.dec.Pull(buf)
			p.heard = append(p.heard, buf...)
			if !ok {
				continue
			}
			// The sample about to play is sample ts − ts0 of the peer's
			// stream, input sample ts − ts0 − Delay (the codec's
			// lookahead): captured at the peer's start plus that.
			said := int64(int32(ts-p.peer.ts0)) - codec.Delay
			captured := p.peer.start.Add(time.Duration(said) * time.Second / codec.SampleRate)
			p.delay = append(p.delay, now.Sub(captured))
			p.place(said, buf)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// place records that x played in the place of the peer's samples from
// said on. The first sample played in a place counts: a slot the buffer
// shed stays silent, a slot it stretched (an extra one, played with the
// timestamps of the slot before) is left out.
func (p *party) place(said int64, x []float32) {
	if p.inPlace == nil {
		p.inPlace = make([]float32, len(p.peer.says))
		p.placed = make([]bool, len(p.peer.says))
	}
	for i, v := range x {
		if t := said + int64(i); t >= 0 && t < int64(len(p.inPlace)) && !p.placed[t] {
			p.inPlace[t], p.placed[t] = v, true
		}
	}
}

// Call runs a call and returns what each party heard.
func Call(cfg Config) ([]Direction, error) {
	if cfg.PTime == 0 {
		cfg.PTime = 20
	}
	if cfg.PTime%20 != 0 || cfg.PTime < 20 || cfg.PTime > 20*vqrtp.MaxFrames {
		return nil, fmt.Errorf("ptime %d ms: want a multiple of 20 from 20 to %d", cfg.PTime, 20*vqrtp.MaxFrames)
	}
	a, err := newParty("a", cfg.A, &cfg)
	if err != nil {
		return nil, err
	}
	defer a.pc.Close()
	b, err := newParty("b", cfg.B, &cfg)
	if err != nil {
		return nil, err
	}
	defer b.pc.Close()
	a.peer, b.peer = b, a
	if err := connect(a.pc, b.pc); err != nil {
		return nil, err
	}

	slots := (max(len(a.says), len(b.says)) + codec.SampleRate/5) / codec.PacketSamples // + 200 ms to hear the end
	if cfg.Duration > 0 {
		slots = int(cfg.Duration / codec.PacketDuration)
	}
	start := time.Now()
	a.start, b.start = start, start
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, p := range []*party{a, b} {
		wg.Go(func() { errs[i] = p.talk(slots) })
		wg.Go(func() { p.listen(slots * codec.PacketSamples) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	var res []Direction
	for _, p := range []*party{b, a} { // a speaks to b first
		select {
		case <-p.got:
		default:
			return nil, fmt.Errorf("%s never received %s's track", p.name, p.peer.name)
		}
		if p.fmtpErr != nil {
			return nil, p.fmtpErr
		}
		d := Direction{Speaker: p.peer.name, Listener: p.name, Heard: p.heard, Stats: p.dec.Stats()}
		if len(p.delay) > 0 {
			slices.Sort(p.delay)
			d.MouthToEar = p.delay[len(p.delay)/2]
		}
		if p.inPlace == nil {
			return nil, fmt.Errorf("%s heard nothing of %s", p.name, p.peer.name)
		}
		// As vqspeak bench scores the codec: the envelope alignment
		// (metrics.Align) finds the small lag a vocoder's waveform shows.
		lag := metrics.Align(p.peer.says, p.inPlace, codec.SampleRate/10)
		said, heard := metrics.Compensate(p.peer.says, p.inPlace, lag)
		if d.STOI, err = metrics.STOI(said, heard, codec.SampleRate); err != nil {
			return nil, err
		}
		res = append(res, d)
	}
	return res, nil
}

// connect runs the offer/answer exchange between two PeerConnections in
// the same process (a real app sends the SDP through its signalling
// server) and waits until both are connected.
func connect(offerer, answerer *webrtc.PeerConnection) error {
	connected := func(pc *webrtc.PeerConnection) chan struct{} {
		c := make(chan struct{})
		var once sync.Once
		pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
			if s == webrtc.PeerConnectionStateConnected {
				once.Do(func() { close(c) })
			}
		})
		return c
	}
	ca, cb := connected(offerer), connected(answerer)
	exchange := func(from, to *webrtc.PeerConnection, sdp func() (webrtc.SessionDescription, error)) error {
		desc, err := sdp()
		if err != nil {
			return err
		}
		gathered := webrtc.GatheringCompletePromise(from)
		if err := from.SetLocalDescription(desc); err != nil {
			return err
		}
		<-gathered
		return to.SetRemoteDescription(*from.LocalDescription())
	}
	if err := exchange(offerer, answerer, func() (webrtc.SessionDescription, error) { return offerer.CreateOffer(nil) }); err != nil {
		return fmt.Errorf("offer: %w", err)
	}
	if err := exchange(answerer, offerer, func() (webrtc.SessionDescription, error) { return answerer.CreateAnswer(nil) }); err != nil {
		return fmt.Errorf("answer: %w", err)
	}
	timeout := time.After(10 * time.Second)
	for _, c := range []chan struct{}{ca, cb} {
		select {
		case <-c:
		case <-timeout:
			return errors.New("ICE/DTLS did not connect over loopback in 10 s")
		}
	}
	return nil
}

func writeWAV(path string, x []float32) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := audiofile.WriteWAV(f, x, codec.SampleRate); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
