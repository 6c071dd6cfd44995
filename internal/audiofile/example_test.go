package audiofile_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/vqspeak/vqspeak/internal/audiofile"
)

func ExampleWriteWAV() {
	var buf bytes.Buffer
	if err := audiofile.WriteWAV(&buf, []float32{0, 0.5, -0.5, 2}, 16000); err != nil {
		panic(err)
	}
	a, err := audiofile.Read(&buf)
	if err != nil {
		panic(err)
	}
	fmt.Println(a.Format, a.Rate, a.Samples)
	// Output: WAV PCM 16-bit 16000 [0 0.5 -0.5 0.9999695]
}

func ExampleRead_errors() {
	_, err := audiofile.Read(strings.NewReader("OggS\x00\x02..."))
	var ue *audiofile.UnsupportedError
	fmt.Println(errors.As(err, &ue), err)
	// Output: true audio: unsupported container Ogg (Opus/Vorbis/Ogg FLAC); supported: WAV (PCM or IEEE float) and FLAC
}
