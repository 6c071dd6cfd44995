package audiofile

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/mewkiz/flac"
	"github.com/mewkiz/flac/frame"
)

// ReadFLAC decodes a whole FLAC stream; see OpenFLAC.
func ReadFLAC(r io.Reader) (*Audio, error) {
	s, err := OpenFLAC(r)
	if err != nil {
		return nil, err
	}
	return s.readAll()
}

// OpenFLAC reads the header of a FLAC stream of any bit depth (4 to 32)
// and channel count and returns a Stream that decodes it a frame at a time,
// averaging channels to mono. If the input ends inside a frame, the frames
// before it are delivered and the Stream reports Truncated.
func OpenFLAC(r io.Reader) (_ *Stream, err error) {
	// The decoder is third-party code fed untrusted bytes: turn any panic
	// into an error so that no input can crash the caller.
	defer func() {
		if p := recover(); p != nil {
			err = flacPanic(p)
		}
	}()
	// flac.New reads through this bufio.Reader itself (bufio.NewReader
	// returns a large enough *bufio.Reader as is), so that after damage the
	// frames can be looked for in the same bytes.
	cr := &countingReader{r: r}
	br := bufio.NewReaderSize(cr, flacWindow)
	stream, err := flac.New(br)
	if err != nil {
		return nil, fmt.Errorf("flac: reading stream header: %w", err)
	}
	info := stream.Info
	if info == nil {
		return nil, &FormatError{Format: "flac", Offset: 4, Msg: "missing STREAMINFO block"}
	}
	rate := int(info.SampleRate)
	if rate == 0 {
		return nil, &FormatError{Format: "flac", Offset: 18, Msg: "sample rate is 0"}
	}
	if err := checkReadRate("flac", int64(rate)); err != nil {
		return nil, err
	}
	hint := min(info.NSamples, 1<<18) // bounded: never trust a header for allocation size
	if hint == 0 {
		hint = 1 << 14
	}
	d := &flacFrames{br: br, cr: cr, block: int64(info.BlockSizeMax)}
	noAudio := fmt.Errorf("flac: %w", ErrNoAudio)
	if cr.eof && br.Buffered() == 0 {
		// The metadata blocks reached the end of the input (the decoder
		// skips them without noticing a cut): say so, not just "no audio".
		noAudio = fmt.Errorf("flac: %w: the file ends inside or right after its metadata blocks, before any audio frame (is it cut short?)", ErrNoAudio)
	}
	return &Stream{
		Rate:     rate,
		Channels: int(info.NChannels),
		Format:   fmt.Sprintf("FLAC %d-bit", info.BitsPerSample),
		next:     d.next,
		damage:   func() []error { return d.damage },
		hint:     int(hint),
		noAudio:  noAudio,
	}, nil
}

func flacPanic(p any) error {
	return &FormatError{Format: "flac", Offset: -1, Msg: fmt.Sprintf("corrupt stream (decoder panic: %v)", p)}
}

// countingReader counts the bytes read through it and notes the end.
type countingReader struct {
	r   io.Reader
	n   int64
	eof bool
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	c.eof = c.eof || err == io.EOF
	return n, err
}

// DamageError reports FLAC data that could not be decoded (a frame that
// fails its CRC or does not parse): the reader skipped to the next frame
// and, where the frame numbers say how much was lost, put silence in its
// place so that the audio keeps its timing.
type DamageError struct {
	Offset  int64 // byte offset of the damaged data
	Sample  int64 // samples delivered before it
	Skipped int64 // bytes skipped
	Silence int64 // samples of silence in place of the lost audio (0: not known)
	Err     error // what the decoder said
}

func (e *DamageError) Error() string {
	lost := "the length of the lost audio is not known"
	if e.Silence > 0 {
		lost = fmt.Sprintf("%d samples of silence in its place", e.Silence)
	}
	return fmt.Sprintf("flac: damaged frame at byte %d, after %d samples (%d bytes skipped; %s): %v",
		e.Offset, e.Sample, e.Skipped, lost, e.Err)
}

func (e *DamageError) Unwrap() error { return e.Err }

const (
	// flacWindow is how many bytes a frame is parsed from, so that after
	// damage the next frame is looked for from the damaged frame's start
	// (a corrupt frame may parse past its end). Larger frames are parsed
	// from the stream, and damage in them costs the frame after as well.
	flacWindow = 256 << 10
	// maxDamage bounds the damage reports kept (the count goes on).
	maxDamage = 100
	// maxGapBlocks bounds the silence put in place of lost frames, in
	// blocks: a frame number far ahead is itself damage, not lost audio.
	maxGapBlocks = 16
)

// flacFrames delivers a FLAC stream's frames, skipping damaged ones.
type flacFrames struct {
	br      *bufio.Reader
	cr      *countingReader
	block   int64 // STREAMINFO's largest block size: frame number × block = first sample
	frame   int   // frames decoded
	n       int64 // samples delivered
	damage  []error
	damaged int
}

// pos is the byte offset of the next byte to be parsed.
func (d *flacFrames) pos() int64 { return d.cr.n - int64(d.br.Buffered()) }

// parse decodes the next frame and checks it. A frame that fails is not
// consumed (unless it is larger than flacWindow).
func (d *flacFrames) parse() (*frame.Frame, error) {
	// What is buffered first: asking for more slides the buffer, which
	// per candidate sync code would cost the window's size per byte.
	win, _ := d.br.Peek(d.br.Buffered())
	r := bytes.NewReader(win)
	f, err := parseFrame(r)
	if (err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF)) && len(win) < flacWindow {
		win, _ = d.br.Peek(flacWindow) // fewer bytes at the end of the input
		r = bytes.NewReader(win)
		f, err = parseFrame(r)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) && len(win) == flacWindow {
		return parseFrame(d.br) // a frame larger than the window
	}
	if err == nil || errors.Is(err, io.ErrUnexpectedEOF) || err == io.EOF {
		d.br.Discard(len(win) - r.Len())
	}
	return f, err
}

// parseFrame decodes one frame from r and checks it.
func parseFrame(r io.Reader) (f *frame.Frame, err error) {
	defer func() {
		if p := recover(); p != nil {
			f, err = nil, flacPanic(p)
		}
	}()
	f, err = frame.Parse(r)
	if err != nil {
		return nil, err
	}
	n := int(f.BlockSize)
	nch := len(f.Subframes)
	if nch == 0 || f.BitsPerSample == 0 || f.BitsPerSample > 32 {
		return nil, fmt.Errorf("frame has %d channels and %d bits per sample", nch, f.BitsPerSample)
	}
	for _, sf := range f.Subframes {
		if len(sf.Samples) < n {
			return nil, fmt.Errorf("subframe holds %d samples, block size is %d", len(sf.Samples), n)
		}
	}
	return f, nil
}

// resync skips to the next byte pair that looks like a frame's sync code.
func (d *flacFrames) resync() error {
	for {
		b, err := d.br.Peek(2)
		if err != nil {
			return err
		}
		if b[0] == 0xFF && b[1]&0xFE == 0xF8 {
			return nil
		}
		d.br.Discard(1)
	}
}

// firstSample is the number of f's first sample, from its header.
func (d *flacFrames) firstSample(f *frame.Frame) int64 {
	if f.HasFixedBlockSize {
		return int64(f.Num) * d.block
	}
	return int64(f.Num)
}

// next appends one frame, downmixed, to dst. A damaged frame is skipped
// (see DamageError); if no good frame follows, the stream ends there,
// truncated.
func (d *flacFrames) next(dst []float32) (_ []float32, truncated bool, err error) {
	at := d.pos()
	f, err := d.parse()
	if err == io.EOF {
		return dst, false, io.EOF
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return dst, true, io.EOF
	}
	if err != nil {
		bad, found := err, at
		for err != nil {
			d.br.Discard(1) // past the sync code that failed
			if err = d.resync(); err != nil {
				break
			}
			found = d.pos()
			f, err = d.parse()
			if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
				break
			}
		}
		if err != nil && d.frame == 0 {
			// Not one good frame: the stream is not FLAC audio.
			return dst, false, fmt.Errorf("flac: decoding frame 0: %w", bad)
		}
		dmg := &DamageError{Offset: at, Sample: d.n, Skipped: d.pos() - at, Err: bad}
		if err == nil {
			dmg.Skipped = found - at
			if gap := d.firstSample(f) - d.n; gap > 0 && gap <= maxGapBlocks*max(d.block, 1) {
				dmg.Silence = gap
			}
		}
		d.damaged++
		if len(d.damage) < maxDamage {
			d.damage = append(d.damage, dmg)
		}
		if err != nil {
			return dst, true, io.EOF // nothing decodable after the damage
		}
		for range dmg.Silence {
			dst = append(dst, 0)
		}
		d.n += dmg.Silence
	}
	n := int(f.BlockSize)
	nch := len(f.Subframes)
	scale := 1 / (float64(nch) * float64(uint64(1)<<(f.BitsPerSample-1)))
	for i := 0; i < n; i++ {
		var s int64
		for _, sf := range f.Subframes {
			s += int64(sf.Samples[i])
		}
		dst = append(dst, float32(max(-1, min(1, float64(s)*scale))))
	}
	d.frame++
	d.n += int64(n)
	return dst, false, nil
}
