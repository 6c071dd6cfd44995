package tokens

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/vqspeak/vqspeak/codec"
)

// Header is the record a token file starts with: the codebook and the
// stage count the tokens were made with, and the pad book when the
// records carry pad stages, so that a reader can refuse tokens of another
// codebook or pad book (which would decode to wrong audio) as vqs.Decoder
// refuses such a .vqs file:
//
//	JSONL: {"codebook":"ed26e075959c9156","stages":4}
//	       {"codebook":"ed26e075959c9156","stages":1,"padbook":"5ff6"}
//	CSV:   # codebook=ed26e075959c9156 stages=1 padbook=5ff6   (a comment line; pandas: comment="#")
//
// Files without it (say, tokens a model generated) are still read.
type Header struct {
	Codebook [8]byte // rvq.Codebook.Fingerprint
	Stages   int
	// PadBook says the records' pads index the pad book PadBookTag names:
	// the first two bytes of its fingerprint, as a .vqs header's
	// (vqs.PadBookTag). Writers set it when the packets' stage count has
	// pad bits (vqs.FlagPadStages in the .vqs header), as .vqs writers do.
	PadBook    bool
	PadBookTag uint16
}

// LegacyPadBookTag is the pad book a header without one implies when a
// record carries a pad: such files were written before headers named pad
// books, by builds whose only pad book was the first embedded one
// (codec/default.vqpd, fingerprint 5ff6…).
const LegacyPadBookTag = 0x5ff6

// ErrPadBookMismatch means the tokens' pads index a pad book that is not
// the decoder's: decoded, they would give wrong audio.
var ErrPadBookMismatch = errors.New("tokens: made with a pad book the decoder does not have")

// CheckPadBook reports whether records under h can be decoded by a
// decoder with pad book pb (nil: none). A header that names a pad book
// must name pb, whether or not a record carries a pad (as
// vqs.CheckPadBook checks a .vqs header). A header that names none needs
// none while its records' pads are 0; pads says a record has a pad that is
// not 0, and then pb must be the one of LegacyPadBookTag.
func (h *Header) CheckPadBook(pb *codec.PadBook, pads bool) error {
	need, ok := h.PadBookTag, h.PadBook
	if !ok && pads {
		need, ok = LegacyPadBookTag, true
	}
	if !ok {
		return nil
	}
	why := ""
	if !h.PadBook {
		why = " (the header names none: the pad book of token files before the tag)"
	}
	if pb == nil {
		return fmt.Errorf("%w: file needs pad book %04x…%s, the decoder has none", ErrPadBookMismatch, need, why)
	}
	if fp := pb.Fingerprint(); uint16(fp[0])<<8|uint16(fp[1]) != need {
		return fmt.Errorf("%w: file needs pad book %04x…%s, the decoder has %x", ErrPadBookMismatch, need, why, fp)
	}
	return nil
}

type headerJSON struct {
	Codebook string  `json:"codebook"`
	Stages   int     `json:"stages"`
	PadBook  *string `json:"padbook"`
}

// WriteHeader writes h as the first line of a token file.
func WriteHeader(w io.Writer, format Format, h Header) error {
	pad := ""
	if h.PadBook {
		pad = fmt.Sprintf("%04x", h.PadBookTag)
	}
	var err error
	switch {
	case format == CSV && h.PadBook:
		_, err = fmt.Fprintf(w, "# codebook=%x stages=%d padbook=%s\n", h.Codebook, h.Stages, pad)
	case format == CSV:
		_, err = fmt.Fprintf(w, "# codebook=%x stages=%d\n", h.Codebook, h.Stages)
	case h.PadBook:
		_, err = fmt.Fprintf(w, "{\"codebook\":\"%x\",\"stages\":%d,\"padbook\":\"%s\"}\n", h.Codebook, h.Stages, pad)
	default:
		_, err = fmt.Fprintf(w, "{\"codebook\":\"%x\",\"stages\":%d}\n", h.Codebook, h.Stages)
	}
	return err
}

// ReadHeader reads the header record if the first line is one. It returns
// a reader of the records that follow, the header (nil if absent) and the
// number of lines it took (to add to a Reader's line numbers).
func ReadHeader(r io.Reader, format Format) (io.Reader, *Header, int, error) {
	br := bufio.NewReader(r)
	first, err := br.Peek(1)
	if err != nil || (format == CSV && first[0] != '#') || (format == JSONL && first[0] != '{') {
		return br, nil, 0, nil // let the token reader report what is there
	}
	line, err := br.ReadString('\n')
	if err != nil && err != io.EOF {
		return nil, nil, 0, err
	}
	bad := func(why string) error {
		return &Error{Line: 1, Err: fmt.Errorf("%w: header record: %s", ErrSyntax, why)}
	}
	var h headerJSON
	if format == CSV {
		for _, f := range strings.Fields(strings.TrimPrefix(line, "#")) {
			k, v, _ := strings.Cut(f, "=")
			switch k {
			case "codebook":
				h.Codebook = v
			case "stages":
				if h.Stages, err = strconv.Atoi(v); err != nil {
					return nil, nil, 0, bad(fmt.Sprintf("stages %q is not a number", v))
				}
			case "padbook":
				h.PadBook = &v
			}
		}
	} else {
		var keys map[string]json.RawMessage
		if json.Unmarshal([]byte(line), &keys) != nil || keys["codebook"] == nil {
			// A token record (or garbage): no header.
			return io.MultiReader(strings.NewReader(line), br), nil, 0, nil
		}
		if err := json.Unmarshal([]byte(line), &h); err != nil {
			return nil, nil, 0, bad(err.Error())
		}
		if keys["padbook"] != nil && h.PadBook == nil { // null
			return nil, nil, 0, bad("padbook null: want 4 hex digits (or no padbook)")
		}
	}
	fp, err := hex.DecodeString(h.Codebook)
	if err != nil || len(fp) != 8 {
		return nil, nil, 0, bad(fmt.Sprintf("codebook %q is not a 16-digit hex fingerprint", h.Codebook))
	}
	if h.Stages < 1 || h.Stages > codec.MaxStages {
		return nil, nil, 0, bad(fmt.Sprintf("stages %d: want 1 to %d", h.Stages, codec.MaxStages))
	}
	th := &Header{Stages: h.Stages}
	copy(th.Codebook[:], fp)
	if h.PadBook != nil {
		tag, err := hex.DecodeString(*h.PadBook)
		if err != nil || len(tag) != 2 {
			return nil, nil, 0, bad(fmt.Sprintf("padbook %q is not a 4-digit hex pad book tag", *h.PadBook))
		}
		th.PadBook, th.PadBookTag = true, uint16(tag[0])<<8|uint16(tag[1])
	}
	return br, th, 1, nil
}
