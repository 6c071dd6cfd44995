package tokens

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/vqspeak/vqspeak/codec"
)

// Header is the record a token file starts with: the codebook and the
// stage count the tokens were made with, so that a reader can refuse
// tokens of another codebook (which would decode to wrong audio) as
// vqs.Decoder refuses such a .vqs file:
//
//	JSONL: {"codebook":"ed26e075959c9156","stages":4}
//	CSV:   # codebook=ed26e075959c9156 stages=4   (a comment line; pandas: comment="#")
//
// Files without it (say, tokens a model generated) are still read.
type Header struct {
	Codebook [8]byte // rvq.Codebook.Fingerprint
	Stages   int
}

type headerJSON struct {
	Codebook string `json:"codebook"`
	Stages   int    `json:"stages"`
}

// WriteHeader writes h as the first line of a token file.
func WriteHeader(w io.Writer, format Format, h Header) error {
	var err error
	if format == CSV {
		_, err = fmt.Fprintf(w, "# codebook=%x stages=%d\n", h.Codebook, h.Stages)
	} else {
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
	return br, th, 1, nil
}
