package demo

import (
	"bytes"
	"errors"
	"os"
	"testing"

	"github.com/vqspeak/vqspeak/bench/metrics"
	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/codec/vqs"
	"github.com/vqspeak/vqspeak/features/resample"
)

const clipPath = "../../testdata/audio/librispeech-367-f.wav"

func readClip(t testing.TB) []byte {
	b, err := os.ReadFile(clipPath)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// run feeds x (at rate) through p in chunks of 10 ms.
func run(t testing.TB, p *Pipeline, x []float32, rate int) {
	chunk := rate / 100
	out := make([]float32, chunk)
	for i := 0; i+chunk <= len(x); i += chunk {
		if err := p.Process(out, x[i:i+chunk]); err != nil {
			t.Fatal(err)
		}
	}
}

// TestPipelineQuality: the clip at 48 kHz (and 44.1) through the live path decodes to
// speech that STOI scores like the codec's own file path (0.88 for this clip).
func TestPipelineQuality(t *testing.T) {
	x16, err := ReadAudio(readClip(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		cfg  Config
		min  float64
	}{
		{"clean", Config{Rate: 48000, Record: 10}, 0.82},
		{"clean, 44.1 kHz device", Config{Rate: 44100, Record: 10}, 0.82},
		{"10% loss, FEC, 60 ms jitter", Config{Rate: 48000, Record: 10, Loss: 0.1, FEC: true, JitterMS: 60}, 0.75},
	} {
		x := resample.All(x16, codec.SampleRate, tc.cfg.Rate)
		x = append(x, make([]float32, tc.cfg.Rate/2)...) // let the last words out
		p, err := New(codec.DefaultCodebook(), tc.cfg)
		if err != nil {
			t.Fatal(err)
		}
		run(t, p, x, tc.cfg.Rate)
		mic, out := p.Recorded(10)
		stoi, lag := alignedSTOI(t, mic, out)
		s := p.Stats()
		t.Logf("%s: STOI %.3f, delay %.1f ms, reported latency %.1f ms, %d lost, %d concealed, %d rebuilt by FEC",
			tc.name, stoi, float64(lag)*1000/codec.SampleRate, s.LatencyMS, s.NetLost, s.Concealed, s.Recovered)
		if stoi < tc.min {
			t.Errorf("%s: STOI %.3f, want ≥ %.2f", tc.name, stoi, tc.min)
		}
		if tc.cfg.Loss > 0 && (s.NetLost == 0 || s.Concealed+s.Recovered == 0) {
			t.Errorf("%s: %+v: want losses concealed or rebuilt", tc.name, s)
		}
	}
}

// TestProcessNoAllocations: in steady state the live path allocates
// nothing per chunk, with FEC, DTX, loss and jitter on.
func TestProcessNoAllocations(t *testing.T) {
	x16, err := ReadAudio(readClip(t))
	if err != nil {
		t.Fatal(err)
	}
	x := resample.All(x16, codec.SampleRate, 44100)
	p, err := New(codec.DefaultCodebook(), Config{Rate: 44100, Loss: 0.1, JitterMS: 40, FEC: true, DTX: true, Record: 2})
	if err != nil {
		t.Fatal(err)
	}
	run(t, p, x[:44100], 44100) // warm up
	out := make([]float32, 441)
	i := 44100
	allocs := testing.AllocsPerRun(200, func() {
		if i+441 > len(x) {
			i = 0
		}
		if err := p.Process(out, x[i:i+441]); err != nil {
			t.Fatal(err)
		}
		i += 441
	})
	if allocs != 0 {
		t.Errorf("Process: %.2f allocations per chunk, want 0", allocs)
	}
}

// TestSettings: the settings change the traffic as they say.
func TestSettings(t *testing.T) {
	x16, err := ReadAudio(readClip(t))
	if err != nil {
		t.Fatal(err)
	}
	p, err := New(codec.DefaultCodebook(), Config{Rate: codec.SampleRate})
	if err != nil {
		t.Fatal(err)
	}
	second := x16[:codec.SampleRate]
	bitrate := func() int64 {
		before := p.Stats().Bytes
		run(t, p, second, codec.SampleRate)
		return 8 * (p.Stats().Bytes - before)
	}
	bitrate()
	four := bitrate()
	if err := p.SetStages(1); err != nil {
		t.Fatal(err)
	}
	bitrate()
	one := bitrate()
	if err := p.SetOptions(true, false); err != nil {
		t.Fatal(err)
	}
	bitrate()
	fec := bitrate()
	t.Logf("b/s: 4 stages %d, 1 stage %d, 1 stage + FEC %d", four, one, fec)
	if four < 3100 || four > 3300 || one < 1900 || one > 2100 || fec < one+1400 {
		t.Errorf("bitrates %d, %d, %d: want about 3200, 2000 and 2000 + 1600", four, one, fec)
	}
	if err := p.SetStages(9); err == nil {
		t.Error("SetStages(9): no error")
	}
	if err := p.SetNetwork(1.5, 0); err == nil {
		t.Error("SetNetwork(1.5, 0): no error")
	}
	if err := p.Process(make([]float32, 3), make([]float32, 4)); !errors.Is(err, ErrChunk) {
		t.Errorf("mismatched lengths: %v, want ErrChunk", err)
	}
	if _, err := New(codec.DefaultCodebook(), Config{Rate: 5}); err == nil {
		t.Error("rate 5 Hz: no error")
	}
}

// TestFiles: a file round trip, and bad input gets an error, not a panic.
func TestFiles(t *testing.T) {
	cb := codec.DefaultCodebook()
	wav := readClip(t)
	vqsFile, err := EncodeFile(cb, wav, 2)
	if err != nil {
		t.Fatal(err)
	}
	pcm, damage, err := DecodeFile(cb, vqsFile)
	if err != nil || len(damage) != 0 {
		t.Fatalf("decode: %v, damage %v", err, damage)
	}
	x, _ := ReadAudio(wav)
	if len(pcm) < len(x) || len(pcm) > len(x)+2*codec.PacketSamples {
		t.Errorf("decoded %d samples of a %d-sample clip", len(pcm), len(x))
	}
	out, err := WAV(pcm)
	if err != nil || !bytes.HasPrefix(out, []byte("RIFF")) || len(out) != 44+2*len(pcm) {
		t.Errorf("WAV: %d bytes, %v", len(out), err)
	}
	cut, damage, err := DecodeFile(cb, vqsFile[:len(vqsFile)/2])
	if err != nil || len(damage) == 0 || len(cut) == 0 {
		t.Errorf("half a file: %d samples, damage %v, err %v; want the first half and its damage reported", len(cut), damage, err)
	}
	for _, bad := range [][]byte{nil, []byte("VQSP"), []byte("RIFF\x00\x00"), bytes.Repeat([]byte{0xff}, 100)} {
		if _, _, err := DecodeFile(cb, bad); err == nil {
			t.Errorf("DecodeFile(%q): no error", bad)
		}
		if _, err := EncodeFile(cb, bad, 4); err == nil {
			t.Errorf("EncodeFile(%q): no error", bad)
		}
	}
}

// alignedSTOI scores deg against ref after removing the delay: Align's
// estimate from energy envelopes, refined to the best STOI within ±15 ms
// (a vocoder's envelope peaks are blurred by a few ms, and STOI's 25 ms
// frames are sensitive to that).
func alignedSTOI(t *testing.T, ref, deg []float32) (float64, int) {
	t.Helper()
	est := metrics.Align(ref, deg, codec.SampleRate/2)
	best, bestLag := -1.0, est
	for lag := est - 240; lag <= est+240; lag += 16 {
		r, d := metrics.Compensate(ref, deg, lag)
		s, err := metrics.STOI(r, d, codec.SampleRate)
		if err != nil {
			t.Fatal(err)
		}
		if s > best {
			best, bestLag = s, lag
		}
	}
	return best, bestLag
}

// TestFilesLowRate: a 40 ms mode's file is what vqs.NewModeEncoder writes
// (vqspeak encode -bitrate), decodes with no mode given, and PickMode
// names the modes as the CLI's -bitrate and -stages do.
func TestFilesLowRate(t *testing.T) {
	cb := codec.DefaultCodebook()
	wav := readClip(t)
	x, _ := ReadAudio(wav)
	m, err := PickMode(cb, 0, 1600)
	if err != nil || m != codec.Mode1600 {
		t.Fatalf("PickMode(0, 1600) = %v, %v", m, err)
	}
	got, err := EncodeFileMode(cb, wav, m)
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	fe, _ := vqs.NewModeEncoder(&want, cb, m)
	fe.WriteSamples(x)
	fe.Close()
	if !bytes.Equal(got, want.Bytes()) {
		t.Errorf("EncodeFileMode: %d bytes, vqs.NewModeEncoder %d", len(got), want.Len())
	}
	pcm, damage, err := DecodeFile(cb, got)
	if err != nil || len(damage) != 0 || len(pcm) < len(x) || len(pcm) >= len(x)+m.PacketSamples() {
		t.Errorf("decode: %d samples of %d, damage %v, %v", len(pcm), len(x), damage, err)
	}
	if b, _ := EncodeFileMode(cb, wav, codec.StagesMode(2)); !bytes.Equal(b, must(EncodeFile(cb, wav, 2))) {
		t.Error("EncodeFileMode with a 20 ms mode differs from EncodeFile")
	}
	// Both a stage count and a bitrate: as vqspeak's -stages with -bitrate,
	// an error, not one of them ignored.
	for _, tc := range []struct{ stages, bitrate int }{{0, 900}, {5, 0}, {-1, 0}, {2, 1600}, {4, 3200}, {1, 800}} {
		if m, err := PickMode(cb, tc.stages, tc.bitrate); err == nil {
			t.Errorf("PickMode(%d, %d) = %v, want an error", tc.stages, tc.bitrate, m)
		}
	}
	if m, err := PickMode(cb, 0, 0); err != nil || m != codec.StagesMode(codec.DefaultStages) {
		t.Errorf("PickMode(0, 0) = %v, %v", m, err)
	}
	if m, err := PickMode(cb, 0, 700); err != nil || m != codec.Mode800 {
		t.Errorf("PickMode(0, 700) = %v, %v", m, err)
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}
