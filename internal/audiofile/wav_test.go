package audiofile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
)

// wavSpec describes a WAV file to build in a test.
type wavSpec struct {
	magic      string // default "RIFF"
	tag        uint16 // default PCM
	channels   int    // default 1
	rate       int    // default 16000
	bits       int    // default 16
	blockAlign int    // 0: channels*bits/8
	extensible bool   // WAVE_FORMAT_EXTENSIBLE with tag as subformat
	guidTail   []byte // override of the subformat GUID bytes 4..15
	before     []byte // raw chunks before fmt
	between    []byte // raw chunks between fmt and data
	data       []byte
	dataSize   int64 // -1: len(data)
	noData     bool  // omit the data chunk
}

func chunk(id string, body []byte, declared int64) []byte {
	var b bytes.Buffer
	b.WriteString(id)
	if declared < 0 {
		declared = int64(len(body))
	}
	binary.Write(&b, binary.LittleEndian, uint32(declared))
	b.Write(body)
	if len(body)%2 == 1 {
		b.WriteByte(0)
	}
	return b.Bytes()
}

func (s wavSpec) bytes() []byte {
	if s.magic == "" {
		s.magic = "RIFF"
	}
	if s.tag == 0 {
		s.tag = tagPCM
	}
	if s.channels == 0 {
		s.channels = 1
	}
	if s.rate == 0 {
		s.rate = 16000
	}
	if s.bits == 0 {
		s.bits = 16
	}
	if s.blockAlign == 0 {
		s.blockAlign = s.channels * s.bits / 8
	}
	var o binary.ByteOrder = binary.LittleEndian
	if s.magic == "RIFX" {
		o = binary.BigEndian
	}
	f := make([]byte, 16, 40)
	tag := s.tag
	if s.extensible {
		tag = tagExtensible
	}
	o.PutUint16(f[0:], tag)
	o.PutUint16(f[2:], uint16(s.channels))
	o.PutUint32(f[4:], uint32(s.rate))
	o.PutUint32(f[8:], uint32(s.rate*s.blockAlign))
	o.PutUint16(f[12:], uint16(s.blockAlign))
	o.PutUint16(f[14:], uint16(s.bits))
	if s.extensible {
		f = f[:40]
		o.PutUint16(f[16:], 22)
		o.PutUint16(f[18:], uint16(s.bits))
		o.PutUint32(f[20:], 0)
		o.PutUint32(f[24:], uint32(s.tag))
		tail := ksdataformatTail[:]
		if s.guidTail != nil {
			tail = s.guidTail
		}
		copy(f[28:], tail)
	}
	body := append([]byte("WAVE"), s.before...)
	fc := append([]byte("fmt "), 0, 0, 0, 0)
	o.PutUint32(fc[4:], uint32(len(f)))
	body = append(body, append(fc, f...)...)
	body = append(body, s.between...)
	if !s.noData {
		if s.dataSize < 0 {
			s.dataSize = int64(len(s.data))
		}
		var h [8]byte
		copy(h[:], "data")
		o.PutUint32(h[4:], uint32(s.dataSize))
		body = append(body, h[:]...)
		body = append(body, s.data...)
	}
	out := append([]byte(s.magic), 0, 0, 0, 0)
	o.PutUint32(out[4:], uint32(len(body)))
	return append(out, body...)
}

// pcm encodes integer samples of the given width (bytes), little-endian
// unless be.
func pcm16le(width int, be bool, vals ...int64) []byte {
	var b []byte
	for _, v := range vals {
		u := uint64(v)
		for i := 0; i < width; i++ {
			shift := 8 * i
			if be {
				shift = 8 * (width - 1 - i)
			}
			b = append(b, byte(u>>shift))
		}
	}
	return b
}

func f32(vals ...float32) []byte {
	var b []byte
	for _, v := range vals {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	return b
}

func f64(vals ...float64) []byte {
	var b []byte
	for _, v := range vals {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
	}
	return b
}

func TestReadWAVEncodings(t *testing.T) {
	nan := float32(math.NaN())
	tests := []struct {
		name   string
		spec   wavSpec
		want   []float32
		format string
	}{
		{"pcm8", wavSpec{bits: 8, data: []byte{0, 128, 255, 64}},
			[]float32{-1, 0, 127.0 / 128, -0.5}, "WAV PCM 8-bit"},
		{"pcm16", wavSpec{data: pcm16le(2, false, -32768, 0, 16384, 32767)},
			[]float32{-1, 0, 0.5, 32767.0 / 32768}, "WAV PCM 16-bit"},
		{"pcm24", wavSpec{bits: 24, data: pcm16le(3, false, -8388608, 0, 4194304, 8388607, -1)},
			[]float32{-1, 0, 0.5, 8388607.0 / 8388608, -1.0 / 8388608}, "WAV PCM 24-bit"},
		{"pcm32", wavSpec{bits: 32, data: pcm16le(4, false, -1<<31, 0, 1<<30, -1<<29)},
			[]float32{-1, 0, 0.5, -0.25}, "WAV PCM 32-bit"},
		{"float32", wavSpec{tag: tagFloat, bits: 32, data: f32(-1, 0, 0.25, 2, nan, -3)},
			[]float32{-1, 0, 0.25, 1, 0, -1}, "WAV float 32-bit"},
		{"float64", wavSpec{tag: tagFloat, bits: 64, data: f64(-0.5, 0, 0.125, 1)},
			[]float32{-0.5, 0, 0.125, 1}, "WAV float 64-bit"},
		{"rifx16", wavSpec{magic: "RIFX", data: pcm16le(2, true, -32768, 256, 16384)},
			[]float32{-1, 256.0 / 32768, 0.5}, "RIFX WAV PCM 16-bit"},
		{"rifx24", wavSpec{magic: "RIFX", bits: 24, data: pcm16le(3, true, -4194304, 1)},
			[]float32{-0.5, 1.0 / 8388608}, "RIFX WAV PCM 24-bit"},
		{"rf64-streaming", wavSpec{magic: "RF64", data: pcm16le(2, false, 8192), dataSize: 0xFFFFFFFF},
			[]float32{0.25}, "RF64 WAV PCM 16-bit"},
		{"extensible-pcm24", wavSpec{extensible: true, bits: 24, data: pcm16le(3, false, 4194304, -4194304)},
			[]float32{0.5, -0.5}, "WAV PCM 24-bit (extensible)"},
		{"extensible-float32", wavSpec{extensible: true, tag: tagFloat, bits: 32, data: f32(0.75)},
			[]float32{0.75}, "WAV float 32-bit (extensible)"},
		{"stereo16-downmix", wavSpec{channels: 2, data: pcm16le(2, false, 16384, -16384, 32767, 32767, -32768, 0)},
			[]float32{0, 32767.0 / 32768, -0.5}, "WAV PCM 16-bit"},
		{"3ch24-downmix", wavSpec{channels: 3, bits: 24, data: pcm16le(3, false, 8388607, 8388607, 8388607, 3*1024, 0, 0)},
			[]float32{8388607.0 / 8388608, 1024.0 / 8388608}, "WAV PCM 24-bit"},
		{"stereo-float64", wavSpec{tag: tagFloat, bits: 64, channels: 2, data: f64(1, 0.5)},
			[]float32{0.75}, "WAV float 64-bit"},
		{"8ch8", wavSpec{channels: 8, bits: 8, data: []byte{0, 0, 0, 0, 255, 255, 255, 255}},
			[]float32{(4*-128 + 4*127) / (8 * 128.0)}, "WAV PCM 8-bit"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.spec.dataSize == 0 {
				tc.spec.dataSize = -1
			}
			a, err := ReadWAV(bytes.NewReader(tc.spec.bytes()))
			if err != nil {
				t.Fatal(err)
			}
			if a.Format != tc.format || a.Rate != 16000 || a.Channels != max(tc.spec.channels, 1) || a.Truncated {
				t.Errorf("got format %q rate %d channels %d truncated %v, want %q 16000 %d false",
					a.Format, a.Rate, a.Channels, a.Truncated, tc.format, max(tc.spec.channels, 1))
			}
			if len(a.Samples) != len(tc.want) {
				t.Fatalf("got %d samples %v, want %v", len(a.Samples), a.Samples, tc.want)
			}
			for i := range tc.want {
				if math.Abs(float64(a.Samples[i]-tc.want[i])) > 1e-7 {
					t.Errorf("sample %d = %v, want %v", i, a.Samples[i], tc.want[i])
				}
			}
		})
	}
}

func TestWAVRoundTrip16(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	exact := make([]float32, 10000)
	for i := range exact {
		exact[i] = float32(rng.IntN(65536)-32768) / 32768
	}
	exact[0], exact[1] = -1, 32767.0/32768
	tests := []struct {
		name string
		in   []float32
		want []float32 // nil: same as in
	}{
		{"exact-int16-grid", exact, nil},
		{"clip-and-round", []float32{1.5, -2, 1, 0.4 / 32768, 0.6 / 32768, -0.6 / 32768, float32(math.NaN()), float32(math.Inf(-1))},
			[]float32{32767.0 / 32768, -1, 32767.0 / 32768, 0, 1.0 / 32768, -1.0 / 32768, 0, -1}},
		{"odd-length", []float32{0.5, -0.5, 0.25}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want := tc.want
			if want == nil {
				want = tc.in
			}
			var buf bytes.Buffer
			if err := WriteWAV(&buf, tc.in, 22050); err != nil {
				t.Fatal(err)
			}
			if buf.Len() != 44+2*len(tc.in) {
				t.Fatalf("file is %d bytes, want %d", buf.Len(), 44+2*len(tc.in))
			}
			a, err := ReadWAV(&buf)
			if err != nil {
				t.Fatal(err)
			}
			if a.Rate != 22050 || a.Channels != 1 || a.Format != "WAV PCM 16-bit" || a.Truncated {
				t.Errorf("header: %+v", *a)
			}
			if len(a.Samples) != len(want) {
				t.Fatalf("%d samples, want %d", len(a.Samples), len(want))
			}
			for i := range want {
				if a.Samples[i] != want[i] {
					t.Fatalf("sample %d = %v, want %v", i, a.Samples[i], want[i])
				}
			}
		})
	}
}

func TestWriteWAVRateRange(t *testing.T) {
	for _, rate := range []int{0, -1, MaxRate + 1} {
		if err := WriteWAV(io.Discard, []float32{0}, rate); err == nil {
			t.Errorf("rate %d: no error", rate)
		}
		if _, err := NewWAVWriter(io.Discard, rate); err == nil {
			t.Errorf("NewWAVWriter rate %d: no error", rate)
		}
	}
}

func TestReadWAVChunks(t *testing.T) {
	list := chunk("LIST", []byte("INFOISFT\x05\x00\x00\x00test\x00"), -1) // odd size: pad byte
	fact := chunk("fact", []byte{1, 0, 0, 0}, -1)
	junk := chunk("JUNK", make([]byte, 27), -1)
	data := pcm16le(2, false, 100, -200, 300)
	tests := []struct {
		name string
		spec wavSpec
	}{
		{"list-before-fmt", wavSpec{before: list}},
		{"fact-and-junk-between", wavSpec{between: append(fact, junk...)}},
		{"everything", wavSpec{before: append(junk, list...), between: append(list, fact...)}},
		{"trailing-chunk-after-data", wavSpec{}},
		{"duplicate-fmt-ignored", wavSpec{between: chunk("fmt ", make([]byte, 16), -1)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.spec.data = data
			tc.spec.dataSize = -1
			b := tc.spec.bytes()
			if tc.name == "trailing-chunk-after-data" {
				b = append(b, list...)
			}
			a, err := ReadWAV(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			want := []float32{100.0 / 32768, -200.0 / 32768, 300.0 / 32768}
			if len(a.Samples) != 3 || a.Samples[0] != want[0] || a.Samples[1] != want[1] || a.Samples[2] != want[2] {
				t.Fatalf("samples %v, want %v", a.Samples, want)
			}
		})
	}
}

func TestReadWAVTruncatedAndStreaming(t *testing.T) {
	frames := pcm16le(2, false, 1000, 3000, -1000, -3000, 500, 700) // 3 stereo frames
	tests := []struct {
		name      string
		data      []byte
		dataSize  int64
		want      []float32
		truncated bool
	}{
		{"exact", frames, -1, []float32{2000.0 / 32768, -2000.0 / 32768, 600.0 / 32768}, false},
		{"declared-larger", frames, 1000, []float32{2000.0 / 32768, -2000.0 / 32768, 600.0 / 32768}, true},
		{"partial-last-frame", frames[:10], -1, []float32{2000.0 / 32768, -2000.0 / 32768}, true},
		{"partial-sample", frames[:9], 12, []float32{2000.0 / 32768, -2000.0 / 32768}, true},
		{"streaming-ffffffff", frames, 0xFFFFFFFF, []float32{2000.0 / 32768, -2000.0 / 32768, 600.0 / 32768}, false},
		{"streaming-zero", frames, 0, []float32{2000.0 / 32768, -2000.0 / 32768, 600.0 / 32768}, false},
		{"declared-smaller", frames, 8, []float32{2000.0 / 32768, -2000.0 / 32768}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			spec := wavSpec{channels: 2, data: tc.data, dataSize: tc.dataSize}
			b := spec.bytes()
			a, err := ReadWAV(iotestOneByte(bytes.NewReader(b)))
			if err != nil {
				t.Fatal(err)
			}
			if a.Truncated != tc.truncated {
				t.Errorf("Truncated = %v, want %v", a.Truncated, tc.truncated)
			}
			if len(a.Samples) != len(tc.want) {
				t.Fatalf("samples %v, want %v", a.Samples, tc.want)
			}
			for i := range tc.want {
				if a.Samples[i] != tc.want[i] {
					t.Errorf("sample %d = %v, want %v", i, a.Samples[i], tc.want[i])
				}
			}
		})
	}
}

// iotestOneByte returns a reader that yields at most one byte per Read, like
// a slow pipe, to prove that short reads are handled.
func iotestOneByte(r io.Reader) io.Reader { return &oneByte{r} }

type oneByte struct{ r io.Reader }

func (o *oneByte) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	return o.r.Read(p[:1])
}

// TestReadWAVHugeDeclaredSizes proves that 4 GB size fields in a tiny file
// do not allocate 4 GB (or anything near it).
func TestReadWAVHugeDeclaredSizes(t *testing.T) {
	tiny := pcm16le(2, false, 1, 2, 3, 4)
	tests := []struct {
		name    string
		b       []byte
		wantErr bool
		n       int
	}{
		{"data-4GB", wavSpec{data: tiny, dataSize: 0xFFFFFFFE}.bytes(), false, 4},
		{"data-4GB-stereo-24", wavSpec{channels: 2, bits: 24, data: make([]byte, 60), dataSize: 0xFFFFFFF0}.bytes(), false, 10},
		{"unknown-chunk-4GB", wavSpec{before: chunk("LIST", []byte("abcd"), 0xFFFFFFF0), noData: true}.bytes(), true, 0},
		{"fmt-4GB", append([]byte("RIFF\xff\xff\xff\xffWAVEfmt \xf0\xff\xff\xff"), make([]byte, 16)...), true, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			a, err := ReadWAV(bytes.NewReader(tc.b))
			runtime.ReadMemStats(&after)
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 2<<20 {
				t.Errorf("allocated %d bytes for a %d-byte file", alloc, len(tc.b))
			}
			if tc.wantErr {
				var fe *FormatError
				if !errors.As(err, &fe) {
					t.Fatalf("err = %v, want *FormatError", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(a.Samples) != tc.n || !a.Truncated {
				t.Errorf("%d samples, truncated %v; want %d, true", len(a.Samples), a.Truncated, tc.n)
			}
		})
	}
}

func TestReadWAVErrors(t *testing.T) {
	ok := pcm16le(2, false, 1, 2)
	type kind int
	const (
		format kind = iota
		unsupported
		noAudio
	)
	tests := []struct {
		name string
		b    []byte
		kind kind
		msg  []string // substrings the message must contain
	}{
		{"empty", nil, format, []string{"empty input"}},
		{"short-header", []byte("RIFF\x10\x00"), format, []string{"inside the 12-byte RIFF header"}},
		{"not-riff", []byte("hello world, this is text"), format, []string{`not a WAV file`, `"hell"`}},
		{"not-wave", []byte("RIFF\x04\x00\x00\x00AVI LIST\x00\x00\x00\x00"), format, []string{`"AVI "`, "byte 8"}},
		{"a-law", wavSpec{tag: 6, bits: 8, data: ok}.bytes(), unsupported,
			[]string{"wav: unsupported encoding A-law (format tag 6); supported: PCM 8/16/24/32-bit, IEEE float 32/64-bit"}},
		{"mu-law", wavSpec{tag: 7, bits: 8, data: ok}.bytes(), unsupported, []string{"µ-law (format tag 7)"}},
		{"ms-adpcm", wavSpec{tag: 2, bits: 4, blockAlign: 256, data: ok}.bytes(), unsupported, []string{"Microsoft ADPCM (format tag 2)"}},
		{"ima-adpcm", wavSpec{tag: 0x11, bits: 4, blockAlign: 256, data: ok}.bytes(), unsupported, []string{"IMA ADPCM (format tag 17)"}},
		{"mp3", wavSpec{tag: 0x55, data: ok}.bytes(), unsupported, []string{"MP3 (format tag 85)"}},
		{"unknown-tag", wavSpec{tag: 0x1234, data: ok}.bytes(), unsupported, []string{"unknown (format tag 4660)"}},
		{"extensible-a-law", wavSpec{extensible: true, tag: 6, bits: 8, data: ok}.bytes(), unsupported, []string{"A-law"}},
		{"extensible-bad-guid", wavSpec{extensible: true, guidTail: make([]byte, 12), data: ok}.bytes(), unsupported, []string{"subformat GUID"}},
		{"pcm12", wavSpec{bits: 12, blockAlign: 2, data: ok}.bytes(), unsupported, []string{"bit depth PCM 12-bit", "supported: PCM 8/16/24/32-bit"}},
		{"float16", wavSpec{tag: tagFloat, bits: 16, data: ok}.bytes(), unsupported, []string{"IEEE float 16-bit"}},
		{"block-align", wavSpec{channels: 2, blockAlign: 3, data: ok}.bytes(), format, []string{"block align 3", "2 channel(s) × 16 bits (expected 4)", "byte 32"}},
		{"zero-channels", wavSpec{channels: 0, blockAlign: 2, data: ok}.bytes(), format, nil},
		{"rate-0", wavSpec{rate: -1, data: ok}.bytes(), unsupported, []string{"sample rate"}},
		{"rate-too-high", wavSpec{rate: 768000, data: ok}.bytes(), unsupported, []string{"sample rate 768000 Hz", "4000 to 384000 Hz"}},
		{"rate-too-low", wavSpec{rate: 7, data: ok}.bytes(), unsupported, []string{"sample rate 7 Hz", "4000 to 384000 Hz"}},
		{"no-fmt", append([]byte("RIFF\x0c\x00\x00\x00WAVE"), chunk("data", ok, -1)...), format, []string{"data chunk comes before any fmt chunk", "byte 12"}},
		{"no-data", wavSpec{noData: true}.bytes(), format, []string{"no data chunk", "byte 36"}},
		{"header-only", []byte("RIFF\x04\x00\x00\x00WAVE"), format, []string{"no fmt chunk", "byte 12"}},
		{"fmt-too-small", append([]byte("RIFF\x0c\x00\x00\x00WAVE"), chunk("fmt ", make([]byte, 14), -1)...), format, []string{"fmt chunk is 14 bytes"}},
		{"fmt-truncated", append([]byte("RIFF\x0c\x00\x00\x00WAVEfmt \x10\x00\x00\x00"), 1, 0, 1), format, []string{"inside the fmt chunk"}},
		{"binary-chunk-id", append(wavSpec{noData: true}.bytes(), "\x00\x01\x02\x03\x00\x00\x00\x00"...), format, []string{"not ASCII"}},
		{"zero-samples", wavSpec{data: nil, dataSize: 100}.bytes(), noAudio, []string{"zero samples"}},
		{"only-partial-frame", wavSpec{channels: 2, data: []byte{1, 2, 3}, dataSize: -1}.bytes(), noAudio, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "zero-channels" {
				// wavSpec treats 0 as "default 1": patch the field.
				tc.b[22], tc.b[23] = 0, 0
			}
			if tc.name == "rate-0" {
				b := wavSpec{data: ok}.bytes()
				copy(b[24:28], []byte{0, 0, 0, 0})
				tc.b, tc.kind, tc.msg = b, format, []string{"sample rate is 0"}
			}
			a, err := ReadWAV(bytes.NewReader(tc.b))
			if err == nil {
				t.Fatalf("no error; got %d samples", len(a.Samples))
			}
			if a != nil {
				t.Errorf("non-nil Audio with error")
			}
			var fe *FormatError
			var ue *UnsupportedError
			switch tc.kind {
			case format:
				if !errors.As(err, &fe) {
					t.Errorf("err %T %v, want *FormatError", err, err)
				}
			case unsupported:
				if !errors.As(err, &ue) {
					t.Errorf("err %T %v, want *UnsupportedError", err, err)
				}
			case noAudio:
				if !errors.Is(err, ErrNoAudio) {
					t.Errorf("err %v, want ErrNoAudio", err)
				}
			}
			for _, m := range tc.msg {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not contain %q", err, m)
				}
			}
		})
	}
}

// errReader fails after n bytes with a non-EOF error.
type errReader struct {
	r io.Reader
	n int
}

var errBroken = errors.New("broken pipe")

func (e *errReader) Read(p []byte) (int, error) {
	if e.n <= 0 {
		return 0, errBroken
	}
	p = p[:min(len(p), e.n)]
	n, err := e.r.Read(p)
	e.n -= n
	return n, err
}

func TestReadWAVIOError(t *testing.T) {
	b := wavSpec{data: make([]byte, 1000), dataSize: -1}.bytes()
	for _, n := range []int{0, 5, 20, 40, 100} {
		_, err := ReadWAV(&errReader{bytes.NewReader(b), n})
		if !errors.Is(err, errBroken) {
			t.Errorf("after %d bytes: err = %v, want wrapped read error", n, err)
		}
	}
}

// fuzzSeeds are the table inputs, reused as the fuzz seed corpus.
func fuzzSeeds() [][]byte {
	return [][]byte{
		wavSpec{data: pcm16le(2, false, 1, -2, 3), dataSize: -1}.bytes(),
		wavSpec{bits: 24, channels: 2, data: pcm16le(3, false, 1, 2, 3, 4), dataSize: -1}.bytes(),
		wavSpec{tag: tagFloat, bits: 32, data: f32(0.5, float32(math.NaN())), dataSize: 0xFFFFFFFF}.bytes(),
		wavSpec{tag: tagFloat, bits: 64, data: f64(0.5), dataSize: -1}.bytes(),
		wavSpec{extensible: true, bits: 32, data: pcm16le(4, false, 7), dataSize: -1}.bytes(),
		wavSpec{magic: "RIFX", data: pcm16le(2, true, 7), dataSize: -1}.bytes(),
		wavSpec{tag: 6, bits: 8, data: []byte{1}, dataSize: -1}.bytes(),
		wavSpec{before: chunk("LIST", []byte("abc"), -1), data: []byte{1, 2}, dataSize: 0xFFFFFFF0}.bytes(),
		[]byte("RIFF"),
		[]byte("fLaC"),
		{},
	}
}

func FuzzReadWAV(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := ReadWAV(bytes.NewReader(b))
		if err != nil {
			if a != nil {
				t.Fatal("Audio and error both returned")
			}
			return
		}
		if len(a.Samples) == 0 || len(a.Samples) > len(b) {
			t.Fatalf("%d samples from %d bytes", len(a.Samples), len(b))
		}
		if a.Rate < 1 || a.Rate > MaxRate || a.Channels < 1 {
			t.Fatalf("rate %d channels %d", a.Rate, a.Channels)
		}
		for i, x := range a.Samples {
			if !(x >= -1 && x <= 1) {
				t.Fatalf("sample %d = %v out of [-1, 1]", i, x)
			}
		}
		// Read (sniffing) must agree with ReadWAV.
		a2, err := Read(bytes.NewReader(b))
		if err != nil || len(a2.Samples) != len(a.Samples) {
			t.Fatalf("Read disagrees with ReadWAV: %v", err)
		}
	})
}
