package main

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/codec/tokens"
)

// A token file starts with a header record naming the codebook and the
// stage count, so that untokens can refuse tokens made with another
// codebook (which would decode to wrong audio) as decode refuses such a
// .vqs file:
//
//	JSONL: {"codebook":"ed26e075959c9156","stages":4}
//	CSV:   # codebook=ed26e075959c9156 stages=4   (a comment line; pandas: comment="#")
//
// Files without it (say, tokens a model generated) are still read.

// tokenHeader is the header record of a token file.
type tokenHeader struct {
	Codebook [8]byte // rvq.Codebook.Fingerprint
	Stages   int
}

type tokenHeaderJSON struct {
	Codebook string `json:"codebook"`
	Stages   int    `json:"stages"`
}

func writeTokenHeader(w io.Writer, format tokens.Format, h tokenHeader) error {
	var err error
	if format == tokens.CSV {
		_, err = fmt.Fprintf(w, "# codebook=%x stages=%d\n", h.Codebook, h.Stages)
	} else {
		_, err = fmt.Fprintf(w, "{\"codebook\":\"%x\",\"stages\":%d}\n", h.Codebook, h.Stages)
	}
	return err
}

// readTokenHeader reads the header record if the first line is one. It
// returns a reader of the records, the header (nil if absent) and the
// number of lines it took.
func readTokenHeader(r io.Reader, format tokens.Format) (io.Reader, *tokenHeader, int, error) {
	br := bufio.NewReader(r)
	first, err := br.Peek(1)
	if err != nil || (format == tokens.CSV && first[0] != '#') || (format == tokens.JSONL && first[0] != '{') {
		return br, nil, 0, nil // let the token reader report what is there
	}
	line, err := br.ReadString('\n')
	if err != nil && err != io.EOF {
		return nil, nil, 0, err
	}
	bad := func(why string) error {
		return &tokens.Error{Line: 1, Err: fmt.Errorf("%w: header record: %s", tokens.ErrSyntax, why)}
	}
	var h tokenHeaderJSON
	if format == tokens.CSV {
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
	th := &tokenHeader{Stages: h.Stages}
	copy(th.Codebook[:], fp)
	return br, th, 1, nil
}
