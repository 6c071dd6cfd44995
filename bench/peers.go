package bench

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/features/resample"
	"github.com/vqspeak/vqspeak/internal/audiofile"
	"github.com/vqspeak/vqspeak/internal/corpus"
	"github.com/vqspeak/vqspeak/internal/pcm"
)

// A Peer is another speech codec, run through its command-line tools, that
// the harness measures on the same clips for comparison.
type Peer struct {
	Codec   string   // "Opus", "Codec 2", "Speex"
	Setting string   // the setting, as the tables show it
	Tools   []string // executables it needs in PATH
	// Package is where the tools come from (for the note when missing).
	Package string
	// NominalBPS is the advertised rate, when the measured payload differs.
	NominalBPS float64
	// Run codes x (16 kHz) with scratch files in dir and returns the decoded
	// signal at 16 kHz and the audio payload in bytes (no container).
	Run func(ctx context.Context, dir string, x []float32) ([]float32, int64, error)
}

// DefaultPeers are the comparison points of the README: Opus at its lowest
// rates with 20 ms frames, Codec 2 (an 8 kHz codec, fed resampled speech)
// from 3200 down to 700C (1300 too), and Speex at its lowest qualities.
//
// Payload rates: for Opus and Speex, the sum of the Ogg packets' sizes
// after the two header packets (page headers and headers are container);
// for Codec 2, the size of the headerless .bit file, which stores each frame
// in whole bytes (700C: 28 bits in 4 bytes per 40 ms, so 800 b/s against a
// nominal 700). Rates are over the duration of the input.
func DefaultPeers() []Peer {
	var ps []Peer
	for _, kbps := range []int{6, 8} {
		ps = append(ps, Peer{
			Codec:   "Opus",
			Setting: fmt.Sprintf("--bitrate %d --framesize 20 --speech", kbps),
			Tools:   []string{"opusenc", "opusdec"},
			Package: "opus-tools",
			Run:     opusRunner(kbps),
		})
	}
	for _, m := range []struct {
		mode    string
		nominal float64
	}{{"3200", 3200}, {"2400", 2400}, {"1600", 1600}, {"1300", 1300}, {"700C", 700}} {
		ps = append(ps, Peer{
			Codec:      "Codec 2",
			Setting:    "mode " + m.mode + " (8 kHz)",
			Tools:      []string{"c2enc", "c2dec"},
			Package:    "codec2",
			NominalBPS: m.nominal,
			Run:        codec2Runner(m.mode),
		})
	}
	for _, q := range []int{0, 1} {
		ps = append(ps, Peer{
			Codec:   "Speex",
			Setting: fmt.Sprintf("wideband --quality %d", q),
			Tools:   []string{"speexenc", "speexdec"},
			Package: "speex",
			Run:     speexRunner(q, true),
		})
	}
	ps = append(ps, Peer{
		Codec:   "Speex",
		Setting: "narrowband --quality 0 (8 kHz)",
		Tools:   []string{"speexenc", "speexdec"},
		Package: "speex",
		Run:     speexRunner(0, false),
	})
	return ps
}

// Available keeps the peers whose tools are all in PATH and returns a note
// for each missing tool.
func Available(peers []Peer) (ok []Peer, notes []string) {
	seen := map[string]bool{}
	for _, p := range peers {
		var missing []string
		for _, t := range p.Tools {
			if _, err := exec.LookPath(t); err != nil {
				missing = append(missing, t)
			}
		}
		if len(missing) == 0 {
			ok = append(ok, p)
			continue
		}
		key := strings.Join(missing, ",")
		if !seen[key] {
			seen[key] = true
			notes = append(notes, fmt.Sprintf("skipping %s: %s not found in PATH (install %s)",
				p.Codec, strings.Join(missing, " and "), p.Package))
		}
	}
	return ok, notes
}

// ErrOgg means a peer's output is not a well-formed Ogg stream.
var ErrOgg = errors.New("bench: malformed Ogg stream")

func opusRunner(kbps int) func(context.Context, string, []float32) ([]float32, int64, error) {
	return func(ctx context.Context, dir string, x []float32) ([]float32, int64, error) {
		in, enc, out := filepath.Join(dir, "in.wav"), filepath.Join(dir, "x.opus"), filepath.Join(dir, "out.wav")
		if err := writeWAV(in, x, codec.SampleRate); err != nil {
			return nil, 0, err
		}
		if err := tool(ctx, "opusenc", "--quiet", "--bitrate", fmt.Sprint(kbps), "--framesize", "20", "--speech", in, enc); err != nil {
			return nil, 0, err
		}
		if err := tool(ctx, "opusdec", "--quiet", "--rate", fmt.Sprint(codec.SampleRate), enc, out); err != nil {
			return nil, 0, err
		}
		return oggResult(enc, out)
	}
}

func speexRunner(quality int, wideband bool) func(context.Context, string, []float32) ([]float32, int64, error) {
	return func(ctx context.Context, dir string, x []float32) ([]float32, int64, error) {
		in, enc, out := filepath.Join(dir, "in.wav"), filepath.Join(dir, "x.spx"), filepath.Join(dir, "out.wav")
		band, rate := "-w", codec.SampleRate
		if !wideband {
			band, rate = "-n", 8000
			x = resample.All(x, codec.SampleRate, rate)
		}
		if err := writeWAV(in, x, rate); err != nil {
			return nil, 0, err
		}
		if err := tool(ctx, "speexenc", "--quiet", band, "--quality", fmt.Sprint(quality), in, enc); err != nil {
			return nil, 0, err
		}
		if err := tool(ctx, "speexdec", enc, out); err != nil {
			return nil, 0, err
		}
		return oggResult(enc, out)
	}
}

func codec2Runner(mode string) func(context.Context, string, []float32) ([]float32, int64, error) {
	return func(ctx context.Context, dir string, x []float32) ([]float32, int64, error) {
		in, enc, out := filepath.Join(dir, "in.raw"), filepath.Join(dir, "x.bit"), filepath.Join(dir, "out.raw")
		if err := os.WriteFile(in, pcm16(resample.All(x, codec.SampleRate, 8000)), 0o600); err != nil {
			return nil, 0, err
		}
		if err := tool(ctx, "c2enc", mode, in, enc); err != nil {
			return nil, 0, err
		}
		if err := tool(ctx, "c2dec", mode, enc, out); err != nil {
			return nil, 0, err
		}
		fi, err := os.Stat(enc)
		if err != nil {
			return nil, 0, err
		}
		raw, err := os.ReadFile(out)
		if err != nil {
			return nil, 0, err
		}
		y := make([]float32, len(raw)/2)
		for i := range y {
			y[i] = pcm.FromInt16(int16(binary.LittleEndian.Uint16(raw[2*i:])))
		}
		return resample.All(y, 8000, codec.SampleRate), fi.Size(), nil
	}
}

// oggResult reads a decoded WAV (resampled to 16 kHz if need be) and the
// audio payload of the Ogg file it came from.
func oggResult(oggPath, wavPath string) ([]float32, int64, error) {
	b, err := os.ReadFile(oggPath)
	if err != nil {
		return nil, 0, err
	}
	payload, err := OggPayload(b, 2)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", oggPath, err)
	}
	y, err := corpus.Load(wavPath)
	if err != nil {
		return nil, 0, err
	}
	return y, payload, nil
}

// OggPayload returns the total size of the packets of a single-stream Ogg
// file after its first skip packets (the codec's header packets): the
// audio payload without container overhead.
func OggPayload(b []byte, skip int) (int64, error) {
	var total, cur int64
	packets := 0
	for off := 0; off < len(b); {
		if len(b)-off < 27 || string(b[off:off+4]) != "OggS" {
			return 0, fmt.Errorf("%w: no page at byte %d", ErrOgg, off)
		}
		nseg := int(b[off+26])
		if len(b)-off < 27+nseg {
			return 0, fmt.Errorf("%w: truncated page header at byte %d", ErrOgg, off)
		}
		lacing := b[off+27 : off+27+nseg]
		body := 0
		for _, l := range lacing {
			body += int(l)
			cur += int64(l)
			if l < 255 { // a packet ends here
				if packets >= skip {
					total += cur
				}
				packets++
				cur = 0
			}
		}
		off += 27 + nseg + body
		if off > len(b) {
			return 0, fmt.Errorf("%w: truncated page body", ErrOgg)
		}
	}
	return total, nil
}

// tool runs an external program and returns its stderr in the error.
func tool(ctx context.Context, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > 200 {
			msg = msg[:200]
		}
		return fmt.Errorf("%s: %w: %s", name, err, msg)
	}
	return nil
}

func writeWAV(path string, x []float32, rate int) error {
	var buf bytes.Buffer
	if err := audiofile.WriteWAV(&buf, x, rate); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o600)
}

// pcm16 converts to signed 16-bit little-endian samples, clipping.
func pcm16(x []float32) []byte {
	b := make([]byte, 2*len(x))
	for i, v := range x {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(pcm.ToInt16(v)))
	}
	return b
}
