// Command webrtc is a two-party voice call through pion/webrtc v4: two
// PeerConnections in one process negotiate the vqspeak codec (SDP offer
// and answer, ICE, DTLS, SRTP) over the loopback interface, and each
// party "speaks" a WAV file in real time and records what it hears:
//
//	file ─► stream.Encoder ─► vqrtp.Packetizer ─► TrackLocalStaticRTP ─► (SRTP) ─┐
//	                                                                             │
//	file ◄─ stream.Decoder.Pull ◄─ Push ◄─ vqrtp.AppendPackets ◄─ ReadRTP ◄──────┘
//
// It reports, per direction, the mouth-to-ear delay (capture to playout,
// measured with Decoder.PlayoutTimestamp), the intelligibility of what
// was heard against what was said (STOI), and the jitter buffer's counts.
// From this directory:
//
//	go run . -a ../../testdata/audio/librispeech-367-f.wav -loss 0.1 -fec
//
// It is a module of its own so that the vqspeak module does not depend on
// pion/webrtc; its go.mod points at the repository root.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"
)

func main() {
	var cfg Config
	flag.StringVar(&cfg.A, "a", "../../testdata/audio/librispeech-367-f.wav", "what party A says (16 kHz mono 16-bit WAV)")
	flag.StringVar(&cfg.B, "b", "../../testdata/audio/librispeech-7312-m.wav", "what party B says")
	out := flag.String("out", "", "directory for a-hears.wav and b-hears.wav (default: a new temporary directory)")
	flag.Float64Var(&cfg.Loss, "loss", 0, "fraction of packets each party drops on sending, at random")
	flag.Uint64Var(&cfg.Seed, "seed", 1, "seed of the random losses (-loss)")
	flag.BoolVar(&cfg.FEC, "fec", false, "send in-band FEC (a copy of the previous packet in each)")
	flag.IntVar(&cfg.PTime, "ptime", 20, "audio per RTP packet in ms: a multiple of 20")
	flag.DurationVar(&cfg.Stall, "stall", 0, "stall each party's playout this long, 2 s into the call (a phone's audio thread not scheduled)")
	flag.DurationVar(&cfg.Duration, "t", 0, "call length (0: until both have finished talking)")
	flag.Parse()
	if *out == "" { // not the working directory: a run from the clone would litter it
		dir, err := os.MkdirTemp("", "vqspeak-webrtc-")
		if err != nil {
			log.Fatal(err)
		}
		*out = dir
	}
	for _, listener := range []string{"a", "b"} { // before the call, not after it
		if path := filepath.Join(*out, listener+"-hears.wav"); sameFile(path, cfg.A) || sameFile(path, cfg.B) {
			log.Fatalf("%s is an input of the call: not overwriting it (choose another -out)", path)
		}
	}
	res, err := Call(cfg)
	if err != nil {
		log.Fatal(err)
	}
	for _, d := range res {
		fmt.Println(d)
		path := filepath.Join(*out, d.Listener+"-hears.wav")
		if err := writeWAV(path, d.Heard); err != nil {
			log.Fatal(err)
		}
		fmt.Println("  wrote", path)
	}
}

// Config describes one call.
type Config struct {
	A, B     string        // WAV files the parties say
	Loss     float64       // fraction of packets dropped by each sender
	Seed     uint64        // of the random losses
	FEC      bool          // in-band FEC
	PTime    int           // ms of audio per RTP packet (0: 20)
	Stall    time.Duration // a playout stall of each party, 2 s in
	Duration time.Duration // call length (0: until both are done)
}

// sameFile reports whether paths a and b name one existing file.
func sameFile(a, b string) bool {
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(fa, fb)
}
