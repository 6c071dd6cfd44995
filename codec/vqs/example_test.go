package vqs_test

import (
	"bytes"
	"fmt"
	"io"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/codec/vqs"
)

// Streaming: raw 16-bit PCM in, a .vqs stream out, and back. Any io.Writer
// and io.Reader will do: a file, a pipe, a socket.
func ExampleNewWriter() {
	cb := codec.DefaultCodebook()
	pcm := make([]byte, 2*codec.SampleRate) // one second of s16le silence
	var file bytes.Buffer

	w, _ := vqs.NewWriter(&file, cb, codec.DefaultStages)
	io.Copy(w, bytes.NewReader(pcm))
	if err := w.Close(); err != nil {
		panic(err)
	}

	r, _ := vqs.NewReader(&file, cb)
	n, err := io.Copy(io.Discard, r)
	// The output is aligned with the input and padded to whole packets.
	fmt.Printf("%d PCM bytes -> %d packets -> %d PCM bytes, %v\n", len(pcm), w.Packets(), n, err)
	// Output: 32000 PCM bytes -> 51 packets -> 32320 PCM bytes, <nil>
}
