package codec

import (
	"bytes"
	"slices"
	"sync"

	"github.com/vqspeak/vqspeak/rvq"
)

// Codebooks that were the default earlier, with their envelope models, stay
// embedded so that files and streams encoded with them still decode: a
// decoder given the default codebook for a stream whose header names one of
// them decodes it with that one (CodebookFor). The first default,
// fingerprint ed26e075959c9156, was trained with the plain distance
// (README, "Training your own codebook"). They are embedded by
// previous_embed.go, but not in the WebAssembly build (previous_js.go),
// whose size they would take past 5 MB.

// embeddedSet is an embedded codebook, its fingerprint and its envelope
// model (nil: none).
type embeddedSet struct {
	cb    *rvq.Codebook
	fp    [8]byte
	model *envModel
}

// embeddedSets lists the embedded codebooks, the default first.
var embeddedSets = sync.OnceValue(func() []embeddedSet {
	var sets []embeddedSet
	for _, f := range [][2][]byte{
		{defaultCodebook, defaultEnvModel},
		{previousCodebookED26, previousEnvModelED26},
	} {
		if len(f[0]) == 0 {
			continue // not in this build
		}
		cb := parseEmbedded(f[0])
		s := embeddedSet{cb: cb, fp: cb.Fingerprint()}
		if len(f[1]) > 0 { // empty only while bootstrapping a new codebook's model
			m, err := ParseEnvelopeModel(f[1], cb)
			if err != nil {
				panic("codec: embedded envelope model is unusable: " + err.Error()) // a build defect, caught by the tests
			}
			s.model = &m.envModel
		}
		sets = append(sets, s)
	}
	return sets
})

func parseEmbedded(b []byte) *rvq.Codebook {
	cb, err := rvq.ReadCodebook(bytes.NewReader(b))
	if err != nil {
		panic("codec: embedded codebook is corrupt: " + err.Error()) // a build defect, caught by the tests
	}
	return cb
}

// EmbeddedCodebooks returns the fingerprints of the embedded codebooks: the
// default's first, then those that were the default earlier.
func EmbeddedCodebooks() [][8]byte {
	var fps [][8]byte
	for _, s := range embeddedSets() {
		fps = append(fps, s.fp)
	}
	return fps
}

// EmbeddedCodebook returns a fresh copy of the embedded codebook with
// fingerprint fp (the default or an earlier default), or nil.
func EmbeddedCodebook(fp [8]byte) *rvq.Codebook {
	for _, s := range embeddedSets() {
		if s.fp == fp {
			return s.cb.Clone()
		}
	}
	return nil
}

// CodebookFor returns the codebook to decode a stream made with the
// codebook of fingerprint fp (its header's) when the caller offers cb: cb,
// unless cb is the default codebook and fp names another embedded one (an
// earlier default), which is then returned, so that files encoded before
// the default changed still decode with the default. A mismatch it cannot
// resolve is left for the caller's fingerprint check to report.
func CodebookFor(fp [8]byte, cb *rvq.Codebook) *rvq.Codebook {
	sets := embeddedSets()
	if fp == sets[0].fp || !sameCodebook(cb, sets[0].cb) {
		return cb
	}
	if old := EmbeddedCodebook(fp); old != nil {
		return old
	}
	return cb
}

// modelFor returns the embedded model of cb if cb is (a copy of) an
// embedded codebook, else nil. It compares the entries, not the
// fingerprint, so as not to encode and hash the codebook for every decoder.
func modelFor(cb *rvq.Codebook) *envModel {
	for _, s := range embeddedSets() {
		if sameCodebook(cb, s.cb) {
			return s.model
		}
	}
	return nil
}

// sameCodebook reports whether a and b have the same shape, normalisation
// and entries.
func sameCodebook(a, b *rvq.Codebook) bool {
	if a.Dim != b.Dim || a.Size != b.Size || len(a.Stages) != len(b.Stages) ||
		!slices.Equal(a.Mean, b.Mean) || !slices.Equal(a.Scale, b.Scale) || !slices.Equal(a.Weights, b.Weights) {
		return false
	}
	for s := range a.Stages {
		if !slices.Equal(a.Stages[s], b.Stages[s]) {
			return false
		}
	}
	return true
}
