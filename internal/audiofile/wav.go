package audiofile

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
)

const wavSupported = "PCM 8/16/24/32-bit, IEEE float 32/64-bit"

// WAV format tags (mmreg.h) that matter to us, plus names for the common
// ones we reject so the error can say what the file is.
const (
	tagPCM        = 0x0001
	tagFloat      = 0x0003
	tagExtensible = 0xFFFE
)

var wavTagNames = map[uint32]string{
	0x0002: "Microsoft ADPCM",
	0x0006: "A-law",
	0x0007: "µ-law",
	0x0011: "IMA ADPCM",
	0x0031: "GSM 6.10",
	0x0040: "G.721 ADPCM",
	0x0050: "MPEG audio",
	0x0055: "MP3",
	0x0161: "Windows Media Audio",
	0x0162: "Windows Media Audio Pro",
	0x0163: "Windows Media Audio Lossless",
	0x2000: "AC-3",
	0x2001: "DTS",
	0x704F: "Opus",
	0xF1AC: "FLAC",
}

// ksdataformatTail is bytes 4..15 of every KSDATAFORMAT_SUBTYPE_* GUID
// derived from a format tag: {tag-0000-0010-8000-00aa00389b71}.
var ksdataformatTail = [12]byte{0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71}

// maxFmtBytes bounds how much of a fmt chunk we keep; the rest is skipped.
const maxFmtBytes = 256

// readBufBytes is the size of the block in which sample data is read.
const readBufBytes = 64 << 10

type wavFmt struct {
	float      bool
	bits       int
	channels   int
	rate       int
	blockAlign int
	format     string
}

// wavReader tracks the byte offset for error messages.
type wavReader struct {
	r   io.Reader
	off int64
	be  bool // RIFX: big-endian fields and samples
}

func (w *wavReader) order() binary.ByteOrder {
	if w.be {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

func (w *wavReader) readFull(b []byte) (int, error) {
	n, err := io.ReadFull(w.r, b)
	w.off += int64(n)
	return n, err
}

func (w *wavReader) skip(n int64) error {
	m, err := io.CopyN(io.Discard, w.r, n)
	w.off += m
	return err
}

func isEOF(err error) bool { return err == io.EOF || err == io.ErrUnexpectedEOF }

func wavErr(off int64, format string, args ...any) error {
	return &FormatError{Format: "wav", Offset: off, Msg: fmt.Sprintf(format, args...)}
}

// ReadWAV decodes a whole RIFF/WAVE stream; see OpenWAV for what it accepts.
// Memory grows with the data actually read, never with a declared size.
func ReadWAV(r io.Reader) (*Audio, error) {
	s, err := OpenWAV(r)
	if err != nil {
		return nil, err
	}
	return s.readAll()
}

// OpenWAV reads the header of a RIFF/WAVE stream (also big-endian RIFX and
// RF64 with streaming sizes) holding PCM 8/16/24/32-bit or IEEE float
// 32/64-bit samples, plain or WAVE_FORMAT_EXTENSIBLE, with any channel count
// and a sample rate from MinRate to MaxRate, and returns a Stream positioned at
// the first sample. Channels are averaged to mono; float samples are
// clamped to [-1, 1] (NaN becomes 0).
//
// Unknown chunks are skipped. A data size of 0 or 0xFFFFFFFF (written by
// streaming writers) or one larger than the input means "read to the end".
// If the input ends early, every whole frame is delivered and the Stream
// reports Truncated.
//
// Errors are *FormatError, *UnsupportedError or a wrapped read error.
func OpenWAV(r io.Reader) (*Stream, error) {
	w := &wavReader{r: r}
	var hdr [12]byte
	if n, err := w.readFull(hdr[:]); err != nil {
		if n == 0 && err == io.EOF {
			return nil, wavErr(0, "empty input (0 bytes)")
		}
		if isEOF(err) {
			return nil, wavErr(w.off, "input ends after %d bytes, inside the 12-byte RIFF header", n)
		}
		return nil, fmt.Errorf("wav: reading header: %w", err)
	}
	container := "WAV"
	switch string(hdr[0:4]) {
	case "RIFF":
	case "RIFX":
		w.be, container = true, "RIFX WAV"
	case "RF64", "BW64":
		container = string(hdr[0:4]) + " WAV"
	default:
		return nil, wavErr(0, "not a WAV file: expected \"RIFF\", found %q", hdr[0:4])
	}
	if string(hdr[8:12]) != "WAVE" {
		return nil, wavErr(8, "RIFF form type is %q, not \"WAVE\"", hdr[8:12])
	}

	var f *wavFmt
	var fmtBuf [maxFmtBytes]byte
	for {
		chunkOff := w.off
		var ch [8]byte
		if _, err := w.readFull(ch[:]); err != nil {
			if isEOF(err) {
				if f == nil {
					return nil, wavErr(chunkOff, "no fmt chunk before the end of the input")
				}
				return nil, wavErr(chunkOff, "no data chunk before the end of the input")
			}
			return nil, fmt.Errorf("wav: reading chunk header at byte %d: %w", chunkOff, err)
		}
		id := ch[0:4]
		for _, c := range id {
			if c < 0x20 || c > 0x7E {
				return nil, wavErr(chunkOff, "chunk ID %q is not ASCII (corrupt file or missing pad byte)", id)
			}
		}
		size := int64(w.order().Uint32(ch[4:8]))
		switch string(id) {
		case "fmt ":
			if f != nil { // a second fmt chunk: the first one wins
				break
			}
			if size < 16 {
				return nil, wavErr(chunkOff+4, "fmt chunk is %d bytes, need at least 16", size)
			}
			keep := min(size, maxFmtBytes)
			if _, err := w.readFull(fmtBuf[:keep]); err != nil {
				if isEOF(err) {
					return nil, wavErr(w.off, "input ends inside the fmt chunk that starts at byte %d", chunkOff)
				}
				return nil, fmt.Errorf("wav: reading fmt chunk at byte %d: %w", chunkOff, err)
			}
			var err error
			if f, err = w.parseFmt(fmtBuf[:keep], chunkOff+8, container); err != nil {
				return nil, err
			}
			size -= keep
		case "data":
			if f == nil {
				return nil, wavErr(chunkOff, "data chunk comes before any fmt chunk")
			}
			return w.dataStream(f, size, chunkOff), nil
		}
		if err := w.skip(size + size&1); err != nil {
			if isEOF(err) {
				return nil, wavErr(w.off, "chunk %q at byte %d declares %d bytes but the input ends at byte %d, with no data chunk",
					id, chunkOff, size, w.off)
			}
			return nil, fmt.Errorf("wav: skipping chunk %q at byte %d: %w", id, chunkOff, err)
		}
	}
}

// parseFmt validates a fmt chunk body that starts at byte off.
func (w *wavReader) parseFmt(b []byte, off int64, container string) (*wavFmt, error) {
	o := w.order()
	tag := uint32(o.Uint16(b[0:2]))
	channels := int(o.Uint16(b[2:4]))
	rate := int64(o.Uint32(b[4:8]))
	blockAlign := int(o.Uint16(b[12:14]))
	bits := int(o.Uint16(b[14:16]))
	extensible := ""
	if tag == tagExtensible {
		if len(b) < 40 {
			return nil, wavErr(off, "WAVE_FORMAT_EXTENSIBLE fmt chunk is %d bytes, need 40", len(b))
		}
		valid := int(o.Uint16(b[18:20]))
		if valid > bits {
			return nil, wavErr(off+18, "valid bits per sample %d exceed the container size %d", valid, bits)
		}
		guid := b[24:40]
		if [12]byte(guid[4:16]) != ksdataformatTail {
			return nil, &UnsupportedError{Format: "wav", Property: "encoding",
				Value: fmt.Sprintf("WAVE_FORMAT_EXTENSIBLE subformat GUID %x", guid), Supported: wavSupported}
		}
		tag = o.Uint32(guid[0:4])
		extensible = " (extensible)"
	}
	if channels == 0 {
		return nil, wavErr(off+2, "channel count is 0")
	}
	if rate == 0 {
		return nil, wavErr(off+4, "sample rate is 0")
	}
	if err := checkReadRate("wav", rate); err != nil {
		return nil, err
	}
	f := &wavFmt{bits: bits, channels: channels, rate: int(rate), blockAlign: blockAlign}
	switch tag {
	case tagPCM:
		if bits != 8 && bits != 16 && bits != 24 && bits != 32 {
			return nil, &UnsupportedError{Format: "wav", Property: "bit depth", Value: fmt.Sprintf("PCM %d-bit", bits), Supported: wavSupported}
		}
		f.format = fmt.Sprintf("%s PCM %d-bit%s", container, bits, extensible)
	case tagFloat:
		if bits != 32 && bits != 64 {
			return nil, &UnsupportedError{Format: "wav", Property: "bit depth", Value: fmt.Sprintf("IEEE float %d-bit", bits), Supported: wavSupported}
		}
		f.float = true
		f.format = fmt.Sprintf("%s float %d-bit%s", container, bits, extensible)
	default:
		name, ok := wavTagNames[tag]
		if !ok {
			name = "unknown"
		}
		return nil, &UnsupportedError{Format: "wav", Property: "encoding",
			Value: fmt.Sprintf("%s (format tag %d)", name, tag), Supported: wavSupported}
	}
	if want := channels * bits / 8; blockAlign != want {
		return nil, wavErr(off+12, "block align %d does not match %d channel(s) × %d bits (expected %d)",
			blockAlign, channels, bits, want)
	}
	return f, nil
}

// wavData delivers the samples of a data chunk a block at a time.
type wavData struct {
	w         *wavReader
	f         *wavFmt
	buf       []byte // whole frames are decoded, a partial one carried over
	have      int    // bytes in buf
	remaining int64  // bytes of the chunk not yet read
	streaming bool   // the header gave no size: read to the end of the input
	eof       bool
}

// dataStream returns the Stream of the data chunk whose header starts at
// chunkOff and declares size bytes.
func (w *wavReader) dataStream(f *wavFmt, size, chunkOff int64) *Stream {
	d := &wavData{w: w, f: f, remaining: size, streaming: size == 0 || size == 0xFFFFFFFF}
	if d.streaming {
		d.remaining = math.MaxInt64
	}
	d.buf = make([]byte, max(readBufBytes/f.blockAlign, 1)*f.blockAlign)
	// Capacity hint for Read from the declared size, but bounded: a lying
	// header costs at most 1 MB up front; beyond that Read grows with real data.
	hint := int64(1 << 14)
	if !d.streaming {
		hint = min(size/int64(f.blockAlign), 1<<18)
	}
	return &Stream{
		Rate: f.rate, Channels: f.channels, Format: f.format,
		next:    d.next,
		hint:    int(hint),
		noAudio: fmt.Errorf("wav: data chunk at byte %d: %w", chunkOff, ErrNoAudio),
	}
}

// next appends the frames of up to one read buffer to dst. At the end of
// the chunk it returns io.EOF, with truncated set when the input ended
// before the declared size or inside a frame.
func (d *wavData) next(dst []float32) (_ []float32, truncated bool, err error) {
	fb := d.f.blockAlign
	for {
		if d.eof || d.remaining == 0 {
			return dst, d.have > 0 || (!d.streaming && d.remaining > 0), io.EOF
		}
		want := min(int64(len(d.buf)-d.have), d.remaining)
		n, err := d.w.readFull(d.buf[d.have : d.have+int(want)])
		d.remaining -= int64(n)
		d.have += n
		whole := d.have / fb * fb
		before := len(dst)
		dst = decodeFrames(dst, d.buf[:whole], d.f, d.w.be)
		d.have = copy(d.buf, d.buf[whole:d.have])
		if err != nil {
			if !isEOF(err) {
				return dst, false, fmt.Errorf("wav: reading data at byte %d: %w", d.w.off, err)
			}
			d.eof = true
		}
		if len(dst) > before {
			return dst, false, nil
		}
	}
}

// decodeFrames appends one mono sample per whole frame in b.
func decodeFrames(dst []float32, b []byte, f *wavFmt, be bool) []float32 {
	ch := f.channels
	fb := f.blockAlign
	if f.float {
		for i := 0; i+fb <= len(b); i += fb {
			frame := b[i : i+fb]
			var s float64
			for c := 0; c < ch; c++ {
				var v float64
				if f.bits == 32 {
					u := binary.LittleEndian.Uint32(frame[4*c:])
					if be {
						u = binary.BigEndian.Uint32(frame[4*c:])
					}
					v = float64(math.Float32frombits(u))
				} else {
					u := binary.LittleEndian.Uint64(frame[8*c:])
					if be {
						u = binary.BigEndian.Uint64(frame[8*c:])
					}
					v = math.Float64frombits(u)
				}
				if v != v { // NaN
					v = 0
				}
				s += v
			}
			s /= float64(ch)
			dst = append(dst, float32(max(-1, min(1, s))))
		}
		return dst
	}
	scale := 1 / (float64(ch) * float64(uint64(1)<<(f.bits-1)))
	for i := 0; i+fb <= len(b); i += fb {
		frame := b[i : i+fb]
		var s int64
		switch f.bits {
		case 8:
			for _, v := range frame {
				s += int64(v) - 128
			}
		case 16:
			for c := 0; c+2 <= len(frame); c += 2 {
				if be {
					s += int64(int16(uint16(frame[c])<<8 | uint16(frame[c+1])))
				} else {
					s += int64(int16(uint16(frame[c]) | uint16(frame[c+1])<<8))
				}
			}
		case 24:
			for c := 0; c+3 <= len(frame); c += 3 {
				var u uint32
				if be {
					u = uint32(frame[c])<<24 | uint32(frame[c+1])<<16 | uint32(frame[c+2])<<8
				} else {
					u = uint32(frame[c+2])<<24 | uint32(frame[c+1])<<16 | uint32(frame[c])<<8
				}
				s += int64(int32(u) >> 8)
			}
		case 32:
			for c := 0; c+4 <= len(frame); c += 4 {
				u := binary.LittleEndian.Uint32(frame[c:])
				if be {
					u = binary.BigEndian.Uint32(frame[c:])
				}
				s += int64(int32(u))
			}
		}
		dst = append(dst, float32(float64(s)*scale))
	}
	return dst
}
