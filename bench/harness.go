package bench

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/vqspeak/vqspeak/bench/metrics"
	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/internal/corpus"
	"github.com/vqspeak/vqspeak/rvq"
)

// A Clip is one test file, converted to the codec's rate (16 kHz mono).
type Clip struct {
	Name    string // file name as given, used in reports
	Samples []float32
}

// LoadClip reads a WAV or FLAC file and resamples it to 16 kHz.
func LoadClip(path string) (Clip, error) {
	x, err := corpus.Load(path)
	if err != nil {
		return Clip{}, err
	}
	return Clip{Name: path, Samples: x}, nil
}

// Config says what Run measures. The zero value measures stage counts 1 to
// 4 of the default codebook, the unquantised ceiling and the timing, with no
// peers.
type Config struct {
	Stages []int // vqspeak stage counts; nil means 1, 2, 3, 4
	// Modes are low-rate modes (codec.Mode800 ...) measured as rows of
	// their own after the stage counts' (a 20 ms mode here is a stage count).
	Modes    []codec.Mode
	Codebook *rvq.Codebook // nil means codec.DefaultCodebook()
	// NoCeiling leaves out the unquantised analysis/synthesis row.
	NoCeiling bool
	// NoTiming skips the timing phase (rows then have no Timing).
	NoTiming bool
	// NoQuality skips the quality phase: rows carry bitrate and timing only.
	NoQuality bool
	// Peers are external codecs to run on the same clips (see DefaultPeers
	// and Available).
	Peers []Peer
	// Workers is the parallelism of the quality phase; 0 means GOMAXPROCS.
	Workers int
	// Example is the index of the clip whose decoded output every row keeps
	// (Row.Example), for spectrograms; -1 keeps none.
	Example int
	// Progress, if set, is called after each unit of work, never
	// concurrently and never inside a timed loop.
	Progress func(phase string, done, total int)
	// Variants are extra unquantised rows, each with parts of the vocoder
	// substituted (see Decomposition).
	Variants []Variant
	// PESQ is the path of an external PESQ scorer (see FindPESQ); empty
	// leaves the PESQ columns out.
	PESQ string
	// Keep, if set, is a directory where every decoded file is saved as a
	// 16 kHz WAV (one subdirectory per row), for listening.
	Keep string
	// NoEnvelopeModel makes the quality rows decode without the decoder's envelope model (the
	// middle frame's envelope is then its neighbours' mean).
	NoEnvelopeModel bool
}

// Result is everything one Run measured.
type Result struct {
	Files        []string `json:"files"`
	AudioSeconds float64  `json:"audio_s"`
	SampleRate   int      `json:"sample_rate"`
	PacketMS     float64  `json:"packet_ms"`
	LatencyMS    float64  `json:"algorithmic_latency_ms"`
	Codebook     string   `json:"codebook_fingerprint"`
	GoVersion    string   `json:"go_version"`
	GOARCH       string   `json:"goarch"`
	GOMAXPROCS   int      `json:"gomaxprocs"`
	Rows         []Row    `json:"rows"`
	// Skipped are inputs left out of every row (silent or too short).
	Skipped []Skipped `json:"skipped,omitempty"`
	// Notes are remarks that are not errors, such as peers skipped for a
	// missing tool.
	Notes []string `json:"notes,omitempty"`

	// ExampleFile names the clip kept in Example and every Row.Example.
	ExampleFile string    `json:"example_file,omitempty"`
	Example     []float32 `json:"-"`
}

// Skipped is an input Run left out, and why.
type Skipped struct {
	File   string `json:"file"`
	Reason string `json:"reason"`
}

// Row is one codec at one setting.
type Row struct {
	Codec   string `json:"codec"`   // "vqspeak", "vqspeak unquantised", or a peer's name
	Setting string `json:"setting"` // human-readable setting
	Stages  int    `json:"stages,omitempty"`
	// Mode names vqspeak's mode (its bitrate with the default codebook,
	// "800" ... "3200"), PacketMS its packet duration.
	Mode     string  `json:"mode,omitempty"`
	PacketMS float64 `json:"packet_ms,omitempty"`
	Peer     bool    `json:"peer"`
	// BitrateBPS is the payload bit rate: packet bytes only, no container.
	// It is 0 for the unquantised ceiling.
	BitrateBPS float64 `json:"bitrate_bps"`
	// NominalBPS is the codec's advertised rate when it differs from the
	// measured payload (Codec 2 pads frames to whole bytes).
	NominalBPS float64     `json:"nominal_bps,omitempty"`
	Quality    Quality     `json:"quality"`
	PerFile    []FileScore `json:"per_file,omitempty"`
	Timing     *Timing     `json:"timing,omitempty"`

	Example []float32 `json:"-"` // decoded Result.ExampleFile, aligned as the codec outputs it
}

// Quality summarises one metric set over all files.
type Quality struct {
	PESQWB       Stat `json:"pesq_wb"` // Files 0 when no scorer was given
	PESQNB       Stat `json:"pesq_nb"`
	STOI         Stat `json:"stoi"`
	ESTOI        Stat `json:"estoi"`
	MCD          Stat `json:"mcd_db"`
	LSD          Stat `json:"lsd_db"`
	F0RMSECents  Stat `json:"f0_rmse_cents"`
	F0RMSEHz     Stat `json:"f0_rmse_hz"`
	VoicingError Stat `json:"voicing_error"`
}

// Stat is the mean of a metric over the files where it is defined, and the
// worst file. Files is 0 when it is defined nowhere (then Mean and Worst
// are 0).
type Stat struct {
	Mean      float64 `json:"mean"`
	Worst     float64 `json:"worst"`
	WorstFile string  `json:"worst_file"`
	Files     int     `json:"files"`
}

// FileScore is one file's metrics. The F0 errors are nil when no frame is
// voiced in both signals.
type FileScore struct {
	File         string   `json:"file"`
	PESQWB       *float64 `json:"pesq_wb,omitempty"` // nil: not scored (no scorer, or it failed on this file)
	PESQNB       *float64 `json:"pesq_nb,omitempty"`
	STOI         *float64 `json:"stoi"`  // nil: too little speech to score (under 30 STOI frames)
	ESTOI        *float64 `json:"estoi"` // nil likewise
	MCD          float64  `json:"mcd_db"`
	LSD          float64  `json:"lsd_db"`
	F0RMSECents  *float64 `json:"f0_rmse_cents"`
	F0RMSEHz     *float64 `json:"f0_rmse_hz"`
	VoicingError float64  `json:"voicing_error"`
}

// Timing is the speed of the packet API on one core.
type Timing struct {
	Packets int  `json:"packets"`
	Encode  Dist `json:"encode_us"`
	Decode  Dist `json:"decode_us"`
	// EncodeAllocs and DecodeAllocs are heap allocations per packet
	// (runtime.MemStats.Mallocs over the loops / packets); both must be 0.
	EncodeAllocs float64 `json:"encode_allocs_per_packet"`
	DecodeAllocs float64 `json:"decode_allocs_per_packet"`
	// RealTimeFactor is encode+decode time over audio time (lower is faster).
	RealTimeFactor float64 `json:"real_time_factor"`
	// Streams is how many real-time encode+decode streams one core sustains:
	// packet duration / mean encode+decode time per packet.
	Streams float64 `json:"streams_per_core"`

	EncodeNS []int64 `json:"-"` // every packet's encode time
	DecodeNS []int64 `json:"-"`
}

// Dist is a distribution of per-packet times, in microseconds.
type Dist struct {
	Mean float64 `json:"mean"`
	P50  float64 `json:"p50"`
	P99  float64 `json:"p99"`
	Max  float64 `json:"max"`
}

// AllocsPerPacket is the worst of the encode and decode allocation rates.
func (t *Timing) AllocsPerPacket() float64 { return max(t.EncodeAllocs, t.DecodeAllocs) }

// ErrNoClips means Run was given nothing to measure.
var ErrNoClips = errors.New("bench: no clips to measure")

// Run measures every configured codec on clips. The quality phase runs in
// parallel; the timing phase then runs alone, on one goroutine with
// GOMAXPROCS set to 1, so that nothing else competes for the core while
// packets are timed.
func Run(ctx context.Context, clips []Clip, cfg Config) (*Result, error) {
	if len(clips) == 0 {
		return nil, ErrNoClips
	}
	cb := cfg.Codebook
	if cb == nil {
		cb = codec.DefaultCodebook()
	}
	stages := cfg.Stages
	if stages == nil {
		stages = []int{1, 2, 3, 4}
	}
	for _, s := range stages {
		if s < 1 || s > min(codec.MaxStages, cb.NumStages()) {
			return nil, fmt.Errorf("%w: %d (codebook has %d)", codec.ErrStages, s, cb.NumStages())
		}
	}
	res := &Result{
		SampleRate: codec.SampleRate,
		PacketMS:   float64(codec.PacketDuration) / float64(time.Millisecond),
		LatencyMS:  float64(codec.AlgorithmicLatency) / float64(time.Millisecond),
		Codebook:   fmt.Sprintf("%x", cb.Fingerprint()),
		GoVersion:  runtime.Version(),
		GOARCH:     runtime.GOARCH,
		GOMAXPROCS: runtime.GOMAXPROCS(0),
	}
	example := cfg.Example
	var usable []Clip
	for i, c := range clips {
		if reason := unusable(c.Samples); reason != "" {
			res.Skipped = append(res.Skipped, Skipped{File: c.Name, Reason: reason})
			if i == example {
				example = -1
			}
			continue
		}
		if i == cfg.Example {
			example = len(usable)
		}
		usable = append(usable, c)
	}
	if len(usable) == 0 {
		return nil, fmt.Errorf("%w: all %d skipped (%s: %s)", ErrNoClips, len(clips), res.Skipped[0].File, res.Skipped[0].Reason)
	}
	clips, cfg.Example = usable, example
	for _, c := range clips {
		res.Files = append(res.Files, c.Name)
		res.AudioSeconds += float64(len(c.Samples)) / codec.SampleRate
	}
	if cfg.Example >= 0 && cfg.Example < len(clips) {
		res.ExampleFile = clips[cfg.Example].Name
		res.Example = clips[cfg.Example].Samples
	}

	var conds []condition
	for _, s := range stages {
		m := codec.StagesMode(s)
		conds = append(conds, condition{
			row: Row{Codec: "vqspeak", Setting: fmt.Sprintf("%d stages", s), Stages: s, Mode: m.Name(), PacketMS: 20,
				BitrateBPS: float64(codec.Bitrate(cb, s))},
			run: vqspeakRunner(cb, m, cfg.NoEnvelopeModel),
		})
	}
	for _, m := range cfg.Modes {
		if !m.Valid() || m.Stages > cb.NumStages() {
			return nil, fmt.Errorf("%w: %+v (codebook has %d stages)", codec.ErrMode, m, cb.NumStages())
		}
		ms := float64(m.PacketDuration()) / float64(time.Millisecond)
		conds = append(conds, condition{
			row: Row{Codec: "vqspeak", Setting: fmt.Sprintf("%s mode (%.0f ms, %d stages)", m.Name(), ms, m.Stages),
				Stages: m.Stages, Mode: m.Name(), PacketMS: ms, BitrateBPS: float64(m.Bitrate(codec.IndexBits(cb)))},
			run: vqspeakRunner(cb, m, cfg.NoEnvelopeModel),
		})
	}
	if !cfg.NoCeiling {
		conds = append(conds, condition{
			row: Row{Codec: "vqspeak unquantised", Setting: "analysis/synthesis only"},
			run: func(_ context.Context, _ string, x []float32) ([]float32, int64, error) {
				return codec.Resynthesize(x, codec.DefaultPostfilter), 0, nil
			},
		})
	}
	for _, v := range cfg.Variants {
		conds = append(conds, condition{
			row: Row{Codec: "vqspeak unquantised", Setting: v.Name},
			run: func(_ context.Context, _ string, x []float32) ([]float32, int64, error) {
				return codec.ResynthesizeVariant(x, v.Variant), 0, nil
			},
		})
	}
	for _, p := range cfg.Peers {
		conds = append(conds, condition{
			row: Row{Codec: p.Codec, Setting: p.Setting, Peer: true, NominalBPS: p.NominalBPS},
			run: p.Run,
		})
	}
	if !cfg.NoQuality {
		if err := measureQuality(ctx, clips, conds, cfg, res); err != nil {
			return nil, err
		}
	} else {
		for _, c := range conds {
			if c.row.Codec == "vqspeak" {
				res.Rows = append(res.Rows, c.row)
			}
		}
	}
	if !cfg.NoTiming {
		for i := range res.Rows {
			r := &res.Rows[i]
			if r.Codec != "vqspeak" {
				continue
			}
			m := codec.StagesMode(r.Stages)
			for _, lm := range cfg.Modes { // a low-rate mode's stage count is its own
				if r.PacketMS != 20 && lm.Stages == r.Stages {
					m = lm
				}
			}
			t, err := timePackets(ctx, clips, cb, m, cfg.Progress)
			if err != nil {
				return nil, err
			}
			r.Timing = t
		}
	}
	return res, nil
}

// MinClipSeconds is the shortest input Run measures: the metrics need a
// few analysis frames past the codec's delay.
const MinClipSeconds = 0.25

// silentPeak is the peak below which (−80 dBFS) a clip counts as silent:
// there is nothing to score, and the alignment and spectral metrics of
// silence mean nothing.
const silentPeak = 1e-4

// unusable says why a clip cannot be measured, or "" when it can.
func unusable(x []float32) string {
	if float64(len(x)) < MinClipSeconds*codec.SampleRate {
		return fmt.Sprintf("too short (%.3f s, under %.2f s)", float64(len(x))/codec.SampleRate, MinClipSeconds)
	}
	peak := 0.0
	for _, v := range x {
		peak = max(peak, math.Abs(float64(v)))
	}
	if peak < silentPeak {
		return "silent (peak under -80 dBFS)"
	}
	return ""
}

// A condition is one row being measured: run codes a 16 kHz signal and
// returns the decoded 16 kHz signal and its payload in bytes.
type condition struct {
	row Row
	run func(ctx context.Context, dir string, x []float32) ([]float32, int64, error)
}

// vqspeakRunner codes a whole clip packet by packet and returns the output
// realigned with the input (the codec's Delay removed).
func vqspeakRunner(cb *rvq.Codebook, m codec.Mode, noModel bool) func(context.Context, string, []float32) ([]float32, int64, error) {
	return func(_ context.Context, _ string, x []float32) ([]float32, int64, error) {
		enc, err := codec.NewModeEncoder(cb, m)
		if err != nil {
			return nil, 0, err
		}
		dec, err := codec.NewModeDecoder(cb, m)
		if err != nil {
			return nil, 0, err
		}
		if noModel {
			dec.SetEnvelopeModel(nil)
		}
		ps := m.PacketSamples()
		n := (len(x) + codec.Delay + ps - 1) / ps
		in := make([]float32, n*ps)
		copy(in, x)
		out := make([]float32, 0, len(in))
		var pkt []byte
		var payload int64
		for p := range n {
			pkt, err = enc.Encode(pkt[:0], in[p*ps:(p+1)*ps])
			if err != nil {
				return nil, 0, err
			}
			payload += int64(len(pkt))
			if out, err = dec.Decode(out, pkt); err != nil {
				return nil, 0, err
			}
		}
		return out[codec.Delay : codec.Delay+len(x)], payload, nil
	}
}

type job struct{ cond, clip int }

type outcome struct {
	score   FileScore
	payload int64
	err     error
	pesqErr error // the scorer failed on this file: the file has no PESQ
}

// measureQuality runs every condition on every clip over a worker pool and
// fills res.Rows. A peer that fails is dropped with a note; a vqspeak
// failure is an error.
func measureQuality(ctx context.Context, clips []Clip, conds []condition, cfg Config, res *Result) error {
	workers := cfg.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	outs := make([][]outcome, len(conds))
	examples := make([][]float32, len(conds))
	for i := range outs {
		outs[i] = make([]outcome, len(clips))
	}
	jobs := make(chan job)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done, total := 0, len(conds)*len(clips)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				c, x := conds[j.cond], clips[j.clip]
				o := &outs[j.cond][j.clip]
				var dir string
				var err error
				if c.row.Peer {
					dir, err = os.MkdirTemp("", "vqspeak-bench-")
				}
				if err == nil {
					var y []float32
					y, o.payload, err = c.run(ctx, dir, x.Samples)
					if dir != "" {
						os.RemoveAll(dir)
					}
					if err == nil {
						o.score, err = score(x.Name, x.Samples, y)
						if j.clip == cfg.Example {
							examples[j.cond] = y
						}
					}
					if err == nil && cfg.PESQ != "" {
						o.pesqErr = addPESQ(ctx, cfg.PESQ, &o.score, x.Samples, y)
					}
					if err == nil && cfg.Keep != "" {
						err = keep(cfg.Keep, c.row, x.Name, y)
					}
				}
				if err != nil {
					o.err = fmt.Errorf("%s %s on %s: %w", c.row.Codec, c.row.Setting, x.Name, err)
				}
				mu.Lock()
				done++
				if cfg.Progress != nil {
					cfg.Progress("quality", done, total)
				}
				mu.Unlock()
			}
		}()
	}
	// Longest clips first keeps the workers busy until the end.
	order := make([]int, len(clips))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return len(clips[b].Samples) - len(clips[a].Samples) })
feed:
	for _, k := range order {
		for c := range conds {
			select {
			case jobs <- job{c, k}:
			case <-ctx.Done():
				break feed
			}
		}
	}
	close(jobs)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("interrupted: %w", err)
	}
	for i, c := range conds {
		row := c.row
		var payload int64
		failed := false
		for _, o := range outs[i] {
			if o.err != nil {
				if !row.Peer {
					return o.err
				}
				res.Notes = append(res.Notes, fmt.Sprintf("skipped %s %s: %v", row.Codec, row.Setting, o.err))
				failed = true
				break
			}
			payload += o.payload
			row.PerFile = append(row.PerFile, o.score)
			if o.pesqErr != nil {
				res.Notes = append(res.Notes, fmt.Sprintf("no PESQ for %s %s on %s: %v", row.Codec, row.Setting, BaseName(o.score.File), o.pesqErr))
			}
		}
		if failed {
			continue
		}
		if row.Peer {
			row.BitrateBPS = float64(payload) * 8 / res.AudioSeconds
		}
		row.Quality = summarise(row.PerFile)
		row.Example = examples[i]
		res.Rows = append(res.Rows, row)
	}
	return nil
}

// score measures y against x with Measure and names the file.
func score(name string, x, y []float32) (FileScore, error) {
	rep, err := metrics.Measure(x, y, codec.SampleRate)
	if err != nil {
		return FileScore{}, err
	}
	fs := FileScore{File: name, MCD: rep.MCD, LSD: rep.LSD, VoicingError: rep.VoicingError}
	if !math.IsNaN(rep.STOI) {
		s, e := rep.STOI, rep.ESTOI
		fs.STOI, fs.ESTOI = &s, &e
	}
	if !math.IsNaN(rep.F0RMSECents) {
		c, h := rep.F0RMSECents, rep.F0RMSEHz
		fs.F0RMSECents, fs.F0RMSEHz = &c, &h
	}
	return fs, nil
}

// addPESQ scores y against x with the external scorer into fs.
func addPESQ(ctx context.Context, path string, fs *FileScore, x, y []float32) error {
	wb, nb, err := pesqScores(ctx, path, x, y)
	if err != nil {
		return err
	}
	fs.PESQWB, fs.PESQNB = &wb, &nb
	return nil
}

// summarise computes the mean and the worst file of every metric.
func summarise(files []FileScore) Quality {
	stat := func(get func(*FileScore) (float64, bool), higherBetter bool) Stat {
		var s Stat
		for i := range files {
			v, ok := get(&files[i])
			if !ok {
				continue
			}
			if s.Files == 0 || (higherBetter && v < s.Worst) || (!higherBetter && v > s.Worst) {
				s.Worst, s.WorstFile = v, files[i].File
			}
			s.Mean += v
			s.Files++
		}
		if s.Files > 0 {
			s.Mean /= float64(s.Files)
		}
		return s
	}
	val := func(f func(*FileScore) float64) func(*FileScore) (float64, bool) {
		return func(fs *FileScore) (float64, bool) { return f(fs), true }
	}
	ptr := func(f func(*FileScore) *float64) func(*FileScore) (float64, bool) {
		return func(fs *FileScore) (float64, bool) {
			if p := f(fs); p != nil {
				return *p, true
			}
			return 0, false
		}
	}
	return Quality{
		PESQWB:       stat(ptr(func(f *FileScore) *float64 { return f.PESQWB }), true),
		PESQNB:       stat(ptr(func(f *FileScore) *float64 { return f.PESQNB }), true),
		STOI:         stat(ptr(func(f *FileScore) *float64 { return f.STOI }), true),
		ESTOI:        stat(ptr(func(f *FileScore) *float64 { return f.ESTOI }), true),
		MCD:          stat(val(func(f *FileScore) float64 { return f.MCD }), false),
		LSD:          stat(val(func(f *FileScore) float64 { return f.LSD }), false),
		F0RMSECents:  stat(ptr(func(f *FileScore) *float64 { return f.F0RMSECents }), false),
		F0RMSEHz:     stat(ptr(func(f *FileScore) *float64 { return f.F0RMSEHz }), false),
		VoicingError: stat(val(func(f *FileScore) float64 { return f.VoicingError }), false),
	}
}

// timePackets times every packet's Encode and Decode of every clip at one
// stage count, on one goroutine with GOMAXPROCS 1. Buffers are sized before
// the clock starts; allocations are counted per clip, around the loops only.
//
// The runtime's allocation counter is process-wide, so a finalizer or a
// runtime helper that happens to run during a loop shows up in it. A clip
// whose loop appears to allocate is therefore replayed (untimed) with a
// fresh encoder or decoder, and the least count is kept: an allocation of
// the codec's own recurs on every replay, a bystander's does not.
func timePackets(ctx context.Context, clips []Clip, cb *rvq.Codebook, m codec.Mode, progress func(string, int, int)) (*Timing, error) {
	// One P, as testing.AllocsPerRun does: nothing runs beside the loop,
	// and the runtime has no reason to start threads (which it counts as
	// allocations) while the loop is measured.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	total, longest := 0, 0
	ps := m.PacketSamples()
	for _, c := range clips {
		n := len(c.Samples) / ps
		total += n
		longest = max(longest, n)
	}
	l := &packetLoop{
		size:     max(codec.PacketSize(codec.MaxStages, codec.IndexBits(cb)), m.PacketSize(codec.IndexBits(cb))),
		lens:     make([]int, longest),
		ps:       ps,
		pcm:      make([]float32, 0, ps),
		encodeNS: make([]int64, 0, total),
		decodeNS: make([]int64, 0, total),
	}
	l.packets = make([]byte, longest*l.size)
	fresh := func() error {
		var err error
		if l.enc, err = codec.NewModeEncoder(cb, m); err != nil {
			return err
		}
		l.dec, err = codec.NewModeDecoder(cb, m)
		return err
	}
	if err := fresh(); err != nil {
		return nil, err
	}
	var encMallocs, decMallocs uint64
	phase := fmt.Sprintf("timing %d stages", m.Stages)
	if m.LowRate() {
		phase = "timing the " + m.Name() + " mode"
	}
	// Let finalizers queued by earlier work run before measuring.
	runtime.GC()
	runtime.GC()
	runtime.Gosched()
	for k, c := range clips {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("interrupted: %w", err)
		}
		l.enc.Reset()
		l.dec.Reset()
		x := c.Samples[:len(c.Samples)/ps*ps]
		encM, err := mallocs(func() error { return l.encode(x, true) })
		if err != nil {
			return nil, err
		}
		decM, err := mallocs(func() error { return l.decode(len(x)/ps, true) })
		if err != nil {
			return nil, err
		}
		for try := 0; try < 2 && encM+decM > 0; try++ {
			if err := fresh(); err != nil {
				return nil, err
			}
			e, _ := mallocs(func() error { return l.encode(x, false) })
			d, _ := mallocs(func() error { return l.decode(len(x)/ps, false) })
			encM, decM = min(encM, e), min(decM, d)
		}
		encMallocs += encM
		decMallocs += decM
		if progress != nil {
			progress(phase, k+1, len(clips))
		}
	}
	t := &Timing{Packets: total, EncodeNS: l.encodeNS, DecodeNS: l.decodeNS}
	if total == 0 {
		return t, nil
	}
	t.EncodeAllocs = float64(encMallocs) / float64(total)
	t.DecodeAllocs = float64(decMallocs) / float64(total)
	t.Encode = distribution(t.EncodeNS)
	t.Decode = distribution(t.DecodeNS)
	perPacket := (t.Encode.Mean + t.Decode.Mean) * 1e3 // ns
	t.RealTimeFactor = perPacket / float64(m.PacketDuration())
	t.Streams = float64(m.PacketDuration()) / perPacket
	return t, nil
}

// packetLoop holds the timing loops' state, all allocated up front.
type packetLoop struct {
	enc                *codec.Encoder
	dec                *codec.Decoder
	size               int    // room per packet in packets
	ps                 int    // samples per packet
	packets            []byte // one clip's packets, size bytes apart
	lens               []int
	pcm                []float32
	encodeNS, decodeNS []int64
}

// encode encodes x packet by packet into l.packets, recording each time
// when record is set.
func (l *packetLoop) encode(x []float32, record bool) error {
	for p := range len(x) / l.ps {
		buf := l.packets[p*l.size : p*l.size : (p+1)*l.size]
		start := time.Now()
		out, err := l.enc.Encode(buf, x[p*l.ps:(p+1)*l.ps])
		el := time.Since(start)
		if err != nil {
			return err
		}
		if record {
			l.encodeNS = append(l.encodeNS, int64(el))
		}
		l.lens[p] = len(out)
	}
	return nil
}

// decode decodes the first n packets of l.packets.
func (l *packetLoop) decode(n int, record bool) error {
	for p := range n {
		start := time.Now()
		_, err := l.dec.Decode(l.pcm[:0], l.packets[p*l.size:p*l.size+l.lens[p]])
		el := time.Since(start)
		if err != nil {
			return err
		}
		if record {
			l.decodeNS = append(l.decodeNS, int64(el))
		}
	}
	return nil
}

// mallocs counts the heap allocations made while f runs (ReadMemStats does
// not allocate).
func mallocs(f func() error) (uint64, error) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	err := f()
	runtime.ReadMemStats(&after)
	return after.Mallocs - before.Mallocs, err
}

// distribution summarises nanosecond samples in microseconds.
func distribution(ns []int64) Dist {
	s := slices.Clone(ns)
	slices.Sort(s)
	var sum float64
	for _, v := range s {
		sum += float64(v)
	}
	q := func(p float64) float64 {
		i := int(math.Ceil(p*float64(len(s)))) - 1
		return float64(s[max(0, min(i, len(s)-1))]) / 1e3
	}
	return Dist{Mean: sum / float64(len(s)) / 1e3, P50: q(0.5), P99: q(0.99), Max: float64(s[len(s)-1]) / 1e3}
}

// BaseName shortens a file path for tables: the last two path elements.
func BaseName(p string) string {
	dir, file := filepath.Split(filepath.Clean(p))
	if d := filepath.Base(dir); d != "." && d != "/" && dir != "" {
		return d + "/" + file
	}
	return file
}
