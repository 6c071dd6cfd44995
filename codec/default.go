package codec

import (
	"bytes"
	_ "embed"

	"github.com/vqspeak/vqspeak/rvq"
)

// defaultCodebook is trained by "vqspeak train" on the project's speech
// corpus; README.md gives the exact command and seed.
//
//go:embed default.vqcb
var defaultCodebook []byte

// DefaultCodebook returns a fresh copy of the embedded codebook, so that every
// command works out of the box.
func DefaultCodebook() *rvq.Codebook {
	cb, err := rvq.ReadCodebook(bytes.NewReader(defaultCodebook))
	if err != nil {
		panic("codec: embedded codebook is corrupt: " + err.Error()) // a build defect, caught by the tests
	}
	return cb
}
