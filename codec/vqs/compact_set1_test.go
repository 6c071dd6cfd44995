package vqs_test

import (
	"bytes"
	"os"
	"testing"

	"github.com/vqspeak/vqspeak/codec/vqs"
	"github.com/vqspeak/vqspeak/codec/vqs/compact"
)

// TestCompactSet1Compat reads testdata/compact-set1.vqs, written by
// "vqspeak encode -compact" when table set 1 was the newest (before set 2
// existed), with the plain file of the same clip: every block must still
// decode to the same packets, and a writer told to use set 1 must write
// the same bytes.
func TestCompactSet1Compat(t *testing.T) {
	old, err := os.ReadFile("testdata/compact-set1.vqs")
	if err != nil {
		t.Fatal(err)
	}
	plain, err := os.ReadFile("testdata/compact-set1-plain.vqs")
	if err != nil {
		t.Fatal(err)
	}
	h, got, st, err := vqs.ReadAllPackets(bytes.NewReader(old))
	if err != nil || st.Blocks != 5 || st.CompactBlocks != 5 {
		t.Fatalf("set-1 file: %v, %d blocks, %d compact", err, st.Blocks, st.CompactBlocks)
	}
	ph, want, _, err := vqs.ReadAllPackets(bytes.NewReader(plain))
	if err != nil {
		t.Fatal(err)
	}
	equalPackets(t, got, want)
	if h.Flags&^vqs.FlagCompactBlocks != ph.Flags {
		t.Errorf("headers: flags %#x and %#x", h.Flags, ph.Flags)
	}

	var buf bytes.Buffer
	fw, err := vqs.NewCompactPacketWriter(&buf, ph, 10)
	if err != nil {
		t.Fatal(err)
	}
	if err := fw.SetCompactTableSet(1); err != nil {
		t.Fatal(err)
	}
	for _, p := range want {
		if err := fw.WritePacket(p); err != nil {
			t.Fatal(err)
		}
	}
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), old) {
		t.Errorf("set-1 writer: %d bytes differ from the %d of the old file", buf.Len(), len(old))
	}

	// The newest set codes the same packets too.
	buf.Reset()
	fw, err = vqs.NewCompactPacketWriter(&buf, ph, 10)
	if err != nil {
		t.Fatal(err)
	}
	if err := fw.SetCompactTableSet(compact.TableSets); err != nil {
		t.Fatal(err)
	}
	for _, p := range want {
		if err := fw.WritePacket(p); err != nil {
			t.Fatal(err)
		}
	}
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	_, again, _, err := vqs.ReadAllPackets(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	equalPackets(t, again, want)
	t.Logf("set 1: %d bytes, set %d: %d bytes, plain: %d bytes", len(old), compact.TableSets, buf.Len(), len(plain))
}
