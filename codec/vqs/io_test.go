package vqs_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"slices"
	"testing"
	"testing/iotest"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/codec/vqs"
)

// pcmBytes is x as s16le.
func pcmBytes(x []int16) []byte {
	b := make([]byte, 2*len(x))
	for i, v := range x {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(v))
	}
	return b
}

// perPacket is the reference: the per-packet API on x padded with silence,
// the codec delay dropped, as s16le bytes of the same length the Reader gives.
func perPacket(t *testing.T, x []int16, stages int) []byte {
	t.Helper()
	cb := codec.DefaultCodebook()
	enc, _ := codec.NewEncoder(cb, stages)
	dec, _ := codec.NewDecoder(cb)
	n := (len(x) + codec.Delay + codec.PacketSamples - 1) / codec.PacketSamples
	in := make([]int16, n*codec.PacketSamples)
	copy(in, x)
	var out []int16
	var pkt []byte
	var err error
	for p := range n {
		if pkt, err = enc.EncodeInt16(pkt[:0], in[p*codec.PacketSamples:(p+1)*codec.PacketSamples]); err != nil {
			t.Fatal(err)
		}
		if out, err = dec.DecodeInt16(out, pkt); err != nil {
			t.Fatal(err)
		}
	}
	return pcmBytes(out[codec.Delay:])
}

// chunked writes b to w in chunks whose sizes cycle through sizes.
func chunked(t *testing.T, w io.Writer, b []byte, sizes []int) {
	t.Helper()
	for i := 0; len(b) > 0; i++ {
		n := min(sizes[i%len(sizes)], len(b))
		m, err := w.Write(b[:n])
		if err != nil || m != n {
			t.Fatalf("Write(%d bytes) = %d, %v", n, m, err)
		}
		b = b[n:]
	}
}

func TestWriterReaderMatchPerPacket(t *testing.T) {
	cb := codec.DefaultCodebook()
	x := speech16(t, "librispeech-7312-m.wav")[:40*codec.PacketSamples+123] // not a whole packet
	pcm := pcmBytes(x)
	want := perPacket(t, x, 3)
	for _, tc := range []struct {
		name   string
		writes []int // chunk sizes cycled through; nil = one io.Copy
		reads  int   // read buffer size; 0 = io.Copy
	}{
		{"io.Copy both ways", nil, 0},
		{"odd chunks", []int{1, 3, 641, 7, 2, 999, 5}, 333},
		{"single bytes", []int{1}, 1},
		{"one write", []int{len(pcm)}, 1 << 16},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var file bytes.Buffer
			w, err := vqs.NewWriter(&file, cb, 3)
			if err != nil {
				t.Fatal(err)
			}
			if tc.writes == nil {
				if n, err := io.Copy(w, bytes.NewReader(pcm)); err != nil || n != int64(len(pcm)) {
					t.Fatalf("io.Copy into Writer: %d, %v", n, err)
				}
			} else {
				chunked(t, w, pcm, tc.writes)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if got := w.Packets(); got != int64(len(want)/2+codec.Delay)/codec.PacketSamples {
				t.Errorf("%d packets written", got)
			}
			r, err := vqs.NewReader(&file, cb)
			if err != nil {
				t.Fatal(err)
			}
			var got []byte
			if tc.reads == 0 {
				var out bytes.Buffer
				if _, err := io.Copy(&out, r); err != nil {
					t.Fatal(err)
				}
				got = out.Bytes()
			} else {
				buf := make([]byte, tc.reads)
				for {
					n, err := r.Read(buf)
					got = append(got, buf[:n]...)
					if err == io.EOF {
						break
					}
					if err != nil {
						t.Fatal(err)
					}
				}
			}
			if len(got) < len(pcm) || len(got) > len(pcm)+2*codec.PacketSamples {
				t.Errorf("%d bytes out for %d in: want the input length plus under a packet", len(got), len(pcm))
			}
			if !bytes.Equal(got, want) {
				t.Errorf("streaming output (%d bytes) differs from the per-packet path (%d bytes)", len(got), len(want))
			}
			if r.Stats().LostPackets != 0 || len(r.Damage()) != 0 {
				t.Errorf("clean stream reports damage: %+v %v", r.Stats(), r.Damage())
			}
		})
	}
}

func TestReaderIOTest(t *testing.T) {
	cb := codec.DefaultCodebook()
	x := speech16(t, "librispeech-367-f.wav")[:10*codec.PacketSamples]
	var file bytes.Buffer
	w, _ := vqs.NewWriter(&file, cb, 4)
	w.Write(pcmBytes(x))
	w.Close()
	want := perPacket(t, x, 4)
	r, err := vqs.NewReader(bytes.NewReader(file.Bytes()), cb)
	if err != nil {
		t.Fatal(err)
	}
	if err := iotest.TestReader(r, want); err != nil {
		t.Error(err)
	}
	// A stream that arrives a byte at a time, as from a slow pipe.
	r, err = vqs.NewReader(iotest.OneByteReader(bytes.NewReader(file.Bytes())), cb)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(iotest.HalfReader(r))
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("byte-at-a-time stream: %d bytes, %v; want %d bytes", len(got), err, len(want))
	}
}

func TestWriterErrors(t *testing.T) {
	cb := codec.DefaultCodebook()
	// A dangling half sample is reported, but the stream is still complete.
	var file bytes.Buffer
	w, _ := vqs.NewWriter(&file, cb, 4)
	w.Write(make([]byte, 2*codec.PacketSamples+1))
	if err := w.Close(); !errors.Is(err, vqs.ErrPartialSample) {
		t.Errorf("Close after an odd byte count: %v, want ErrPartialSample", err)
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := w.Write([]byte{1, 2}); !errors.Is(err, vqs.ErrClosed) {
		t.Errorf("Write after Close: %v, want ErrClosed", err)
	}
	r, err := vqs.NewReader(&file, cb)
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(r)
	if err != nil || len(out) != 2*(2*codec.PacketSamples-codec.Delay) {
		t.Errorf("reading it back: %d bytes, %v", len(out), err)
	}

	// The underlying writer's failure sticks.
	boom := errors.New("disk full")
	w, err = vqs.NewWriter(&failAfter{n: 64, err: boom}, cb, 4)
	if err != nil {
		t.Fatal(err)
	}
	var werr error
	for i := 0; i < 2000 && werr == nil; i++ {
		_, werr = w.Write(make([]byte, 2*codec.PacketSamples))
		if werr == nil {
			werr = w.Flush()
		}
	}
	if !errors.Is(werr, boom) {
		t.Fatalf("writing into a failing writer: %v, want %v", werr, boom)
	}
	if _, err := w.Write([]byte{0, 0}); !errors.Is(err, boom) {
		t.Errorf("Write after the failure: %v", err)
	}
	if err := w.Close(); !errors.Is(err, boom) {
		t.Errorf("Close after the failure: %v", err)
	}

	if _, err := vqs.NewWriter(io.Discard, cb, 99); !errors.Is(err, codec.ErrStages) {
		t.Errorf("NewWriter with 99 stages: %v", err)
	}
	if _, err := vqs.NewReader(bytes.NewReader([]byte("RIFF....WAVE")), cb); err == nil {
		t.Error("NewReader accepted a WAV file")
	}
}

// failAfter accepts n bytes, then fails.
type failAfter struct {
	n   int
	err error
}

func (f *failAfter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		m := f.n
		f.n = 0
		return m, f.err
	}
	f.n -= len(p)
	return len(p), nil
}

func TestReaderConcealsDamage(t *testing.T) {
	cb := codec.DefaultCodebook()
	x := speech16(t, "librispeech-367-f.wav")[:200*codec.PacketSamples]
	var file bytes.Buffer
	w, _ := vqs.NewWriter(&file, cb, 4)
	w.Write(pcmBytes(x))
	w.Close()
	b := slices.Clone(file.Bytes())
	b[len(b)/2] ^= 0x40 // corrupt one block in the middle
	r, err := vqs.NewReader(bytes.NewReader(b), cb)
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if want := len(perPacket(t, x, 4)); len(out) != want {
		t.Errorf("damaged stream gave %d bytes, want %d (concealment keeps the timing)", len(out), want)
	}
	if r.Stats().LostPackets == 0 || len(r.Damage()) == 0 {
		t.Errorf("damage not reported: %+v", r.Stats())
	}
}

func TestWriterReaderNoAllocations(t *testing.T) {
	cb := codec.DefaultCodebook()
	pcm := pcmBytes(speech16(t, "fleurs-es-006.wav"))
	var file bytes.Buffer
	file.Grow(1 << 20)
	w, _ := vqs.NewWriter(&file, cb, 4)
	pos := 0
	// Several packets per call, so that one allocation per packet shows as
	// at least 3 per call (AllocsPerRun divides with truncation).
	const chunk = 8*codec.PacketSamples + 1 // odd, to exercise the carried byte
	allocs := leastAllocs(func() {
		if pos+chunk > len(pcm) {
			pos = 0
		}
		w.Write(pcm[pos : pos+chunk])
		pos += chunk
	})
	if allocs != 0 {
		t.Errorf("Writer.Write: %v allocations per call, want 0", allocs)
	}
	w.Close()
	r, _ := vqs.NewReader(&file, cb)
	buf := make([]byte, 8*codec.PacketSamples-3)
	allocs = leastAllocs(func() { r.Read(buf) })
	if allocs != 0 {
		t.Errorf("Reader.Read: %v allocations per call, want 0", allocs)
	}
}

// leastAllocs is the least of three testing.AllocsPerRun(60, f): the count
// is process-wide, and goroutines other tests leave behind may allocate.
func leastAllocs(f func()) float64 {
	least := testing.AllocsPerRun(60, f)
	for range 2 {
		least = min(least, testing.AllocsPerRun(60, f))
	}
	return least
}
