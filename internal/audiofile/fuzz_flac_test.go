package audiofile

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/mewkiz/flac"
	"github.com/mewkiz/flac/frame"
	"github.com/mewkiz/flac/meta"
)

// makeFLAC encodes n samples per channel of a sine (verbatim subframes, or
// constant ones) in frames of block samples: small, valid seeds that the
// fuzzer can mutate quickly.
func makeFLAC(t testing.TB, rate, channels, bits, n, block int, constant bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc, err := flac.NewEncoder(&buf, &meta.StreamInfo{
		BlockSizeMin:  uint16(block),
		BlockSizeMax:  uint16(block),
		SampleRate:    uint32(rate),
		NChannels:     uint8(channels),
		BitsPerSample: uint8(bits),
		NSamples:      uint64(n),
	})
	if err != nil {
		t.Fatal(err)
	}
	layout := map[int]frame.Channels{1: frame.ChannelsMono, 2: frame.ChannelsLR, 3: frame.ChannelsLRC}[channels]
	amp := float64(int64(1)<<(bits-1) - 1)
	for off := 0; off < n; off += block {
		size := min(block, n-off)
		f := &frame.Frame{Header: frame.Header{
			HasFixedBlockSize: true,
			BlockSize:         uint16(size),
			SampleRate:        uint32(rate),
			Channels:          layout,
			BitsPerSample:     uint8(bits),
		}}
		for c := 0; c < channels; c++ {
			x := make([]int32, size)
			for i := range x {
				x[i] = int32(0.5 * amp * math.Sin(float64(off+i)*0.1*float64(c+1)))
				if constant {
					x[i] = int32(amp / float64(c+2))
				}
			}
			pred := frame.PredVerbatim
			if constant {
				pred = frame.PredConstant
			}
			f.Subframes = append(f.Subframes, &frame.Subframe{SubHeader: frame.SubHeader{Pred: pred}, Samples: x, NSamples: size})
		}
		if err := enc.WriteFrame(f); err != nil {
			t.Fatal(err)
		}
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// FuzzReadFLAC feeds arbitrary bytes to the FLAC reader, seeded with the
// committed fixture, its truncations and small synthetic streams: any input
// gives valid audio or an error, never a panic, and Read (sniffing) agrees.
//
//	go test -run='^$' -fuzz='^FuzzReadFLAC$' -fuzztime=10m -parallel 1 ./internal/audiofile
func FuzzReadFLAC(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(fixtureDir, "*.flac"))
	if len(files) == 0 {
		f.Fatal("no FLAC fixtures")
	}
	for _, name := range files {
		raw, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
		for _, n := range []int{4, 8, 42, 100, len(raw) / 3, len(raw) - 1} {
			f.Add(raw[:n])
		}
	}
	f.Add(makeFLAC(f, 16000, 1, 16, 300, 100, false))
	f.Add(makeFLAC(f, 8000, 2, 8, 64, 32, false))
	f.Add(makeFLAC(f, 48000, 3, 24, 50, 50, false))
	f.Add(makeFLAC(f, 44100, 2, 16, 2000, 1000, true))
	f.Add([]byte("fLaC"))
	f.Add([]byte{})

	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := ReadFLAC(bytes.NewReader(b))
		if err != nil {
			if a != nil {
				t.Fatal("Audio and error both returned")
			}
			// ReadFLAC turns a panic of the third-party decoder into an
			// error; the fuzzer must still see it, since recovering is
			// not a fix.
			if strings.Contains(err.Error(), "decoder panic") {
				t.Fatalf("mewkiz/flac panicked (recovered by ReadFLAC): %v", err)
			}
			return
		}
		if len(a.Samples) == 0 {
			t.Fatal("no samples and no error")
		}
		// A frame takes a few bytes at least and holds at most 65535 samples.
		if len(a.Samples) > 65535*(len(b)/4+1) {
			t.Fatalf("%d samples from %d bytes", len(a.Samples), len(b))
		}
		if a.Rate < 1 || a.Rate > MaxRate || a.Channels < 1 || a.Format == "" {
			t.Fatalf("rate %d channels %d format %q", a.Rate, a.Channels, a.Format)
		}
		for i, x := range a.Samples {
			if !(x >= -1 && x <= 1) {
				t.Fatalf("sample %d = %v out of [-1, 1]", i, x)
			}
		}
		a2, err := Read(bytes.NewReader(b))
		if err != nil || len(a2.Samples) != len(a.Samples) || a2.Truncated != a.Truncated {
			t.Fatalf("Read disagrees with ReadFLAC: %v", err)
		}
	})
}

// TestMakeFLACSeeds checks that the synthetic seeds decode as written, so
// that the fuzzer starts from valid streams.
func TestMakeFLACSeeds(t *testing.T) {
	for _, tc := range []struct {
		rate, ch, bits, n, block int
		constant                 bool
	}{
		{16000, 1, 16, 300, 100, false},
		{8000, 2, 8, 64, 32, false},
		{48000, 3, 24, 50, 50, false},
		{44100, 2, 16, 2000, 1000, true},
	} {
		a, err := ReadFLAC(bytes.NewReader(makeFLAC(t, tc.rate, tc.ch, tc.bits, tc.n, tc.block, tc.constant)))
		if err != nil {
			t.Fatalf("%+v: %v", tc, err)
		}
		if a.Rate != tc.rate || a.Channels != tc.ch || len(a.Samples) != tc.n || a.Truncated {
			t.Errorf("%+v: rate %d channels %d samples %d truncated %v", tc, a.Rate, a.Channels, len(a.Samples), a.Truncated)
		}
	}
}

// TestReadFLACDeclaredLength gives ReadFLAC a stream whose STREAMINFO
// declares 2^36-1 samples (the field's maximum) but holds 300: memory must
// follow the samples present, not the declaration.
func TestReadFLACDeclaredLength(t *testing.T) {
	b := makeFLAC(t, 16000, 2, 16, 300, 100, false)
	// STREAMINFO starts at byte 8; total samples are the low 36 bits of
	// bytes 21..25 (after rate 20 bits, channels 3, bits per sample 5).
	b[21] |= 0x0F
	for i := 22; i < 26; i++ {
		b[i] = 0xFF
	}
	if s, err := flac.New(bytes.NewReader(b)); err != nil || s.Info.NSamples != 1<<36-1 {
		t.Fatalf("the crafted header does not declare 2^36-1 samples: %v", err)
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	a, err := ReadFLAC(bytes.NewReader(b))
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Samples) != 300 {
		t.Errorf("%d samples, want 300", len(a.Samples))
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
		t.Errorf("allocated %d bytes for a %d-byte stream declaring 2^36 samples", alloc, len(b))
	}
}

// TestFLACDamageSkipped flips a byte inside one frame's samples and one in
// a later frame's header: each costs its frame, reported as a DamageError
// and replaced by as much silence, and every other frame decodes as before.
func TestFLACDamageSkipped(t *testing.T) {
	const n, block = 40 * 1000, 1000
	good := makeFLAC(t, 16000, 1, 16, n, block, false)
	ref, err := ReadFLAC(bytes.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	// frameAt is the byte offset of frame num: where a frame of that
	// number parses.
	frameAt := func(num uint64) int {
		for i := 42; i+1 < len(good); i++ {
			if good[i] == 0xFF && good[i+1] == 0xF8 {
				if f, err := frame.Parse(bytes.NewReader(good[i:])); err == nil && f.Num == num {
					return i
				}
			}
		}
		t.Fatalf("no frame %d", num)
		return 0
	}
	b := bytes.Clone(good)
	b[(frameAt(10)+frameAt(11))/2] ^= 0x55 // inside frame 10
	b[frameAt(30)+1] ^= 0x01               // the sync code of frame 30
	a, err := ReadFLAC(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Samples) != n || a.Truncated || len(a.Damage) != 2 {
		t.Fatalf("%d samples (want %d), truncated %v, damage %v", len(a.Samples), n, a.Truncated, a.Damage)
	}
	var de *DamageError
	for i, d := range a.Damage {
		if !errors.As(d, &de) || de.Silence != block || de.Sample != int64([]int{10, 30}[i]*block) {
			t.Errorf("damage %d: %v", i, d)
		}
	}
	for i := range a.Samples {
		lost := i/block == 10 || i/block == 30
		if lost && a.Samples[i] != 0 || !lost && a.Samples[i] != ref.Samples[i] {
			t.Fatalf("sample %d (frame %d) is %v, want %v", i, i/block, a.Samples[i], ref.Samples[i])
		}
	}
	t.Log(a.Damage[0])
}

// TestFLACRandomDamage flips a few random bytes in the frames of a valid
// stream, 300 times: every read must succeed, keep the timing to within
// the frames that were hit (damage at the very end shortens the stream)
// and report damage whenever samples changed.
func TestFLACRandomDamage(t *testing.T) {
	const n, block = 40 * 1000, 1000
	good := makeFLAC(t, 16000, 1, 16, n, block, false)
	ref, err := ReadFLAC(bytes.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(9, 18))
	for trial := range 300 {
		b := bytes.Clone(good)
		flips := 1 + rng.IntN(3)
		for range flips {
			b[42+rng.IntN(len(b)-42)] ^= byte(1 + rng.IntN(255))
		}
		a, err := ReadFLAC(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		if len(a.Samples) > n || len(a.Samples) < n-(flips+1)*block {
			t.Fatalf("trial %d: %d samples of %d after %d flips; damage %v", trial, len(a.Samples), n, flips, a.Damage)
		}
		if len(a.Damage) == 0 && !slices.Equal(a.Samples, ref.Samples[:len(a.Samples)]) {
			t.Fatalf("trial %d: samples changed with no damage reported", trial)
		}
	}
}
