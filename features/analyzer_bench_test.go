package features_test

import (
	"path/filepath"
	"testing"

	"github.com/vqspeak/vqspeak/features"
	"github.com/vqspeak/vqspeak/internal/audiofile"
)

// benchSpeech reads a 16 kHz speech fixture of the repository.
func benchSpeech(b *testing.B, name string) []float32 {
	b.Helper()
	a, err := audiofile.ReadFile(filepath.Join("..", "testdata", "audio", name))
	if err != nil {
		b.Fatal(err)
	}
	if a.Rate != features.SampleRate {
		b.Fatalf("%s: %d Hz", name, a.Rate)
	}
	return a.Samples
}

// BenchmarkAnalyzerPush is the encoder's feature extraction per 10 ms hop:
// pitch, band voicing and the mel-cepstral envelope, on real speech.
func BenchmarkAnalyzerPush(b *testing.B) {
	x := benchSpeech(b, "fleurs-es-006.wav")
	hops := len(x) / features.HopSize
	an := features.NewAnalyzer()
	var fr features.Frame
	b.SetBytes(features.HopSize * 2)
	b.ReportAllocs()
	h := 0
	for b.Loop() {
		an.Push(&fr, x[h*features.HopSize:(h+1)*features.HopSize])
		if h++; h == hops {
			h = 0
		}
	}
}
