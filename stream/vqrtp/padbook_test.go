package vqrtp_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/stream/vqrtp"
)

// TestPadBookParam: the fmtp names the pad book whose pad stages the
// sender's 1-3 stage packets carry (padbook=, 4 hex digits); a receiver
// whose codebook has another pad book, or none, refuses the session
// instead of decoding the pads with the wrong entries. An fmtp without
// padbook (a sender with no pad book) is accepted.
func TestPadBookParam(t *testing.T) {
	cb := codec.DefaultCodebook()
	tag := vqrtp.PadBookTag(cb)
	if tag == 0 {
		t.Fatal("the default codebook has no pad book tag")
	}
	p := vqrtp.Params{Stages: 4, Codebook: cb.Fingerprint(), PadBook: tag}
	if !strings.Contains(p.Fmtp(), fmt.Sprintf("padbook=%04x", tag)) {
		t.Errorf("fmtp %q does not name the pad book", p.Fmtp())
	}
	back, err := vqrtp.ParseFmtp(p.Fmtp())
	if err != nil || back.PadBook != tag || back.Codebook != p.Codebook {
		t.Errorf("ParseFmtp(%q) = %+v, %v", p.Fmtp(), back, err)
	}
	if err := p.Check(cb); err != nil {
		t.Errorf("own pad book: %v", err)
	}
	p.PadBook = tag ^ 0x0101
	if err := p.Check(cb); !errors.Is(err, vqrtp.ErrMismatch) || !strings.Contains(err.Error(), "pad book") {
		t.Errorf("another pad book: %v, want ErrMismatch naming the pad book", err)
	}
	p.PadBook = 0
	if err := p.Check(cb); err != nil {
		t.Errorf("no padbook in the fmtp: %v", err)
	}
	if low := (vqrtp.Params{Codebook: cb.Fingerprint(), PadBook: tag, Mode: 1600}).Fmtp(); strings.Contains(low, "padbook") {
		t.Errorf("the 1600 b/s mode, which has no pad stages: %q", low)
	}
	for _, bad := range []string{"padbook=xyz", "padbook=12345", "padbook="} {
		if _, err := vqrtp.ParseFmtp("stages=4; " + bad); !errors.Is(err, vqrtp.ErrParams) {
			t.Errorf("%q: %v, want ErrParams", bad, err)
		}
	}
}
