package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/vqspeak/vqspeak/bench/metrics"
	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/codec/vqs"
	"github.com/vqspeak/vqspeak/features/resample"
	"github.com/vqspeak/vqspeak/internal/audiofile"
)

// The CLI's bad-input suite: every input is either refused with an error
// that names the problem, or turned into valid output, with the exit codes
// the README documents (0 fine, 1 failure, 2 usage), and no output or
// temporary file is left behind by a failure.

// vqspeakIn runs the CLI in-process with stdin and returns exit code,
// stdout and stderr.
func vqspeakIn(t *testing.T, ctx context.Context, stdin []byte, args ...string) (int, []byte, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(ctx, args, bytes.NewReader(stdin), &stdout, &stderr)
	return code, stdout.Bytes(), stderr.String()
}

// robustClip is 2 s of the female LibriSpeech clip, 16 kHz mono.
func robustClip(t *testing.T) []float32 {
	t.Helper()
	a, err := audiofile.ReadFile(clip)
	if err != nil {
		t.Fatal(err)
	}
	if a.Rate != codec.SampleRate || len(a.Samples) < 2*codec.SampleRate {
		t.Fatalf("fixture: %d Hz, %d samples", a.Rate, len(a.Samples))
	}
	return a.Samples[:2*codec.SampleRate]
}

// wavSpec describes a WAV file to build from mono samples.
type wavSpec struct {
	tag      uint16 // 1 PCM, 3 float, others raw
	bits     int
	channels int
	rate     int
	dataSize int64 // declared data size; -1 means the real one
	raw      []byte
}

// wavBytes encodes x (in [-1, 1]) as s describes; every channel gets x,
// scaled down by its index so that a downmix is not the identity.
func wavBytes(s wavSpec, x []float32) []byte {
	var data []byte
	if s.raw != nil {
		data = s.raw
	} else {
		for _, v := range x {
			for c := 0; c < s.channels; c++ {
				v := float64(v) / float64(c+1)
				switch {
				case s.tag == 3 && s.bits == 32:
					data = binary.LittleEndian.AppendUint32(data, math.Float32bits(float32(v)))
				case s.tag == 3 && s.bits == 64:
					data = binary.LittleEndian.AppendUint64(data, math.Float64bits(v))
				case s.bits == 8:
					data = append(data, byte(int(math.Round(v*127))+128))
				default:
					q := int64(math.Round(v * float64(int64(1)<<(s.bits-1)-1)))
					for b := 0; b < s.bits/8; b++ {
						data = append(data, byte(q>>(8*b)))
					}
				}
			}
		}
	}
	size := uint32(len(data))
	if s.dataSize >= 0 {
		size = uint32(s.dataSize)
	}
	align := s.channels * s.bits / 8
	var b []byte
	b = append(b, "RIFF"...)
	b = binary.LittleEndian.AppendUint32(b, uint32(min(int64(size)+36, math.MaxUint32)))
	b = append(b, "WAVEfmt "...)
	b = binary.LittleEndian.AppendUint32(b, 16)
	b = binary.LittleEndian.AppendUint16(b, s.tag)
	b = binary.LittleEndian.AppendUint16(b, uint16(s.channels))
	b = binary.LittleEndian.AppendUint32(b, uint32(s.rate))
	b = binary.LittleEndian.AppendUint32(b, uint32(s.rate*align))
	b = binary.LittleEndian.AppendUint16(b, uint16(align))
	b = binary.LittleEndian.AppendUint16(b, uint16(s.bits))
	b = append(b, "data"...)
	b = binary.LittleEndian.AppendUint32(b, size)
	return append(b, data...)
}

// flacHeader is the start of a FLAC stream, a STREAMINFO block declaring
// rate, mono 16-bit and 1000 samples, and no frames.
func flacHeader(rate int) []byte {
	b := []byte("fLaC\x80\x00\x00\x22")                     // last block, STREAMINFO, 34 bytes
	b = append(b, 0x10, 0x00, 0x10, 0x00, 0, 0, 0, 0, 0, 0) // block sizes 4096, frame sizes unknown
	v := uint64(rate)<<44 | uint64(15)<<36 | 1000           // rate:20 channels-1:3 bits-1:5 samples:36
	b = binary.BigEndian.AppendUint64(b, v)
	return append(b, make([]byte, 16)...) // MD5 unset
}

// writeFile writes b into dir/name and returns the path.
func writeFile(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// decodeWAV reads a WAV the CLI wrote.
func decodeWAV(t *testing.T, b []byte) []float32 {
	t.Helper()
	a, err := audiofile.Read(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if a.Rate != codec.SampleRate || a.Channels != 1 {
		t.Fatalf("decoded WAV: %d Hz, %d channels", a.Rate, a.Channels)
	}
	return a.Samples
}

// vqsLayout encodes x with the CLI and returns the file and the offsets of
// its blocks (header is 32 bytes; blocks of 50 packets of 8 bytes).
func encodeCLI(t *testing.T, dir string, x []float32) []byte {
	t.Helper()
	in := writeFile(t, dir, "src.wav", wavBytes(wavSpec{tag: 1, bits: 16, channels: 1, rate: codec.SampleRate, dataSize: -1}, x))
	out := filepath.Join(dir, "src.vqs")
	if code, _, stderr := vqspeakIn(t, context.Background(), nil, "encode", in, out); code != exitOK {
		t.Fatalf("encode: exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// leftovers lists the files in dir that are not in keep.
func leftovers(t *testing.T, dir string, keep map[string]bool) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var extra []string
	for _, e := range ents {
		if !keep[e.Name()] {
			extra = append(extra, e.Name())
		}
	}
	return extra
}

func TestCLIBadInputs(t *testing.T) {
	x := robustClip(t)
	dir := t.TempDir()
	good := encodeCLI(t, dir, x)
	const blockLen = 10 + 50*9 + 4 // 50 records of 1+8 bytes
	if len(good) < 32+2*blockLen {
		t.Fatalf("encoded file has %d bytes, want at least two blocks", len(good))
	}

	mut := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(good)) }
	flipped := mut(func(b []byte) []byte { b[32+blockLen+10+5*9+3] ^= 0x10; return b }) // a packet byte of block 2
	future := mut(func(b []byte) []byte { b[5] = 2; return b })                         // version 2
	otherCB := codec.DefaultCodebook()
	otherCB.Stages[0][0] += 0.5
	var cbBuf bytes.Buffer
	if _, err := otherCB.WriteTo(&cbBuf); err != nil {
		t.Fatal(err)
	}

	compactOut := filepath.Join(dir, "compact.vqs")
	if code, _, stderr := vqspeakIn(t, context.Background(), nil, "encode", "-compact", filepath.Join(dir, "src.wav"), compactOut); code != exitOK {
		t.Fatalf("encode -compact: exit %d: %s", code, stderr)
	}
	compact := mustRead(t, compactOut)
	compactFlipped := bytes.Clone(compact)
	compactFlipped[len(compact)/2] ^= 0x10

	files := map[string][]byte{
		"compact.vqs":        compact,
		"compactflipped.vqs": compactFlipped,
		"compactcut.vqs":     compact[:len(compact)-7],
		"good.vqs":           good,
		"empty.vqs":          {},
		"empty.wav":          {},
		"header.vqs":         good[:20],
		"magic.vqs":          append([]byte("RIFX"), good[4:]...),
		"future.vqs":         future,
		"flipped.vqs":        flipped,
		"cut.vqs":            good[:len(good)-7],
		"cutrecord.vqs":      good[:32+blockLen+10+3*9+4], // inside packet 4 of block 2
		"other.vqcb":         cbBuf.Bytes(),
		"alaw.wav":           wavBytes(wavSpec{tag: 6, bits: 8, channels: 1, rate: 8000, dataSize: -1, raw: make([]byte, 800)}, nil),
		"ulaw.wav":           wavBytes(wavSpec{tag: 7, bits: 8, channels: 1, rate: 8000, dataSize: -1, raw: make([]byte, 800)}, nil),
		"adpcm.wav":          wavBytes(wavSpec{tag: 0x11, bits: 4, channels: 1, rate: 8000, dataSize: -1, raw: make([]byte, 800)}, nil),
		"msadpcm.wav":        wavBytes(wavSpec{tag: 2, bits: 4, channels: 1, rate: 8000, dataSize: -1, raw: make([]byte, 800)}, nil),
		"zero.wav":           wavBytes(wavSpec{tag: 1, bits: 16, channels: 1, rate: 16000, dataSize: -1}, nil),
		"headeronly.wav":     wavBytes(wavSpec{tag: 1, bits: 16, channels: 1, rate: 16000, dataSize: -1}, nil)[:30],
		"cutwav.wav":         wavBytes(wavSpec{tag: 1, bits: 16, channels: 1, rate: 16000, dataSize: 4 * 32000}, x[:16000]),
		"text.wav":           []byte("this is not audio, only some text\n"),
		"1hz.wav":            wavBytes(wavSpec{tag: 1, bits: 16, channels: 1, rate: 1, dataSize: -1, raw: make([]byte, 64<<10)}, nil),
		"3999hz.wav":         wavBytes(wavSpec{tag: 1, bits: 16, channels: 1, rate: 3999, dataSize: -1, raw: make([]byte, 800)}, nil),
		"2hz.flac":           flacHeader(2),
		"cutmeta.flac":       mustRead(t, filepath.Join("..", "..", "testdata", "audio", "speechcommands-bed-28497c5b.flac"))[:5000],
		"late.jsonl":         []byte(`{"t":1e300,"index":[1],"f0":60,"voicing":5,"energy":40,"mid_f0":3,"mid_voicing":2,"mid_energy":4}` + "\n"),
		"noindex.jsonl":      []byte(`{"t":0,"index":null,"f0":60,"voicing":5,"energy":40,"mid_f0":3,"mid_voicing":2,"mid_energy":4}` + "\n"),
		"ogg.wav":            []byte("OggS\x00\x02 and some more bytes"),
	}
	for name, b := range files {
		writeFile(t, dir, name, b)
	}
	keep := map[string]bool{"src.wav": true, "src.vqs": true}
	for name := range files {
		keep[name] = true
	}
	p := func(name string) string { return filepath.Join(dir, name) }
	outWAV, outVQS := p("out.wav"), p("out.vqs")

	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		want   []string // fragments stderr must contain
		output bool     // the output file must exist afterwards
	}{
		{"empty vqs", []string{"decode", p("empty.vqs"), outWAV}, exitFailure, []string{"empty.vqs: vqs: empty file"}, false},
		{"empty wav", []string{"encode", p("empty.wav"), outVQS}, exitFailure, []string{"empty.wav: audio: malformed input at byte 0: empty input (0 bytes)"}, false},
		{"truncated vqs header", []string{"decode", p("header.vqs"), outWAV}, exitFailure, []string{"file ends inside the header: 20 of 32 bytes"}, false},
		{"wrong magic", []string{"decode", p("magic.vqs"), outWAV}, exitFailure, []string{`not a .vqs file: bad magic "RIFX"`}, false},
		{"future version", []string{"decode", p("future.vqs"), outWAV}, exitFailure, []string{"unsupported file version 2 (this build reads and writes version 1)"}, false},
		{"info future version", []string{"info", p("future.vqs")}, exitFailure, []string{"unsupported file version 2"}, false},
		{"codebook mismatch", []string{"decode", "-codebook", p("other.vqcb"), p("good.vqs"), outWAV}, exitFailure, []string{"the file was encoded with a different codebook: file needs codebook"}, false},
		{"codebook is not one", []string{"decode", "-codebook", p("text.wav"), p("good.vqs"), outWAV}, exitFailure, []string{"codebook " + p("text.wav")}, false},
		{"flipped byte", []string{"decode", p("flipped.vqs"), outWAV}, exitOK, []string{"warning: vqs: corrupt or missing data at offset 496", "lost 50 packets, #50 to #99"}, true},
		{"flipped byte strict", []string{"decode", "-strict", p("flipped.vqs"), outWAV}, exitFailure, []string{"warning: vqs: corrupt", "flipped.vqs is damaged (1 problem, 50 packets lost): nothing written"}, false},
		{"cut last block", []string{"decode", p("cut.vqs"), outWAV}, exitOK, []string{"warning: vqs: file is truncated", "missing 7 bytes", "recovered unverified"}, true},
		{"cut last block strict", []string{"decode", "-strict", p("cut.vqs"), outWAV}, exitFailure, []string{"file is truncated", "cut.vqs is damaged"}, false},
		{"cut inside a packet", []string{"decode", p("cutrecord.vqs"), outWAV}, exitOK, []string{"3 packets recovered unverified, 47 lost"}, true},
		{"cut inside a packet strict", []string{"decode", "-strict", p("cutrecord.vqs"), outWAV}, exitFailure, []string{"47 packets lost"}, false},
		{"compact, flipped byte", []string{"decode", p("compactflipped.vqs"), outWAV}, exitOK, []string{"warning: vqs: corrupt or missing data at offset", "lost 50 packets"}, true},
		{"compact, flipped byte strict", []string{"decode", "-strict", p("compactflipped.vqs"), outWAV}, exitFailure, []string{"compactflipped.vqs is damaged (1 problem, 50 packets lost): nothing written"}, false},
		{"compact, cut", []string{"decode", p("compactcut.vqs"), outWAV}, exitOK, []string{"warning: vqs: file is truncated", "missing 7 bytes"}, true},
		{"compact, cut strict", []string{"decode", "-strict", p("compactcut.vqs"), outWAV}, exitFailure, []string{"compactcut.vqs is damaged"}, false},
		{"A-law", []string{"encode", p("alaw.wav"), outVQS}, exitFailure, []string{"wav: unsupported encoding A-law"}, false},
		{"µ-law", []string{"encode", p("ulaw.wav"), outVQS}, exitFailure, []string{"wav: unsupported encoding µ-law"}, false},
		{"IMA ADPCM", []string{"encode", p("adpcm.wav"), outVQS}, exitFailure, []string{"wav: unsupported encoding IMA ADPCM"}, false},
		{"MS ADPCM", []string{"encode", p("msadpcm.wav"), outVQS}, exitFailure, []string{"wav: unsupported encoding Microsoft ADPCM"}, false},
		{"Ogg", []string{"encode", p("ogg.wav"), outVQS}, exitFailure, []string{"unsupported container Ogg"}, false},
		{"not audio", []string{"encode", p("text.wav"), outVQS}, exitFailure, []string{"are not a WAV (RIFF/RIFX/RF64) or FLAC (fLaC) header"}, false},
		{"rate 1 Hz", []string{"encode", p("1hz.wav"), outVQS}, exitFailure, []string{"wav: unsupported sample rate 1 Hz; supported: 4000 to 384000 Hz"}, false},
		{"rate 3999 Hz", []string{"encode", p("3999hz.wav"), outVQS}, exitFailure, []string{"wav: unsupported sample rate 3999 Hz; supported: 4000 to 384000 Hz"}, false},
		{"FLAC rate 2 Hz", []string{"encode", p("2hz.flac"), outVQS}, exitFailure, []string{"flac: unsupported sample rate 2 Hz; supported: 4000 to 384000 Hz"}, false},
		{"tokens rate 1 Hz", []string{"tokens", p("1hz.wav"), "-o", outVQS}, exitFailure, []string{"unsupported sample rate 1 Hz"}, false},
		{"FLAC metadata cut", []string{"encode", p("cutmeta.flac"), outVQS}, exitFailure, []string{"the file ends inside or right after its metadata blocks"}, false},
		{"token time 1e300", []string{"untokens", p("late.jsonl"), outWAV}, exitFailure, []string{"late.jsonl: line 1: field t: token value out of range: 1e+300 s is later than any recording"}, false},
		{"token index null", []string{"untokens", p("noindex.jsonl"), outWAV}, exitFailure, []string{"noindex.jsonl: line 1: field index: malformed token line: missing"}, false},
		{"zero-length audio", []string{"encode", p("zero.wav"), outVQS}, exitFailure, []string{"no audio: the file holds zero samples"}, false},
		{"WAV header cut", []string{"encode", p("headeronly.wav"), outVQS}, exitFailure, []string{"wav: malformed input"}, false},
		{"WAV data cut", []string{"encode", p("cutwav.wav"), outVQS}, exitOK, []string{"warning: the input is truncated", "1.00 s"}, true},
		{"vqs as audio", []string{"encode", p("good.vqs"), outVQS}, exitFailure, []string{"not a WAV"}, false},
		{"audio as vqs", []string{"decode", p("src.wav"), outWAV}, exitFailure, []string{`not a .vqs file: bad magic "RIFF"`}, false},
		{"missing input", []string{"encode", p("missing.wav"), outVQS}, exitFailure, []string{"no such file or directory"}, false},
		{"missing vqs", []string{"decode", p("missing.vqs"), outWAV}, exitFailure, []string{"no such file or directory"}, false},
		{"directory input", []string{"encode", dir, outVQS}, exitFailure, []string{"is a directory, not a file"}, false},
		{"directory vqs", []string{"decode", dir, outWAV}, exitFailure, []string{"is a directory, not a file"}, false},
		{"directory output", []string{"decode", p("good.vqs"), dir}, exitFailure, []string{"is a directory"}, false},
		{"output dir missing", []string{"decode", p("good.vqs"), p("nodir/out.wav")}, exitFailure, []string{"cannot create output " + p("nodir/out.wav") + ": directory " + p("nodir") + " does not exist"}, false},
		{"stages 0", []string{"encode", "-stages", "0", p("src.wav"), outVQS}, exitUsage, []string{"-stages 0: the codebook has 1 to 4 stages"}, false},
		{"extra argument", []string{"decode", p("good.vqs"), outWAV, "more"}, exitUsage, []string{"want an input and an output file, got 3 arguments"}, false},
		{"unknown flag", []string{"decode", "-loud", p("good.vqs"), outWAV}, exitUsage, []string{"flag provided but not defined: -loud"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := vqspeakIn(t, context.Background(), nil, tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tc.code, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
			if strings.Contains(stderr, "panic") || strings.Contains(stderr, "goroutine") {
				t.Errorf("stderr looks like a crash:\n%s", stderr)
			}
			if out := tc.args[len(tc.args)-1]; tc.args[0] != "info" {
				_, err := os.Stat(out)
				if exists := err == nil && out != dir; exists != tc.output {
					t.Errorf("output %s exists: %v, want %v", filepath.Base(out), exists, tc.output)
				}
			}
			os.Remove(outWAV)
			os.Remove(outVQS)
			if extra := leftovers(t, dir, keep); len(extra) > 0 {
				t.Errorf("left behind in the output directory: %v", extra)
			}
		})
	}
}

// TestCLIDamageKeepsTime checks what the decoder makes of damaged files:
// a flipped byte costs one block, concealed so that the output keeps the
// original length; a cut file keeps every complete packet.
func TestCLIDamageKeepsTime(t *testing.T) {
	x := robustClip(t)
	dir := t.TempDir()
	good := encodeCLI(t, dir, x)
	const blockLen = 10 + 50*9 + 4
	decode := func(b []byte) []float32 {
		t.Helper()
		code, out, stderr := vqspeakIn(t, context.Background(), b, "decode", "-", "-")
		if code != exitOK {
			t.Fatalf("decode: exit %d: %s", code, stderr)
		}
		return decodeWAV(t, out)
	}
	ref := decode(good)
	if len(ref) < len(x) || len(ref) > len(x)+codec.PacketSamples {
		t.Fatalf("clean decode: %d samples for %d in", len(ref), len(x))
	}
	flipped := bytes.Clone(good)
	flipped[32+blockLen+10+5*9+3] ^= 0x10
	dam := decode(flipped)
	if len(dam) != len(ref) {
		t.Errorf("damaged decode: %d samples, want %d (concealment keeps time)", len(dam), len(ref))
	}
	// The first block is untouched; the second second differs.
	first := 50*codec.PacketSamples - codec.Delay
	for i := 0; i < first; i++ {
		if dam[i] != ref[i] {
			t.Fatalf("sample %d before the damage differs", i)
		}
	}
	cut := decode(good[:32+blockLen+10+3*9+4])
	if want := (50+3)*codec.PacketSamples - codec.Delay; len(cut) != want {
		t.Errorf("cut file: %d samples, want %d (53 packets less the codec delay)", len(cut), want)
	}
	for i := range cut {
		if cut[i] != ref[i] {
			t.Fatalf("cut file: sample %d differs from the clean decode", i)
		}
	}
}

// TestCLIWAVVariants converts the clip to every WAV encoding, channel count
// and rate we accept, encodes it with the CLI and checks the decoded result
// is still the same speech (STOI against the 16 kHz original).
func TestCLIWAVVariants(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: encodes and scores ten files")
	}
	x := robustClip(t)
	dir := t.TempDir()
	refOut := func(name string, b []byte) []float32 {
		t.Helper()
		in := writeFile(t, dir, name, b)
		vqs := filepath.Join(dir, name+".vqs")
		code, _, stderr := vqspeakIn(t, context.Background(), nil, "encode", in, vqs)
		if code != exitOK {
			t.Fatalf("%s: encode exit %d: %s", name, code, stderr)
		}
		code, out, stderr := vqspeakIn(t, context.Background(), nil, "decode", vqs, "-")
		if code != exitOK {
			t.Fatalf("%s: decode exit %d: %s", name, code, stderr)
		}
		return decodeWAV(t, out)
	}
	base := refOut("base.wav", wavBytes(wavSpec{tag: 1, bits: 16, channels: 1, rate: 16000, dataSize: -1}, x))
	baseSTOI := stoi(t, x, base)
	if baseSTOI < 0.6 {
		t.Fatalf("16-bit mono: STOI %.3f, the codec itself is broken", baseSTOI)
	}
	for _, tc := range []struct {
		name string
		spec wavSpec
		loss float64 // STOI we accept to lose against the 16-bit mono original
	}{
		{"8-bit", wavSpec{tag: 1, bits: 8, channels: 1, rate: 16000}, 0.1},
		{"24-bit", wavSpec{tag: 1, bits: 24, channels: 1, rate: 16000}, 0.03},
		{"32-bit", wavSpec{tag: 1, bits: 32, channels: 1, rate: 16000}, 0.03},
		{"float32", wavSpec{tag: 3, bits: 32, channels: 1, rate: 16000}, 0.03},
		{"float64", wavSpec{tag: 3, bits: 64, channels: 1, rate: 16000}, 0.03},
		{"stereo", wavSpec{tag: 1, bits: 16, channels: 2, rate: 16000}, 0.05},
		{"8 kHz", wavSpec{tag: 1, bits: 16, channels: 1, rate: 8000}, 0.15},
		{"48 kHz", wavSpec{tag: 1, bits: 16, channels: 1, rate: 48000}, 0.05},
		{"44.1 kHz stereo float", wavSpec{tag: 3, bits: 32, channels: 2, rate: 44100}, 0.05},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := x
			if tc.spec.rate != codec.SampleRate {
				src = resample.All(x, codec.SampleRate, tc.spec.rate)
			}
			tc.spec.dataSize = -1
			out := refOut(strings.ReplaceAll(tc.name, " ", "_")+".wav", wavBytes(tc.spec, src))
			if d := len(out) - len(base); d < -codec.PacketSamples || d > codec.PacketSamples {
				t.Errorf("%d samples decoded, 16-bit mono gives %d", len(out), len(base))
			}
			s := stoi(t, x, out[:min(len(out), len(x))])
			t.Logf("STOI %.3f (16-bit mono %.3f)", s, baseSTOI)
			if s < baseSTOI-tc.loss {
				t.Errorf("STOI %.3f, 16-bit mono gives %.3f: the conversion lost the speech", s, baseSTOI)
			}
		})
	}
}

func stoi(t *testing.T, ref, deg []float32) float64 {
	t.Helper()
	n := min(len(ref), len(deg))
	s, err := metrics.STOI(ref[:n], deg[:n], codec.SampleRate)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestCLIHugeDeclaredWAV gives encode a WAV whose header declares 4 GB of
// data but holds one second: the CLI must encode that second without
// allocating anything near the declared size.
func TestCLIHugeDeclaredWAV(t *testing.T) {
	x := robustClip(t)[:codec.SampleRate]
	dir := t.TempDir()
	for _, size := range []int64{0xFFFFFFF0, 0xFFFFFFFF, 0x7FFFFFFF} {
		in := writeFile(t, dir, "huge.wav", wavBytes(wavSpec{tag: 1, bits: 16, channels: 1, rate: 16000, dataSize: size}, x))
		out := filepath.Join(dir, "huge.vqs")
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		code, _, stderr := vqspeakIn(t, context.Background(), nil, "encode", "-f", in, out)
		runtime.ReadMemStats(&after)
		if code != exitOK {
			t.Fatalf("declared %d bytes: exit %d: %s", size, code, stderr)
		}
		alloc := after.TotalAlloc - before.TotalAlloc
		t.Logf("declared %d bytes: %.1f MB allocated; %s", size, float64(alloc)/1e6, strings.TrimSpace(stderr))
		if alloc > 100<<20 {
			t.Errorf("declared %d bytes: encode allocated %d bytes", size, alloc)
		}
		if !strings.Contains(stderr, "1.00 s") {
			t.Errorf("stderr does not report the 1 s actually present: %s", stderr)
		}
	}
}

// TestCLIStdio runs encode and decode through stdin and stdout ("-") and
// checks the result equals the file-to-file path byte for byte.
func TestCLIStdio(t *testing.T) {
	x := robustClip(t)
	dir := t.TempDir()
	wav := wavBytes(wavSpec{tag: 1, bits: 16, channels: 1, rate: 16000, dataSize: -1}, x)
	viaFiles := encodeCLI(t, dir, x)

	code, vqs, stderr := vqspeakIn(t, context.Background(), wav, "encode", "-", "-")
	if code != exitOK {
		t.Fatalf("encode - -: exit %d: %s", code, stderr)
	}
	if !bytes.Equal(vqs, viaFiles) {
		t.Fatalf("encode - - wrote %d bytes, file to file %d, and they differ", len(vqs), len(viaFiles))
	}
	code, out, stderr := vqspeakIn(t, context.Background(), vqs, "decode", "-", "-")
	if code != exitOK {
		t.Fatalf("decode - -: exit %d: %s", code, stderr)
	}
	wavOut := filepath.Join(dir, "file.wav")
	if code, _, stderr := vqspeakIn(t, context.Background(), nil, "decode", filepath.Join(dir, "src.vqs"), wavOut); code != exitOK {
		t.Fatalf("decode: exit %d: %s", code, stderr)
	}
	// Decoding streams: stdout cannot seek back to patch the header, so it
	// carries the "until end of stream" sizes; the samples are the same.
	b, _ := os.ReadFile(wavOut)
	if !slices.Equal(decodeWAV(t, b), decodeWAV(t, out)) {
		t.Fatal("decode - - differs from decode to a file")
	}
	if len(out) < 44 || binary.LittleEndian.Uint32(out[40:44]) != math.MaxUint32 || binary.LittleEndian.Uint32(b[40:44]) != uint32(len(b)-44) {
		t.Errorf("data sizes: stdout %x (want ffffffff), file %x (want %x)", out[40:44], b[40:44], len(b)-44)
	}
	// Empty stdin is an error that names it.
	code, out, stderr = vqspeakIn(t, context.Background(), nil, "decode", "-", "-")
	if code != exitFailure || len(out) != 0 || !strings.Contains(stderr, "-: vqs: empty file") {
		t.Errorf("decode of empty stdin: exit %d, %d bytes out, stderr %q", code, len(out), stderr)
	}
	code, out, stderr = vqspeakIn(t, context.Background(), nil, "encode", "-", "-")
	if code != exitFailure || len(out) != 0 || !strings.Contains(stderr, "-: audio: malformed input at byte 0: empty input") {
		t.Errorf("encode of empty stdin: exit %d, %d bytes out, stderr %q", code, len(out), stderr)
	}
}

// cancelAfter is a context whose Err turns to context.Canceled after n
// calls: a deterministic stand-in for Ctrl-C arriving partway.
type cancelAfter struct {
	context.Context
	n atomic.Int32
}

func (c *cancelAfter) Err() error {
	if c.n.Add(-1) < 0 {
		return context.Canceled
	}
	return nil
}

func (c *cancelAfter) Done() <-chan struct{} {
	if c.n.Load() <= 0 {
		ch := make(chan struct{})
		close(ch)
		return ch
	}
	return nil
}

// TestCLIInterruptedEncode cancels encode after two of its one-second
// chunks: the output must be a valid, undamaged .vqs holding exactly what
// was encoded, and the CLI must say so and exit 130.
func TestCLIInterruptedEncode(t *testing.T) {
	a, err := audiofile.ReadFile(clip)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "part.vqs")
	ctx := &cancelAfter{Context: context.Background()}
	ctx.n.Store(2)
	code, _, stderr := vqspeakIn(t, ctx, nil, "encode", clip, out)
	if code != exitInterrupted || !strings.Contains(stderr, "interrupted: "+out+" is a valid file holding the first 2.00 s (101 packets)") {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "s read before the interrupt → ") {
		t.Errorf("the summary does not say its length is the part read:\n%s", stderr)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatalf("the interrupted encode left no output: %v", err)
	}
	defer f.Close()
	fd, err := vqs.NewDecoder(f, codec.DefaultCodebook())
	if err != nil {
		t.Fatal(err)
	}
	var pcm []float32
	for {
		pcm, err = fd.ReadSamples(pcm)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if s := fd.Stats(); s.Damaged() || s.Packets != 101 || len(fd.Damage()) != 0 {
		t.Errorf("interrupted file: stats %+v, damage %v; want 101 clean packets", s, fd.Damage())
	}
	if testing.Short() {
		return
	}
	// It is the start of the full encode, exactly.
	full := filepath.Join(dir, "full.vqs")
	if code, _, stderr := vqspeakIn(t, context.Background(), nil, "encode", clip, full); code != exitOK {
		t.Fatalf("full encode: exit %d: %s", code, stderr)
	}
	_, partPk, _, err1 := vqs.ReadAllPackets(bytes.NewReader(mustRead(t, out)))
	_, fullPk, _, err2 := vqs.ReadAllPackets(bytes.NewReader(mustRead(t, full)))
	if err1 != nil || err2 != nil || len(fullPk) <= len(partPk) {
		t.Fatalf("%d and %d packets (%v, %v)", len(partPk), len(fullPk), err1, err2)
	}
	for i := 0; i < 100; i++ { // the last packet holds the flushed lookahead
		if !bytes.Equal(partPk[i], fullPk[i]) {
			t.Fatalf("packet %d of the interrupted file differs from the full encode", i)
		}
	}
	if len(a.Samples) < 3*codec.SampleRate {
		t.Fatal("fixture too short to interrupt")
	}
	if extra := leftovers(t, dir, map[string]bool{"part.vqs": true, "full.vqs": true}); len(extra) > 0 {
		t.Errorf("left behind: %v", extra)
	}
}

// TestCLIInterruptedOverwrite: an interrupted run with -f leaves the file
// it was to replace exactly as it was (a partial result never destroys a
// complete one), says so, and removes its temporary file.
func TestCLIInterruptedOverwrite(t *testing.T) {
	dir := t.TempDir()
	vqsOut, wavOut := filepath.Join(dir, "whole.vqs"), filepath.Join(dir, "whole.wav")
	if code, _, stderr := vqspeakIn(t, context.Background(), nil, "encode", clip, vqsOut); code != exitOK {
		t.Fatal(stderr)
	}
	if code, _, stderr := vqspeakIn(t, context.Background(), nil, "decode", vqsOut, wavOut); code != exitOK {
		t.Fatal(stderr)
	}
	wholeVQS, wholeWAV := mustRead(t, vqsOut), mustRead(t, wavOut)
	for _, tc := range []struct {
		name string
		args []string
		out  string
		keep []byte
	}{
		{"encode", []string{"encode", "-f", clip, vqsOut}, vqsOut, wholeVQS},
		{"decode", []string{"decode", "-f", vqsOut, wavOut}, wavOut, wholeWAV},
		{"untokens", nil, wavOut, wholeWAV}, // args filled in below
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			if tc.name == "untokens" {
				tok := filepath.Join(dir, "t.jsonl")
				if code, _, stderr := vqspeakIn(t, context.Background(), nil, "tokens", "-f", "-o", tok, vqsOut); code != exitOK {
					t.Fatal(stderr)
				}
				args = []string{"untokens", "-f", tok, wavOut}
			}
			ctx := &cancelAfter{Context: context.Background()}
			ctx.n.Store(2)
			code, _, stderr := vqspeakIn(t, ctx, nil, args...)
			if code != exitInterrupted || !strings.Contains(stderr, "interrupted: "+tc.out+" is left as it was (an interrupted run does not replace an existing file)") {
				t.Fatalf("exit %d, stderr:\n%s", code, stderr)
			}
			if !bytes.Equal(mustRead(t, tc.out), tc.keep) {
				t.Errorf("the interrupted run changed %s", tc.out)
			}
			if extra := leftovers(t, dir, map[string]bool{"whole.vqs": true, "whole.wav": true, "t.jsonl": true}); len(extra) > 0 {
				t.Errorf("left behind: %v", extra)
			}
		})
	}
}

// TestCLIInfoAllLost: info on a file whose every packet is lost reports
// the bitrate as unknown (JSON null), not NaN, and says why.
func TestCLIInfoAllLost(t *testing.T) {
	dir := t.TempDir()
	b := encodeCLI(t, dir, robustClip(t)[:8000]) // 26 packets, one block
	b[len(b)/2] ^= 0xFF                          // in the packets: the block header still says how many were lost
	in := writeFile(t, dir, "lost.vqs", b)
	code, stdout, stderr := vqspeakIn(t, context.Background(), nil, "info", "-json", in)
	if code != exitOK {
		t.Fatalf("info -json: exit %d: %s", code, stderr)
	}
	var info struct {
		Packets int64    `json:"packets"`
		Lost    int64    `json:"lost_packets"`
		Bitrate *float64 `json:"bitrate_bps"`
	}
	if err := json.Unmarshal(stdout, &info); err != nil {
		t.Fatalf("%v:\n%s", err, stdout)
	}
	if info.Packets != 0 || info.Lost == 0 || info.Bitrate != nil || !bytes.Contains(stdout, []byte(`"bitrate_bps": null`)) {
		t.Errorf("packets %d, lost %d, bitrate %v; want 0, some, null:\n%s", info.Packets, info.Lost, info.Bitrate, stdout)
	}
	code, stdout, _ = vqspeakIn(t, context.Background(), nil, "info", in)
	if code != exitOK || bytes.Contains(stdout, []byte("NaN")) || !strings.Contains(string(stdout), fmt.Sprintf("bitrate:     unknown: no packet could be read (%d lost)", info.Lost)) {
		t.Errorf("info: exit %d:\n%s", code, stdout)
	}
}

// TestCLIDamagedFLAC: a damaged frame in a FLAC input costs that frame,
// not the file: encode warns, keeps the timing (the same packet count as
// the undamaged file) and exits 0; with -strict it writes nothing and
// exits 1.
func TestCLIDamagedFLAC(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join("..", "..", "testdata", "audio", "speechcommands-bed-28497c5b.flac")
	good := mustRead(t, src)
	bad := bytes.Clone(good)
	bad[len(bad)/2] ^= 0x55
	in := writeFile(t, dir, "bad.flac", bad)
	ref, out := filepath.Join(dir, "ref.vqs"), filepath.Join(dir, "out.vqs")
	if code, _, stderr := vqspeakIn(t, context.Background(), nil, "encode", src, ref); code != exitOK {
		t.Fatal(stderr)
	}
	code, _, stderr := vqspeakIn(t, context.Background(), nil, "encode", "-strict", in, out)
	if code != exitFailure || !strings.Contains(stderr, "bad.flac is damaged (1 damaged frame): nothing written") {
		t.Errorf("-strict: exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("-strict wrote an output")
	}
	code, _, stderr = vqspeakIn(t, context.Background(), nil, "encode", in, out)
	if code != exitOK || !strings.Contains(stderr, "bad.flac: warning: flac: damaged frame at byte") ||
		!strings.Contains(stderr, "samples of silence in its place") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	code, _, stderr = vqspeakIn(t, context.Background(), nil, "tokens", "-o", filepath.Join(dir, "t.jsonl"), in)
	if code != exitOK || !strings.Contains(stderr, "bad.flac: warning: flac: damaged frame at byte") {
		t.Errorf("tokens: exit %d: %s", code, stderr)
	}
	_, refPk, _, err1 := vqs.ReadAllPackets(bytes.NewReader(mustRead(t, ref)))
	_, outPk, _, err2 := vqs.ReadAllPackets(bytes.NewReader(mustRead(t, out)))
	if err1 != nil || err2 != nil || len(outPk) != len(refPk) {
		t.Errorf("%d packets from the damaged file, %d from the good one (%v, %v)", len(outPk), len(refPk), err1, err2)
	}
}

// TestTempFileErrorsNameTheOutput: an error writing the hidden temporary
// file (here: after it was closed; a full disk alike) names the output the
// user gave, never the temporary file.
func TestTempFileErrorsNameTheOutput(t *testing.T) {
	dir := t.TempDir()
	e := &env{ctx: context.Background(), stdout: io.Discard, stderr: io.Discard}
	o, err := e.createOutput(filepath.Join(dir, "out.wav"))
	if err != nil {
		t.Fatal(err)
	}
	defer o.Abort()
	o.f.Close()
	_, err = o.W.Write([]byte("x"))
	if err == nil || strings.Contains(err.Error(), ".tmp") || !strings.Contains(err.Error(), "writing "+filepath.Join(dir, "out.wav")) {
		t.Errorf("write error %q", err)
	}
	if _, err := o.W.(io.Seeker).Seek(0, io.SeekStart); err == nil || strings.Contains(err.Error(), ".tmp") {
		t.Errorf("seek error %q", err)
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestCLINoPanics runs every command on a set of hostile files: each must
// end with exit code 0, 1 or 2, and a message when it is not 0.
func TestCLINoPanics(t *testing.T) {
	dir := t.TempDir()
	x := robustClip(t)[:8000]
	good := encodeCLI(t, dir, x)
	inputs := map[string][]byte{
		"zeros":      make([]byte, 4096),
		"ff":         bytes.Repeat([]byte{0xFF}, 4096),
		"syncs":      bytes.Repeat([]byte{0xB7, 0x5C, 0, 255, 0, 0, 0, 0, 0xFF, 0xFF}, 400),
		"vqs-header": good[:32],
		"vqs-blocks": append(bytes.Clone(good[:32]), bytes.Repeat(good[32:], 5)...),
		"riff-huge":  wavBytes(wavSpec{tag: 1, bits: 16, channels: 65535, rate: 384000, dataSize: 0xFFFFFFFF, raw: []byte{1}}, nil),
		"riff-odd":   wavBytes(wavSpec{tag: 1, bits: 12, channels: 3, rate: 1, dataSize: -1, raw: make([]byte, 99)}, nil),
		"flac-magic": append([]byte("fLaC"), bytes.Repeat([]byte{0x80}, 100)...),
	}
	for name, b := range inputs {
		in := writeFile(t, dir, name, b)
		for _, args := range [][]string{
			{"encode", in, filepath.Join(dir, "o.vqs")},
			{"decode", in, filepath.Join(dir, "o.wav")},
			{"decode", "-strict", in, filepath.Join(dir, "o.wav")},
			{"info", in},
			{"eval", in, in},
		} {
			code, _, stderr := vqspeakIn(t, context.Background(), nil, args...)
			if code < 0 || code > 2 || (code != 0 && stderr == "") {
				t.Errorf("%s %s: exit %d, stderr %q", args[0], name, code, stderr)
			}
			os.Remove(filepath.Join(dir, "o.vqs"))
			os.Remove(filepath.Join(dir, "o.wav"))
		}
	}
}

// TestCLIFailureKeepsOldOutput checks a failed run leaves an existing
// output file exactly as it was (outputs are renamed into place only on
// success), that replacing it takes -f, and that a successful run with -f
// replaces it whole.
func TestCLIFailureKeepsOldOutput(t *testing.T) {
	dir := t.TempDir()
	old := []byte("the previous contents of out.wav")
	out := writeFile(t, dir, "out.wav", old)
	bad := writeFile(t, dir, "bad.vqs", []byte("VQSP but not really"))
	code, _, stderr := vqspeakIn(t, context.Background(), nil, "decode", bad, out)
	if code != exitFailure || !strings.Contains(stderr, "bad.vqs: vqs:") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if b := mustRead(t, out); !bytes.Equal(b, old) {
		t.Errorf("a failed decode changed the existing output to %q", b)
	}
	good := encodeCLI(t, dir, robustClip(t)[:4000])
	in := writeFile(t, dir, "good.vqs", good)
	// Without -f an existing output is refused and kept.
	code, _, stderr = vqspeakIn(t, context.Background(), nil, "decode", in, out)
	if code != exitFailure || !strings.Contains(stderr, "output "+out+" exists: add -f to overwrite it") {
		t.Fatalf("decode over an existing file without -f: exit %d: %s", code, stderr)
	}
	if b := mustRead(t, out); !bytes.Equal(b, old) {
		t.Errorf("a refused decode changed the existing output to %q", b)
	}
	if code, _, stderr := vqspeakIn(t, context.Background(), nil, "decode", "-f", in, out); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if x := decodeWAV(t, mustRead(t, out)); len(x) < 4000 {
		t.Errorf("replaced output holds %d samples", len(x))
	}
	if extra := leftovers(t, dir, map[string]bool{"out.wav": true, "bad.vqs": true, "good.vqs": true, "src.wav": true, "src.vqs": true}); len(extra) > 0 {
		t.Errorf("left behind: %v", extra)
	}
}
