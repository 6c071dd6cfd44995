package codec

import (
	"fmt"
	"testing"
)

// TestEmbeddedCodebooks checks the embedded codebooks: the default first,
// every one usable with its envelope model, and CodebookFor substituting
// an earlier default only for the default codebook.
func TestEmbeddedCodebooks(t *testing.T) {
	fps := EmbeddedCodebooks()
	def := DefaultCodebook()
	if len(fps) < 2 || fps[0] != def.Fingerprint() {
		t.Fatalf("embedded %x, default %x", fps, def.Fingerprint())
	}
	seen := map[[8]byte]bool{}
	for _, fp := range fps {
		if seen[fp] {
			t.Fatalf("codebook %x embedded twice", fp)
		}
		seen[fp] = true
		cb := EmbeddedCodebook(fp)
		if cb == nil || cb.Fingerprint() != fp {
			t.Fatalf("EmbeddedCodebook(%x) = %v", fp, cb)
		}
		if err := CheckCodebook(cb); err != nil {
			t.Fatalf("%x: %v", fp, err)
		}
		if modelFor(cb) == nil {
			t.Errorf("%x: no envelope model", fp)
		}
		if got := CodebookFor(fp, def); got.Fingerprint() != fp {
			t.Errorf("CodebookFor(%x, default) = %x", fp, got.Fingerprint())
		}
	}
	if fmt.Sprintf("%x", fps[len(fps)-1]) != "ed26e075959c9156" {
		t.Errorf("the first default, ed26e075959c9156, is not embedded: %x", fps)
	}
	// A codebook of the caller's own is never replaced.
	own := def.Clone()
	own.Stages[0][0] += 0.5
	if got := CodebookFor(fps[len(fps)-1], own); got != own {
		t.Error("CodebookFor replaced a codebook that is not the default")
	}
	if got := CodebookFor([8]byte{1}, def); got != def {
		t.Error("CodebookFor replaced the default for an unknown fingerprint")
	}
}
