// Command call is a two-party voice call over UDP on the loopback
// interface, built on the vqspeak library the way a VoIP app would use it:
//
//	microphone ─► stream.Encoder ─► vqrtp.Packetizer ─► UDP ───────────┐
//	                                                                   │  (the other party)
//	speaker ◄─ stream.Decoder.Pull ◄─ Push ◄─ vqrtp.AppendPackets ◄─ UDP
//
// Each party "speaks" a WAV file (16 kHz mono 16-bit) in real time and
// records what it hears to a WAV file; -loss drops some packets on the way
// to hear the concealment. Run it from the repository root:
//
//	go run ./examples/call -loss 0.05 -out /tmp
//
// Without -out the two WAV files go to a new temporary directory, whose
// name it prints.
//
// A real app replaces the files by a sound card (PortAudio's callback is
// where Pull goes) and the loopback addresses by the ones SDP negotiated.
package main

import (
	"errors"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/go-audio/audio"
	"github.com/go-audio/wav"
	"github.com/pion/rtp"
	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/stream"
	"github.com/vqspeak/vqspeak/stream/vqrtp"
)

func main() {
	a := flag.String("a", "testdata/audio/librispeech-367-f.wav", "what party A says (16 kHz mono 16-bit WAV)")
	b := flag.String("b", "testdata/audio/librispeech-7312-m.wav", "what party B says")
	out := flag.String("out", "", "directory for a-hears.wav and b-hears.wav (default: a new temporary directory)")
	loss := flag.Float64("loss", 0.05, "fraction of packets each party drops on sending")
	seconds := flag.Float64("seconds", 0, "stop after this long (0: when both have finished talking)")
	flag.Parse()
	if *out == "" { // not the working directory: a run from the clone would litter it
		dir, err := os.MkdirTemp("", "vqspeak-call-")
		if err != nil {
			log.Fatal(err)
		}
		*out = dir
	}
	if err := call(*a, *b, *out, *loss, *seconds); err != nil {
		log.Fatal(err)
	}
}

// party is one end of the call.
type party struct {
	name  string
	conn  *net.UDPConn
	peer  *net.UDPAddr
	says  []int16 // the "microphone"
	hears []int16 // the "speaker"
	enc   *stream.Encoder
	pz    *vqrtp.Packetizer
	dec   *stream.Decoder
	loss  float64
}

func newParty(name, wavPath string, loss float64) (*party, error) {
	says, err := readWAV(wavPath)
	if err != nil {
		return nil, err
	}
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, err
	}
	cb := codec.DefaultCodebook()
	cfg := stream.EncoderConfig{Stages: codec.DefaultStages, FEC: true, Timestamp: rand.Uint32()}
	enc, err := stream.NewEncoder(cb, &cfg)
	if err != nil {
		return nil, err
	}
	pz, err := vqrtp.NewPacketizer(96, rand.Uint32(), 1) // ptime 20
	if err != nil {
		return nil, err
	}
	pz.Timestamp = cfg.Timestamp
	dec, err := stream.NewDecoder(cb, nil)
	if err != nil {
		return nil, err
	}
	return &party{name: name, conn: conn, says: says, enc: enc, pz: pz, dec: dec, loss: loss}, nil
}

// receive pushes every frame that arrives into the jitter buffer, until the
// socket is closed. Nothing here allocates per packet.
func (p *party) receive() {
	buf := make([]byte, 1500)
	var pkt rtp.Packet
	frames := make([]stream.Packet, 0, vqrtp.MaxFrames)
	for {
		n, err := p.conn.Read(buf)
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil || pkt.Unmarshal(buf[:n]) != nil {
			continue
		}
		// Numbered per frame, so that the buffer counts lost frames;
		// DTX slots are skipped.
		if frames, err = vqrtp.AppendPackets(frames[:0], &pkt); err != nil {
			continue
		}
		for _, f := range frames {
			p.dec.Push(f)
		}
	}
}

// talk runs the party's clock: every 20 ms it sends the next 20 ms of what
// it says and plays the next 20 ms of what it hears.
func (p *party) talk(slots int) error {
	wire := make([]byte, 0, p.pz.MaxPacketSize())
	emit := func(sp stream.Packet) error {
		var err error
		if wire, err = p.pz.AppendFrameAt(wire[:0], sp.Timestamp, sp.Payload); err != nil || len(wire) == 0 {
			return err
		}
		if rand.Float64() < p.loss {
			return nil // lost on the way
		}
		_, err = p.conn.WriteToUDP(wire, p.peer)
		return err
	}
	speaker := make([]int16, codec.PacketSamples)
	silence := make([]int16, codec.PacketSamples)
	tick := time.NewTicker(codec.PacketDuration)
	defer tick.Stop()
	for s := 0; s < slots; s++ {
		mic := silence
		if start := s * codec.PacketSamples; start+codec.PacketSamples <= len(p.says) {
			mic = p.says[start : start+codec.PacketSamples]
		}
		if err := p.enc.PushInt16(mic, emit); err != nil {
			return err
		}
		p.dec.PullInt16(speaker)
		p.hears = append(p.hears, speaker...)
		<-tick.C
	}
	return nil
}

func call(aPath, bPath, outDir string, loss, seconds float64) error {
	a, err := newParty("a", aPath, loss)
	if err != nil {
		return err
	}
	b, err := newParty("b", bPath, loss)
	if err != nil {
		return err
	}
	a.peer, b.peer = b.conn.LocalAddr().(*net.UDPAddr), a.conn.LocalAddr().(*net.UDPAddr)
	fmt.Printf("a on %v, b on %v; each offers\n  %s\n  a=fmtp:96 %s\n", a.peer, b.peer, vqrtp.Rtpmap(96),
		vqrtp.Params{Stages: codec.DefaultStages, Codebook: codec.DefaultCodebook().Fingerprint(),
			PadBook: vqrtp.PadBookTag(codec.DefaultCodebook()), FEC: true}.Fmtp())

	// Talk until both are done, plus the pipeline's delay to hear the end.
	slots := (max(len(a.says), len(b.says)) + 5*codec.PacketSamples) / codec.PacketSamples
	if seconds > 0 {
		slots = int(seconds * codec.SampleRate / codec.PacketSamples)
	}
	go a.receive()
	go b.receive()
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, p := range []*party{a, b} {
		wg.Go(func() { errs[i] = p.talk(slots) })
	}
	wg.Wait()
	a.conn.Close()
	b.conn.Close()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	for _, p := range []*party{a, b} {
		st := p.dec.Stats()
		fmt.Printf("%s heard %.2f s: received %d, lost %d, recovered by FEC %d, concealed %d, late %d; mouth-to-ear %v + network\n",
			p.name, float64(len(p.hears))/codec.SampleRate, st.Received, st.Lost, st.Recovered, st.Concealed, st.Late,
			stream.EndToEnd(p.enc, p.dec))
		path := filepath.Join(outDir, p.name+"-hears.wav")
		if err := writeWAV(path, p.hears); err != nil {
			return err
		}
		fmt.Println("  wrote", path)
	}
	return nil
}

func readWAV(path string) ([]int16, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	d := wav.NewDecoder(f)
	buf, err := d.FullPCMBuffer()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if d.SampleRate != codec.SampleRate || d.NumChans != 1 || d.BitDepth != 16 {
		return nil, fmt.Errorf("%s: %d Hz, %d channels, %d bits; want 16000 Hz mono 16-bit (vqspeak encode reads anything)",
			path, d.SampleRate, d.NumChans, d.BitDepth)
	}
	pcm := make([]int16, len(buf.Data))
	for i, v := range buf.Data {
		pcm[i] = int16(v)
	}
	return pcm, nil
}

func writeWAV(path string, pcm []int16) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	e := wav.NewEncoder(f, codec.SampleRate, 16, 1, 1)
	data := make([]int, len(pcm))
	for i, v := range pcm {
		data[i] = int(v)
	}
	buf := &audio.IntBuffer{Data: data, Format: &audio.Format{NumChannels: 1, SampleRate: codec.SampleRate}, SourceBitDepth: 16}
	if err := e.Write(buf); err != nil {
		f.Close()
		return err
	}
	if err := e.Close(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
