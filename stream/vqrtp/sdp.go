package vqrtp

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/rvq"
)

// ErrParams reports an a=fmtp value that cannot be used.
var ErrParams = errors.New("vqrtp: bad format parameters")

// Params are the format parameters of a VQSPEAK session (the a=fmtp line).
type Params struct {
	// Stages is the highest RVQ stage count the sender uses (1 to 6); 0
	// means unspecified.
	Stages int
	// Codebook is the fingerprint of the codebook (rvq.Codebook.Fingerprint);
	// the zero value means unspecified.
	Codebook [8]byte
	// PadBook names the pad book (codec.PadBook) whose pad stages the
	// sender's 1-3 stage packets carry: the first two bytes of its
	// fingerprint, as PadBookTag gives them (fmtp "padbook=", 4 hex
	// digits); 0 means unspecified (a sender without a pad book).
	PadBook uint16
	// PTime is the audio per packet, a multiple of 20 ms; 0 means 20 ms.
	PTime time.Duration
	// MaxPTime is the most audio the receiver accepts per packet; 0 means
	// unspecified (the format allows 240 ms).
	MaxPTime time.Duration
	// FEC says frames may carry FEC sections; DTX that the sender pauses
	// in silence and sends comfort noise.
	FEC, DTX bool
	// Mode is the codec mode's bitrate (fmtp "mode=", codec.ModeForBitrate):
	// 0 means the 20 ms modes, which the packet length tells apart. A
	// low-rate mode (800, 1200, 1600) sends 40 ms frames, each advancing
	// the timestamp by 640: ptime is then a multiple of 40 ms (40 when
	// PTime is 0), and there is no FEC.
	Mode int
}

// Rtpmap is the a=rtpmap attribute for payload type pt.
func Rtpmap(pt uint8) string {
	return fmt.Sprintf("a=rtpmap:%d %s/%d", pt, EncodingName, ClockRate)
}

// CodecMode is the mode Mode names; the zero Mode when Mode is 0 (or names
// no mode): the 20 ms modes.
func (p Params) CodecMode() codec.Mode {
	if p.Mode == 0 {
		return codec.Mode{}
	}
	m, err := codec.ModeForBitrate(p.Mode)
	if err != nil {
		return codec.Mode{}
	}
	return m
}

// FrameTicks is how far one frame advances the timestamp: FrameTicks
// (20 ms), or 640 (40 ms) in a low-rate mode.
func (p Params) FrameTicks() int { return modeTicks(p.CodecMode()) }

// modeTicks is the frame duration of mode m in timestamp ticks (the zero
// Mode: 20 ms).
func modeTicks(m codec.Mode) int {
	if m.LowRate() {
		return m.PacketSamples()
	}
	return FrameTicks
}

// FramesPerPacket is PTime in frames (1 when PTime is 0).
func (p Params) FramesPerPacket() int {
	if p.PTime <= 0 {
		return 1
	}
	return int(p.PTime / (time.Duration(p.FrameTicks()) * time.Second / ClockRate))
}

// Fmtp is the a=fmtp value: "stages=4; codebook=5f0c2a9e11d3b7c4; ptime=20",
// with the parameters that are set, and always ptime (20 when PTime is 0):
// WebRTC stacks such as pion carry no a=ptime of their own, so the fmtp
// is where a receiver learns how many frames a packet holds.
func (p Params) Fmtp() string {
	var b strings.Builder
	add := func(k, v string) {
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		b.WriteString(k + "=" + v)
	}
	if p.Stages > 0 {
		add("stages", strconv.Itoa(p.Stages))
	}
	if p.Codebook != [8]byte{} {
		add("codebook", hex.EncodeToString(p.Codebook[:]))
	}
	if p.PadBook != 0 && p.Mode == 0 { // the 40 ms modes have no pad stages
		add("padbook", fmt.Sprintf("%04x", p.PadBook))
	}
	add("ptime", strconv.Itoa(p.FrameTicks()*1000/ClockRate*p.FramesPerPacket()))
	if p.MaxPTime > 0 {
		add("maxptime", strconv.FormatInt(p.MaxPTime.Milliseconds(), 10))
	}
	if p.FEC {
		add("fec", "1")
	}
	if p.DTX {
		add("dtx", "1")
	}
	if p.Mode > 0 {
		add("mode", strconv.Itoa(p.Mode))
	}
	return b.String()
}

// ParseFmtp parses an a=fmtp value (without "a=fmtp:<pt> "). Unknown
// parameters are ignored, as RFC 4855 asks; known ones with bad values are
// errors wrapping ErrParams.
func ParseFmtp(s string) (Params, error) {
	var p Params
	for field := range strings.SplitSeq(s, ";") {
		field = strings.TrimSpace(field)
		if field == "" {
			continue
		}
		k, v, ok := strings.Cut(field, "=")
		if !ok {
			return Params{}, fmt.Errorf("%w: %q is not key=value", ErrParams, field)
		}
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v)
		var err error
		switch k {
		case "stages":
			p.Stages, err = strconv.Atoi(v)
			if err == nil && (p.Stages < 1 || p.Stages > 6) {
				err = errors.New("want 1 to 6")
			}
		case "codebook":
			var b []byte
			b, err = hex.DecodeString(v)
			if err == nil && len(b) != len(p.Codebook) {
				err = errors.New("want 16 hex digits")
			}
			copy(p.Codebook[:], b)
		case "padbook":
			var n uint64
			n, err = strconv.ParseUint(v, 16, 16)
			if err == nil && len(v) != 4 {
				err = errors.New("want 4 hex digits")
			}
			p.PadBook = uint16(n)
		case "ptime", "maxptime":
			var ms int
			ms, err = strconv.Atoi(v)
			switch {
			case err != nil:
			case ms < 20 || ms > 20*MaxFrames || ms%20 != 0:
				err = fmt.Errorf("want a multiple of 20 from 20 to %d", 20*MaxFrames)
			case k == "ptime":
				p.PTime = time.Duration(ms) * time.Millisecond
			default:
				p.MaxPTime = time.Duration(ms) * time.Millisecond
			}
		case "mode":
			p.Mode, err = strconv.Atoi(v)
			if err == nil {
				_, err = codec.ModeForBitrate(p.Mode)
			}
		case "fec", "dtx":
			if v != "0" && v != "1" {
				err = errors.New("want 0 or 1")
			}
			if k == "fec" {
				p.FEC = v == "1"
			} else {
				p.DTX = v == "1"
			}
		}
		if err != nil {
			return Params{}, fmt.Errorf("%w: %s=%s: %v", ErrParams, k, v, err)
		}
	}
	if p.MaxPTime > 0 && p.PTime > p.MaxPTime {
		return Params{}, fmt.Errorf("%w: ptime %v above maxptime %v", ErrParams, p.PTime, p.MaxPTime)
	}
	return p, nil
}

// ErrMismatch reports negotiated format parameters this side cannot decode.
var ErrMismatch = errors.New("vqrtp: negotiated format does not match the local codec")

// Check reports whether a stream with format parameters p, as negotiated,
// can be decoded with codebook cb: the fmtp must name cb's fingerprint,
// its stage count may not exceed cb's (nor codec.MaxStages), and a pad
// book it names must be cb's (PadBookTag). WebRTC
// stacks such as pion match codecs on MIME type and clock rate only, so
// without this check a peer with another codebook connects and plays
// garbage. Errors wrap ErrMismatch.
func (p Params) Check(cb *rvq.Codebook) error {
	fp := cb.Fingerprint()
	switch {
	case p.Codebook == [8]byte{}:
		return fmt.Errorf("%w: the fmtp names no codebook (want codebook=%x)", ErrMismatch, fp)
	case p.Codebook != fp:
		return fmt.Errorf("%w: the peer uses codebook %x, this side has %x", ErrMismatch, p.Codebook, fp)
	case p.Stages > min(cb.NumStages(), codec.MaxStages):
		return fmt.Errorf("%w: the peer sends %d stages, this codebook has %d", ErrMismatch, p.Stages, min(cb.NumStages(), codec.MaxStages))
	case p.PadBook != 0 && p.PadBook != PadBookTag(cb):
		if PadBookTag(cb) == 0 {
			return fmt.Errorf("%w: the peer sends pad stages of pad book %04x…, this side has no pad book for codebook %x", ErrMismatch, p.PadBook, fp)
		}
		return fmt.Errorf("%w: the peer sends pad stages of pad book %04x…, this side has %04x…", ErrMismatch, p.PadBook, PadBookTag(cb))
	}
	if p.Mode > 0 {
		m, err := codec.ModeForBitrate(p.Mode)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrMismatch, err)
		}
		if m.LowRate() {
			switch frame := m.PacketDuration(); {
			case m.Stages > cb.NumStages():
				return fmt.Errorf("%w: the %s b/s mode needs %d stages, this codebook has %d", ErrMismatch, m.Name(), m.Stages, cb.NumStages())
			case p.PTime%frame != 0:
				return fmt.Errorf("%w: ptime %v with the %s b/s mode, whose frames are %v", ErrMismatch, p.PTime, m.Name(), frame)
			case p.FEC:
				return fmt.Errorf("%w: fec=1 with the %s b/s mode (40 ms frames have no FEC)", ErrMismatch, m.Name())
			}
		}
	}
	return nil
}

// PadBookTag is the Params.PadBook of a sender or receiver with codebook
// cb: the first two bytes of the fingerprint of the pad book its encoders
// and decoders use (the embedded one, for the default codebook only), 0
// when it has none.
func PadBookTag(cb *rvq.Codebook) uint16 {
	pb := codec.DefaultPadBook()
	if pb == nil || pb.CodebookFingerprint() != cb.Fingerprint() {
		return 0
	}
	fp := pb.Fingerprint()
	return binary.BigEndian.Uint16(fp[:])
}

// CheckFmtp parses a negotiated a=fmtp value and checks it against the
// local codebook (Params.Check).
func CheckFmtp(fmtp string, cb *rvq.Codebook) (Params, error) {
	p, err := ParseFmtp(fmtp)
	if err != nil {
		return p, err
	}
	return p, p.Check(cb)
}
