package vqrtp_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/stream/vqrtp"
)

// TestFmtpMode: "mode=" names a codec mode; the 20 ms ones pass Check, the
// low-rate 40 ms ones are refused with a message naming them, and an
// unknown one is a parse error.
func TestFmtpMode(t *testing.T) {
	cb := codec.DefaultCodebook()
	fp := cb.Fingerprint()
	base := vqrtp.Params{Stages: 4, Codebook: fp}
	for _, c := range []struct {
		mode int
		ok   bool
	}{{2000, true}, {3200, true}, {800, false}, {700, false}, {1200, false}, {1600, false}} {
		p := base
		p.Mode = c.mode
		q, err := vqrtp.ParseFmtp(p.Fmtp())
		if err != nil || q.Mode != c.mode {
			t.Fatalf("mode %d: %q parsed as %+v, %v", c.mode, p.Fmtp(), q, err)
		}
		err = q.Check(cb)
		if c.ok != (err == nil) {
			t.Errorf("mode %d: Check: %v", c.mode, err)
		}
		if !c.ok && (!errors.Is(err, vqrtp.ErrMismatch) || !strings.Contains(err.Error(), "40 ms")) {
			t.Errorf("mode %d: %v, want ErrMismatch naming 40 ms packets", c.mode, err)
		}
	}
	if _, err := vqrtp.ParseFmtp("mode=900"); !errors.Is(err, vqrtp.ErrParams) {
		t.Errorf("mode=900: %v, want ErrParams", err)
	}
	if p, err := vqrtp.ParseFmtp(base.Fmtp()); err != nil || p.Mode != 0 || strings.Contains(base.Fmtp(), "mode") {
		t.Errorf("no mode: %q, %+v, %v", base.Fmtp(), p, err)
	}
}
