package compact_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/codec/vqs/compact"
)

// padBlock is the compact payload of count 1-stage packets whose pads are
// pad(i), and their plain records.
func padBlock(t *testing.T, c *compact.Coder, count int, pad func(int) uint8) (payload, recs []byte) {
	t.Helper()
	for i := range count {
		p := codec.Packet{Stages: 1, Index: [codec.MaxStages]int{(37 * i) % 1024}, F0: uint8(60 + i%5), Voicing: 3, Energy: 40, MidF0: 4, MidVoice: 1, MidEnergy: 3, Pad: pad(i)}
		b := codec.AppendPacket(nil, &p, 10)
		recs = append(append(recs, byte(len(b))), b...)
	}
	payload, ok := c.Encode(nil, recs, count)
	if !ok {
		t.Fatal("not coded")
	}
	return payload, recs
}

// TestPadStreamHostile: compact blocks whose pad flag or pad stream lie are
// refused with ErrBlock, never decoded to other packets, and a block with
// pads round-trips.
func TestPadStreamHostile(t *testing.T) {
	c, err := compact.NewCoder(10)
	if err != nil {
		t.Fatal(err)
	}
	const n = 40
	withPad, recs := padBlock(t, c, n, func(i int) uint8 { return uint8(i % 64) })
	if withPad[0]&compact.PadFlag == 0 {
		t.Fatal("no pad flag on a block with pads")
	}
	got, err := c.Decode(nil, withPad, n)
	if err != nil || !bytes.Equal(got, recs) {
		t.Fatalf("round trip: %v", err)
	}
	noPad, _ := padBlock(t, c, n, func(int) uint8 { return 0 })
	if noPad[0]&compact.PadFlag != 0 {
		t.Fatal("pad flag on a block without pads")
	}
	flagged := append([]byte(nil), noPad...)
	flagged[0] |= compact.PadFlag
	unflagged := append([]byte(nil), withPad...)
	unflagged[0] &^= compact.PadFlag
	for name, p := range map[string][]byte{
		"flag without a pad stream":   flagged,
		"pad stream without the flag": unflagged,
		"pad stream truncated":        withPad[:len(withPad)-1],
		"byte after the pad stream":   append(append([]byte(nil), withPad...), 0),
	} {
		if _, err := c.Decode(nil, p, n); !errors.Is(err, compact.ErrBlock) {
			t.Errorf("%s: %v, want ErrBlock", name, err)
		}
	}
	// A pad stream of raw 7-bit symbols whose values do not fit the 6 bits
	// of a 1-stage packet.
	raw := append([]byte(nil), noPad...)
	raw[0] |= compact.PadFlag
	raw = append(raw, 0) // method raw
	sym := make([]byte, (n*7+7)/8)
	for i := range sym {
		sym[i] = 0xff
	}
	if _, err := c.Decode(nil, append(raw, sym...), n); !errors.Is(err, compact.ErrBlock) {
		t.Errorf("pad 127 in a 1-stage packet: %v, want ErrBlock", err)
	}
}
