package audiofile

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	gowav "github.com/go-audio/wav"
)

const fixtureDir = "../../testdata/audio"

var wavFixtures = []struct {
	name string
	n    int // samples
}{
	{"librispeech-367-f.wav", 70080},
	{"librispeech-7312-m.wav", 67360},
	{"speechocean762-3088-child-m.wav", 91200},
	{"fleurs-es-006.wav", 90240},
}

const flacFixture = "speechcommands-bed-28497c5b.flac"

func pcmHash(s []float32) string {
	b := make([]byte, 2*len(s))
	for i, x := range s {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(int16(x*32768)))
	}
	return fmt.Sprintf("%x", sha256.Sum256(b))
}

func TestReadFLACFixture(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(fixtureDir, flacFixture))
	if err != nil {
		t.Fatal(err)
	}
	a, err := Read(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if a.Rate != 16000 || a.Channels != 1 || a.Format != "FLAC 16-bit" || len(a.Samples) != 16000 || a.Truncated {
		t.Fatalf("got rate %d ch %d format %q n %d truncated %v", a.Rate, a.Channels, a.Format, len(a.Samples), a.Truncated)
	}
	var peak float32
	for _, x := range a.Samples {
		if x*32768 != float32(int16(x*32768)) {
			t.Fatalf("sample %v is not on the 16-bit grid", x)
		}
		peak = max(peak, x, -x)
	}
	if peak < 0.05 || peak > 1 {
		t.Errorf("peak %v: not speech-like", peak)
	}
	if got := pcmHash(a.Samples); got != flacDecodedSHA256 {
		t.Errorf("decoded samples hash %s, want %s", got, flacDecodedSHA256)
	}

	// A truncated FLAC decodes the frames that are complete, identical to
	// the full decode.
	cut, err := ReadFLAC(bytes.NewReader(raw[:len(raw)*4/5]))
	if err != nil {
		t.Fatal(err)
	}
	if !cut.Truncated || len(cut.Samples) == 0 || len(cut.Samples) >= len(a.Samples) {
		t.Fatalf("truncated: %d samples, Truncated %v", len(cut.Samples), cut.Truncated)
	}
	for i, x := range cut.Samples {
		if x != a.Samples[i] {
			t.Fatalf("truncated sample %d = %v, full decode %v", i, x, a.Samples[i])
		}
	}
}

// flacDecodedSHA256 is the SHA-256 of the fixture's decoded samples as
// little-endian int16, like mewkiz/flac's TestFrameHash: it catches any
// change in decoding, scaling or downmix.
const flacDecodedSHA256 = "fa62de7450548b25e48e616d195f192bec71fbc64ba454bee6f6173faf85f9e2"

// TestReadFLACCorrupt flips bytes all over the fixture: every result must be
// an error or valid audio, never a panic.
func TestReadFLACCorrupt(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(fixtureDir, flacFixture))
	if err != nil {
		t.Fatal(err)
	}
	errs := 0
	for i := 4; i < len(raw); i += 997 {
		b := bytes.Clone(raw)
		b[i] ^= 0x5A
		a, err := ReadFLAC(bytes.NewReader(b))
		if err != nil {
			errs++
			continue
		}
		for _, x := range a.Samples {
			if !(x >= -1 && x <= 1) {
				t.Fatalf("flip at %d: sample %v out of range", i, x)
			}
		}
	}
	if errs == 0 {
		t.Error("no corruption was detected (the CRCs should catch flipped bits)")
	}
	for _, n := range []int{0, 3, 4, 10, 41} {
		if _, err := ReadFLAC(bytes.NewReader(raw[:n])); err == nil {
			t.Errorf("%d-byte prefix: no error", n)
		}
	}
}

// TestCrossCheckGoAudioWAV decodes the committed WAV fixtures with
// github.com/go-audio/wav and checks that every sample agrees with ours.
func TestCrossCheckGoAudioWAV(t *testing.T) {
	for _, fx := range wavFixtures {
		t.Run(fx.name, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(fixtureDir, fx.name))
			if err != nil {
				t.Fatal(err)
			}
			a, err := ReadWAV(bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			if a.Rate != 16000 || a.Channels != 1 || len(a.Samples) != fx.n || a.Truncated {
				t.Fatalf("rate %d ch %d n %d truncated %v; want 16000 1 %d false", a.Rate, a.Channels, len(a.Samples), a.Truncated, fx.n)
			}
			d := gowav.NewDecoder(bytes.NewReader(raw))
			buf, err := d.FullPCMBuffer()
			if err != nil {
				t.Fatal(err)
			}
			if d.SampleRate != 16000 || d.NumChans != 1 || d.BitDepth != 16 || len(buf.Data) != len(a.Samples) {
				t.Fatalf("go-audio: rate %d ch %d bits %d n %d", d.SampleRate, d.NumChans, d.BitDepth, len(buf.Data))
			}
			var energy float64
			for i, v := range buf.Data {
				if float32(v)/32768 != a.Samples[i] {
					t.Fatalf("sample %d: go-audio %d, ours %v", i, v, a.Samples[i]*32768)
				}
				energy += float64(v) * float64(v)
			}
			if rms := math.Sqrt(energy/float64(len(buf.Data))) / 32768; rms < 0.005 {
				t.Errorf("rms %v: fixture is nearly silent", rms)
			}
		})
	}
}

func TestReadSniff(t *testing.T) {
	wav := wavSpec{data: pcm16le(2, false, 5), dataSize: -1}.bytes()
	tests := []struct {
		name        string
		b           []byte
		wantSamples int
		unsupported bool
		msg         string
	}{
		{"wav", wav, 1, false, ""},
		{"ogg", []byte("OggS\x00\x02"), 0, true, "Ogg"},
		{"mp3-id3", []byte("ID3\x03\x00"), 0, true, "MP3"},
		{"aiff", []byte("FORM\x00\x00\x00\x00AIFF"), 0, true, "AIFF"},
		{"text", []byte("hello"), 0, false, `first bytes "hell" are not a WAV (RIFF/RIFX/RF64) or FLAC (fLaC) header`},
		{"empty", nil, 0, false, "empty input"},
		{"three-bytes", []byte("RIF"), 0, false, "only 3 bytes"},
		{"flac-magic-only", []byte("fLaC"), 0, false, "flac"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := Read(bytes.NewReader(tc.b))
			if tc.wantSamples > 0 {
				if err != nil || len(a.Samples) != tc.wantSamples {
					t.Fatalf("err %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			var ue *UnsupportedError
			if errors.As(err, &ue) != tc.unsupported {
				t.Errorf("err %T %v; unsupported want %v", err, err, tc.unsupported)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q does not contain %q", err, tc.msg)
			}
		})
	}
}

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	if _, err := ReadFile(filepath.Join(dir, "missing.wav")); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing file: %v", err)
	}
	if _, err := ReadFile(dir); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("directory: %v", err)
	}
	bad := filepath.Join(dir, "bad.wav")
	os.WriteFile(bad, []byte("not audio at all"), 0o644)
	var fe *FormatError
	if _, err := ReadFile(bad); !errors.As(err, &fe) || !strings.Contains(err.Error(), bad) {
		t.Errorf("bad file: %v (want a FormatError naming the path)", err)
	}
	a, err := ReadFile(filepath.Join(fixtureDir, wavFixtures[0].name))
	if err != nil || len(a.Samples) != wavFixtures[0].n {
		t.Errorf("fixture: %v", err)
	}
	if d := a.Duration(); math.Abs(d-4.38) > 1e-9 {
		t.Errorf("Duration = %v, want 4.38", d)
	}
}

func TestWAVWriter(t *testing.T) {
	samples := make([]float32, 10001)
	for i := range samples {
		samples[i] = float32(math.Round(30000*math.Sin(float64(i)*0.01))) / 32768
	}
	write := func(t *testing.T, w io.Writer) *WAVWriter {
		ww, err := NewWAVWriter(w, 8000)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []int{0, 1, 4096, 4097, 1807} { // sums to 10001
			if err := ww.WriteSamples(samples[ww.Samples() : ww.Samples()+int64(n)]); err != nil {
				t.Fatal(err)
			}
		}
		if err := ww.Close(); err != nil {
			t.Fatal(err)
		}
		if err := ww.WriteSamples(samples[:1]); !errors.Is(err, ErrWriterClosed) {
			t.Errorf("write after close: %v", err)
		}
		return ww
	}
	check := func(t *testing.T, b []byte, wantSize uint32) {
		if got := binary.LittleEndian.Uint32(b[40:44]); got != wantSize {
			t.Errorf("data size field %#x, want %#x", got, wantSize)
		}
		if got := binary.LittleEndian.Uint32(b[4:8]); wantSize != math.MaxUint32 && got != wantSize+36 {
			t.Errorf("RIFF size field %d, want %d", got, wantSize+36)
		}
		a, err := ReadWAV(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if a.Rate != 8000 || len(a.Samples) != len(samples) || a.Truncated {
			t.Fatalf("rate %d n %d truncated %v", a.Rate, len(a.Samples), a.Truncated)
		}
		for i := range samples {
			if a.Samples[i] != samples[i] {
				t.Fatalf("sample %d = %v, want %v", i, a.Samples[i], samples[i])
			}
		}
	}
	t.Run("seekable-file", func(t *testing.T) {
		f, err := os.Create(filepath.Join(t.TempDir(), "x.wav"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		f.WriteString("PREFIX") // the header need not be at offset 0
		write(t, f)
		f.WriteString("TAIL") // Close leaves the position at the end of data
		b, _ := os.ReadFile(f.Name())
		if string(b[len(b)-4:]) != "TAIL" {
			t.Fatalf("file ends %q", b[len(b)-4:])
		}
		check(t, b[6:len(b)-4], uint32(2*len(samples)))
	})
	t.Run("stream-buffer", func(t *testing.T) {
		var buf bytes.Buffer
		write(t, &buf)
		check(t, buf.Bytes(), math.MaxUint32)
	})
	t.Run("pipe", func(t *testing.T) {
		pr, pw, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan []byte)
		go func() { b, _ := io.ReadAll(pr); done <- b }()
		write(t, pw) // *os.File whose Seek fails: must stream
		pw.Close()
		check(t, <-done, math.MaxUint32)
	})
}

func BenchmarkReadWAV(b *testing.B) {
	raw, err := os.ReadFile(filepath.Join(fixtureDir, wavFixtures[0].name))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ReadWAV(bytes.NewReader(raw)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteWAV(b *testing.B) {
	s := make([]float32, 16000)
	for i := range s {
		s[i] = float32(math.Sin(float64(i)))
	}
	b.SetBytes(int64(2 * len(s)))
	b.ReportAllocs()
	for b.Loop() {
		if err := WriteWAV(io.Discard, s, 16000); err != nil {
			b.Fatal(err)
		}
	}
}

// TestStreamBlocks: Open and ReadSamples deliver, a bounded block at a
// time, exactly what Read returns, for WAV and FLAC, and report truncation
// and empty inputs as Read does.
func TestStreamBlocks(t *testing.T) {
	const n = 100000
	long := make([]int64, n)
	for i := range long {
		long[i] = int64(i%2000) - 1000
	}
	wav := wavSpec{channels: 2, data: pcm16le(2, false, long...)}.bytes()
	for _, tc := range []struct {
		name     string
		in       []byte
		maxBlock int
	}{
		{"wav", wav, readBufBytes / 4},
		{"truncated wav", wav[:len(wav)-3], readBufBytes / 4},
		{"flac", makeFLAC(t, 16000, 2, 16, n, 1152, false), 1152},
		{"constant flac", makeFLAC(t, 16000, 1, 16, n, 4096, true), 4096},
	} {
		whole, err := Read(bytes.NewReader(tc.in))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		s, err := Open(bytes.NewReader(tc.in))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var got []float32
		for {
			before := len(got)
			got, err = s.ReadSamples(got)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if k := len(got) - before; k == 0 || k > tc.maxBlock {
				t.Fatalf("%s: a block of %d samples, want 1..%d", tc.name, k, tc.maxBlock)
			}
		}
		if !slices.Equal(got, whole.Samples) || s.Samples() != int64(len(got)) || s.Truncated() != whole.Truncated {
			t.Errorf("%s: %d samples (truncated %v), Read gives %d (truncated %v)",
				tc.name, len(got), s.Truncated(), len(whole.Samples), whole.Truncated)
		}
		if s.Rate != whole.Rate || s.Channels != whole.Channels || s.Format != whole.Format {
			t.Errorf("%s: stream %d Hz %d ch %q, Read %d Hz %d ch %q", tc.name, s.Rate, s.Channels, s.Format, whole.Rate, whole.Channels, whole.Format)
		}
		if _, err := s.ReadSamples(nil); err != io.EOF {
			t.Errorf("%s: after the end: %v, want io.EOF", tc.name, err)
		}
	}
	empty := wavSpec{data: []byte{}}.bytes()
	s, err := Open(bytes.NewReader(empty))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReadSamples(nil); !errors.Is(err, ErrNoAudio) {
		t.Errorf("empty data chunk: %v, want ErrNoAudio", err)
	}
}
