//go:build js

package codec

// The WebAssembly build leaves the earlier default codebooks out
// (previous.go): files made with them are refused there with the
// codebook-mismatch error naming their fingerprint.
var previousCodebookED26, previousEnvModelED26 []byte
