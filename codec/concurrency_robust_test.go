package codec_test

import (
	"bytes"
	"fmt"
	"math"
	"path/filepath"
	"sync"
	"testing"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/codec/vqs"
	"github.com/vqspeak/vqspeak/features/resample"
	"github.com/vqspeak/vqspeak/internal/audiofile"
	"github.com/vqspeak/vqspeak/rvq"
)

// robustClips reads every bundled clip at 16 kHz.
func robustClips(t testing.TB) [][]float32 {
	t.Helper()
	names, err := filepath.Glob(filepath.Join("..", "testdata", "audio", "*.*"))
	if err != nil {
		t.Fatal(err)
	}
	var clips [][]float32
	for _, n := range names {
		if ext := filepath.Ext(n); ext != ".wav" && ext != ".flac" {
			continue
		}
		a, err := audiofile.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		x := a.Samples
		if a.Rate != codec.SampleRate {
			x = resample.All(x, a.Rate, codec.SampleRate)
		}
		clips = append(clips, x)
	}
	if len(clips) == 0 {
		t.Fatal("no clips in testdata/audio")
	}
	return clips
}

// codecRun encodes x packet by packet with stages stages, drops every
// lossEvery-th packet (0: none), and returns the packets and the decoded
// samples.
func codecRun(cb *rvq.Codebook, x []float32, stages, lossEvery int) ([]byte, []float32, error) {
	enc, err := codec.NewEncoder(cb, stages)
	if err != nil {
		return nil, nil, err
	}
	dec, err := codec.NewDecoder(cb)
	if err != nil {
		return nil, nil, err
	}
	var pkts []byte
	var out []float32
	var pkt []byte
	for p := 0; (p+1)*codec.PacketSamples <= len(x); p++ {
		pkt, err = enc.Encode(pkt[:0], x[p*codec.PacketSamples:(p+1)*codec.PacketSamples])
		if err != nil {
			return nil, nil, err
		}
		pkts = append(pkts, pkt...)
		if lossEvery > 0 && p%lossEvery == lossEvery-1 {
			out = dec.Conceal(out)
			continue
		}
		if out, err = dec.Decode(out, pkt); err != nil {
			return nil, nil, err
		}
	}
	return pkts, out, nil
}

// TestConcurrentCodecs runs several Encoder/Decoder pairs at once, all
// sharing one *rvq.Codebook (documented as safe for concurrent reads), and
// checks every goroutine's packets and samples are bit-identical to a
// serial run. Under -race this is also the data-race check of the shared
// codebook and of any package-level state in codec, features and rvq.
func TestConcurrentCodecs(t *testing.T) {
	cb := codec.DefaultCodebook()
	clips := robustClips(t)
	n := codec.SampleRate
	if testing.Short() {
		n = codec.SampleRate / 4
	}
	type job struct {
		clip, stages, loss int
	}
	var jobs []job
	for i := range 8 {
		jobs = append(jobs, job{clip: i % len(clips), stages: 1 + i%cb.NumStages(), loss: []int{0, 7, 3}[i%3]})
	}
	type result struct {
		pkts []byte
		pcm  []float32
	}
	runJob := func(j job) (result, error) {
		x := clips[j.clip]
		x = x[:min(len(x), n)]
		pkts, pcm, err := codecRun(cb, x, j.stages, j.loss)
		return result{pkts, pcm}, err
	}
	serial := make([]result, len(jobs))
	for i, j := range jobs {
		r, err := runJob(j)
		if err != nil {
			t.Fatal(err)
		}
		serial[i] = r
	}
	parallel := make([]result, len(jobs))
	errs := make([]error, len(jobs))
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Go(func() { parallel[i], errs[i] = runJob(j) })
	}
	wg.Wait()
	for i := range jobs {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		s, p := serial[i], parallel[i]
		if !bytes.Equal(s.pkts, p.pkts) {
			t.Errorf("job %+v: packets differ between serial and parallel runs", jobs[i])
		}
		if len(s.pcm) != len(p.pcm) {
			t.Fatalf("job %+v: %d samples in parallel, %d serially", jobs[i], len(p.pcm), len(s.pcm))
		}
		for k := range s.pcm {
			if math.Float32bits(s.pcm[k]) != math.Float32bits(p.pcm[k]) {
				t.Errorf("job %+v: sample %d is %v in parallel, %v serially", jobs[i], k, p.pcm[k], s.pcm[k])
				break
			}
		}
	}
}

// TestConcurrentFileCodecs does the same for the file layer: vqs Encoders
// and Decoders in parallel goroutines over one codebook write and read
// the same bytes and samples as one after another.
func TestConcurrentFileCodecs(t *testing.T) {
	cb := codec.DefaultCodebook()
	clips := robustClips(t)
	n := codec.SampleRate / 2
	if testing.Short() {
		n = codec.SampleRate / 4
	}
	roundTrip := func(i int) ([]byte, []float32, error) {
		x := clips[i%len(clips)]
		x = x[:min(len(x), n)]
		var buf bytes.Buffer
		fe, err := vqs.NewEncoder(&buf, cb, 1+i%cb.NumStages())
		if err != nil {
			return nil, nil, err
		}
		if err := fe.WriteSamples(x); err != nil {
			return nil, nil, err
		}
		if err := fe.Close(); err != nil {
			return nil, nil, err
		}
		file := bytes.Clone(buf.Bytes())
		fd, err := vqs.NewDecoder(&buf, cb)
		if err != nil {
			return nil, nil, err
		}
		var pcm []float32
		for {
			pcm, err = fd.ReadSamples(pcm)
			if err != nil {
				break
			}
		}
		if len(fd.Damage()) > 0 {
			return nil, nil, fmt.Errorf("damage in a clean file: %v", fd.Damage())
		}
		return file, pcm, nil
	}
	const jobs = 6
	type result struct {
		file []byte
		pcm  []float32
		err  error
	}
	var serial, parallel [jobs]result
	for i := range jobs {
		serial[i].file, serial[i].pcm, serial[i].err = roundTrip(i)
	}
	var wg sync.WaitGroup
	for i := range jobs {
		wg.Go(func() { parallel[i].file, parallel[i].pcm, parallel[i].err = roundTrip(i) })
	}
	wg.Wait()
	for i := range jobs {
		s, p := serial[i], parallel[i]
		if s.err != nil || p.err != nil {
			t.Fatalf("job %d: %v / %v", i, s.err, p.err)
		}
		if !bytes.Equal(s.file, p.file) || len(s.pcm) != len(p.pcm) {
			t.Fatalf("job %d: files or lengths differ (%d vs %d samples)", i, len(s.pcm), len(p.pcm))
		}
		for k := range s.pcm {
			if math.Float32bits(s.pcm[k]) != math.Float32bits(p.pcm[k]) {
				t.Fatalf("job %d: sample %d differs", i, k)
			}
		}
	}
}

// TestDefaultCodebookCopies checks DefaultCodebook hands out independent
// copies: a caller that modifies its codebook cannot change anyone else's.
func TestDefaultCodebookCopies(t *testing.T) {
	a, b := codec.DefaultCodebook(), codec.DefaultCodebook()
	a.Stages[0][0] += 1
	if a.Fingerprint() == b.Fingerprint() || b.Fingerprint() != codec.DefaultCodebook().Fingerprint() {
		t.Fatal("DefaultCodebook copies share storage")
	}
}
