// Package loss measures vqspeak on a lossy link: intelligibility (STOI and
// ESTOI) under simulated packet loss with four receivers (silence in place
// of a lost packet, the last packet repeated, the decoder's concealment,
// and in-band FEC with concealment), the bitrate FEC costs, and what
// discontinuous transmission (DTX) saves and whether it clips speech
// onsets. Every receiver runs through the library's real code paths:
// codec.Decoder for the first three, stream.Encoder and stream.Decoder for
// FEC and DTX.
//
// It is a package of its own, not part of bench, because it drives package
// stream, whose tests import bench.
package loss

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"runtime"
	"slices"
	"sync"

	"github.com/vqspeak/vqspeak/bench"
	"github.com/vqspeak/vqspeak/bench/metrics"
	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/rvq"
	"github.com/vqspeak/vqspeak/stream"
)

// FECDepth is the jitter-buffer depth of the FEC receiver, in packets:
// the one packet it must hold to rebuild a lost packet from its
// successor's copy. It adds 20 ms of latency; the other receivers add none.
const FECDepth = 1

// Schemes name the receivers, in table order.
const (
	Silence = "silence"
	Repeat  = "repeat"
	Conceal = "conceal"
	FEC     = "fec"
)

// Config says what Run measures. The zero value measures the default
// codebook at codec.DefaultStages with DefaultPatterns and seed 0.
type Config struct {
	Codebook *rvq.Codebook // nil means codec.DefaultCodebook()
	Stages   int           // 0 means codec.DefaultStages
	Patterns []Pattern     // nil means DefaultPatterns
	Networks []Network     // nil means DefaultNetworks
	Seed     uint64
	// Workers is the number of clips measured at once; 0 means GOMAXPROCS.
	Workers int
	// Progress, if set, is called after each clip, never concurrently.
	Progress func(phase string, done, total int)
	// Modes, when set, adds the modes table (Result.Modes): each of these
	// modes (the 40 ms ones, say) and the 20 ms mode at Stages, at every
	// pattern, concealment only, through a stream.Decoder fixed at
	// ModeDepth packet.
	Modes []codec.Mode
	// PESQ is the path of a PESQ scorer (bench.FindPESQ) for the modes
	// table's PESQ-WB and PESQ-NB columns; "" leaves them out.
	PESQ string
}

// Result is everything one Run measured.
type Result struct {
	Files        []string `json:"files"`
	AudioSeconds float64  `json:"audio_s"`
	Codebook     string   `json:"codebook_fingerprint"`
	Stages       int      `json:"stages"`
	BitrateBPS   float64  `json:"bitrate_bps"` // nominal codec rate at Stages
	Seed         uint64   `json:"seed"`
	// FECDepth is the FEC receiver's fixed jitter-buffer depth in packets.
	FECDepth int       `json:"fec_buffer_packets"`
	Rows     []Row     `json:"rows"`
	FEC      FECCost   `json:"fec"`
	DTX      DTXResult `json:"dtx"`
	// Network is the real-time table: the stream with and without FEC
	// through a stream.Decoder's adaptive buffer, one row per Network.
	Network []NetRow `json:"network"`
	// Modes is the modes table (Config.Modes), mode by mode, pattern by
	// pattern; empty without Config.Modes.
	Modes []ModeRow `json:"modes,omitempty"`
}

// Row is one loss pattern measured with every receiver.
type Row struct {
	Pattern Pattern `json:"pattern"`
	Packets int64   `json:"packets"`
	Lost    int64   `json:"lost"` // packets dropped over all files
	// Scores are per receiver, keyed Silence, Repeat, Conceal and FEC.
	Scores map[string]Score `json:"scores"`
	// Recovered counts the lost packets the FEC receiver rebuilt from the
	// next packet's copy; the rest it concealed.
	Recovered int64 `json:"fec_recovered"`
}

// LostFraction is the share of packets actually dropped.
func (r *Row) LostFraction() float64 {
	if r.Packets == 0 {
		return 0
	}
	return float64(r.Lost) / float64(r.Packets)
}

// Score is one receiver's intelligibility over all files: the mean and worst
// file, over the files long enough to score (see metrics.STOI).
type Score struct {
	STOI    bench.Stat  `json:"stoi"`
	ESTOI   bench.Stat  `json:"estoi"`
	PerFile []FileScore `json:"per_file"`
}

// FileScore is one file's scores; nil when the file has too little speech.
type FileScore struct {
	File  string   `json:"file"`
	STOI  *float64 `json:"stoi"`
	ESTOI *float64 `json:"estoi"`
}

// FECCost is what FEC adds to the payload.
type FECCost struct {
	BytesPlain int64   `json:"bytes_plain"`
	BytesFEC   int64   `json:"bytes_fec"`
	PlainBPS   float64 `json:"plain_bps"`
	FECBPS     float64 `json:"fec_bps"`
	CostBPS    float64 `json:"cost_bps"` // FECBPS − PlainBPS
}

// DTXResult is what DTX saved and what it did to the speech.
type DTXResult struct {
	BytesPlain int64   `json:"bytes_plain"`
	BytesDTX   int64   `json:"bytes_dtx"`
	PlainBPS   float64 `json:"plain_bps"`
	DTXBPS     float64 `json:"dtx_bps"`
	Saved      float64 `json:"saved"` // 1 − BytesDTX/BytesPlain
	// Slots counts 20 ms slots; Silent, those DTX did not send in full.
	Slots  int64 `json:"slots"`
	Silent int64 `json:"silent_slots"`
	// Plain and DTX score the decoded streams without and with DTX (no
	// loss; the DTX stream through a stream.Decoder without buffering).
	Plain Score `json:"plain"`
	DTX   Score `json:"dtx"`
	// CNOnly scores the plain decode with only the slots DTX did not send
	// taken from the DTX decode (comfort noise and its transitions): what
	// the unsent slots alone cost, apart from any effect on the speech
	// after them.
	CNOnly Score `json:"cn_only"`
	// Transitions counts the silence→speech transitions of the DTX stream:
	// a slot sent in full after one that was not. Onsets counts those whose
	// OnsetMS after the transition, in the plain decode, are speech (within
	// 30 dB of the clip's loudest 20 ms); the statistics below cover them.
	Transitions int `json:"transitions"`
	Onsets      int `json:"onsets"`
	// OnsetDB is, per onset, the energy of the DTX decode's first
	// OnsetMS after the transition relative to the non-DTX decode of the
	// same stretch, in dB: 0 when the onset plays as without DTX, very
	// negative when it is clipped.
	OnsetDB Spread `json:"onset_db"`
	// Quieter counts onsets more than ClipDB under the non-DTX decode: the
	// sign of a clipped onset.
	Quieter int `json:"quieter"`
	// PreOnsetDB is, per onset, the energy of the non-DTX decode in the
	// OnsetMS before the transition (what DTX replaced by comfort noise)
	// relative to the OnsetMS after it, in dB: a late start of DTX's
	// speech would show as speech-level energy there (near 0 dB or above).
	PreOnsetDB Spread `json:"pre_onset_db"`
}

// Spread summarises a list of values.
type Spread struct {
	N      int     `json:"n"`
	Mean   float64 `json:"mean"`
	Median float64 `json:"median"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
}

// OnsetMS is the stretch the onset check compares, and ClipDB the shortfall
// that counts as a clipped onset.
const (
	OnsetMS = 40
	ClipDB  = 3
)

// ErrNoClips means Run was given nothing to measure.
var ErrNoClips = errors.New("loss: no clips to measure")

// Run measures every pattern with every receiver, FEC's cost and DTX on
// clips. Clips are measured in parallel; the result does not depend on
// Workers or on which other clips are measured (each clip's losses are
// seeded by its name, see RNG).
func Run(ctx context.Context, clips []bench.Clip, cfg Config) (*Result, error) {
	if len(clips) == 0 {
		return nil, ErrNoClips
	}
	if cfg.Codebook == nil {
		cfg.Codebook = codec.DefaultCodebook()
	}
	if cfg.Stages == 0 {
		cfg.Stages = codec.DefaultStages
	}
	if cfg.Patterns == nil {
		cfg.Patterns = DefaultPatterns
	}
	if cfg.Networks == nil {
		cfg.Networks = DefaultNetworks
	}
	for _, nw := range cfg.Networks {
		if err := (Pattern{Rate: nw.Rate}).Check(); err != nil || nw.JitterMS < 0 || nw.StallMS < 0 {
			return nil, fmt.Errorf("%w: network %q", ErrPattern, nw.Name)
		}
	}
	for _, p := range cfg.Patterns {
		if err := p.Check(); err != nil {
			return nil, err
		}
	}
	if _, err := codec.NewEncoder(cfg.Codebook, cfg.Stages); err != nil {
		return nil, err
	}
	if err := checkModes(&cfg); err != nil {
		return nil, err
	}
	workers := cfg.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}

	outs := make([]*clipResult, len(clips))
	errs := make([]error, len(clips))
	order := make([]int, len(clips))
	for i := range order {
		order[i] = i
	}
	// Longest clips first keeps the workers busy until the end.
	slices.SortStableFunc(order, func(a, b int) int { return len(clips[b].Samples) - len(clips[a].Samples) })
	jobs := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range jobs {
				outs[k], errs[k] = measureClip(ctx, clips[k], &cfg)
				mu.Lock()
				done++
				if cfg.Progress != nil {
					cfg.Progress("loss", done, len(clips))
				}
				mu.Unlock()
			}
		}()
	}
feed:
	for _, k := range order {
		select {
		case jobs <- k:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("interrupted: %w", err)
	}
	for k, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("%s: %w", clips[k].Name, err)
		}
	}
	return collect(clips, outs, &cfg), nil
}

// clipResult is one clip's measurements.
type clipResult struct {
	packets     int64
	lost        []int64          // per pattern
	recovered   []int64          // per pattern
	scores      []map[string]fs2 // per pattern, per scheme
	bytesPlain  int64
	bytesFEC    int64
	bytesDTX    int64
	silent      int64
	plain, dtx  fs2
	cnOnly      fs2
	transitions int
	onsetDB     []float64
	preDB       []float64
	net         [][2]netResult // per Network: plain, FEC
	modes       [][]modeClip   // per mode (modeList), per pattern
}

// fs2 is a file's STOI and ESTOI, NaN where undefined.
type fs2 struct{ stoi, estoi float64 }

func measureClip(ctx context.Context, c bench.Clip, cfg *Config) (*clipResult, error) {
	x := c.Samples
	n := (len(x) + codec.Delay + codec.PacketSamples - 1) / codec.PacketSamples
	in := make([]float32, n*codec.PacketSamples)
	copy(in, x)

	plain, err := encodePlain(in, cfg)
	if err != nil {
		return nil, err
	}
	fec, _, err := encodeStream(in, cfg, &stream.EncoderConfig{Stages: cfg.Stages, FEC: true})
	if err != nil {
		return nil, err
	}
	dtx, dtxStats, err := encodeStream(in, cfg, &stream.EncoderConfig{Stages: cfg.Stages, DTX: true})
	if err != nil {
		return nil, err
	}
	if len(plain) != n || len(fec) != n {
		return nil, fmt.Errorf("loss: %d plain and %d FEC packets for %d slots", len(plain), len(fec), n)
	}

	r := &clipResult{packets: int64(n), silent: dtxStats.Silent}
	for k := range n {
		r.bytesPlain += int64(len(plain[k].Payload))
		r.bytesFEC += int64(len(fec[k].Payload))
	}
	r.bytesDTX = dtxStats.Bytes

	dec, err := codec.NewDecoder(cfg.Codebook)
	if err != nil {
		return nil, err
	}
	sdec, err := stream.NewDecoder(cfg.Codebook, &stream.DecoderConfig{MinDepth: FECDepth, StartDepth: FECDepth, MaxDepth: FECDepth})
	if err != nil {
		return nil, err
	}
	out := make([]float32, 0, (n+FECDepth)*codec.PacketSamples)
	mask := make([]bool, n)
	noLoss := make([]bool, n)

	// The loss-free decode: the 0 % score of the codec receivers and the
	// reference of the DTX check.
	ref, err := decodeCodec(out[:0], dec, plain, noLoss, Conceal)
	if err != nil {
		return nil, err
	}
	yPlain := slices.Clone(ref[codec.Delay : codec.Delay+len(x)])
	if r.plain, err = score(x, yPlain); err != nil {
		return nil, err
	}

	for _, p := range cfg.Patterns {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if _, err := p.Mask(mask, RNG(cfg.Seed, filepath.Base(c.Name), p)); err != nil {
			return nil, err
		}
		var lost, lead int64
		for k, m := range mask {
			if m {
				lost++
				if lead == int64(k) {
					lead++ // lost before the first arrival: the receiver has not started
				}
			}
		}
		r.lost = append(r.lost, lost)
		sc := map[string]fs2{}
		for _, s := range []string{Silence, Repeat, Conceal} {
			if lost == 0 {
				sc[s] = r.plain // the three receivers decode a loss-free stream alike
				continue
			}
			y, err := decodeCodec(out[:0], dec, plain, mask, s)
			if err != nil {
				return nil, err
			}
			if sc[s], err = score(x, y[codec.Delay:codec.Delay+len(x)]); err != nil {
				return nil, err
			}
		}
		y, st := decodeStream(out[:0], sdec, fec, mask, n+FECDepth)
		if st.Skipped != 0 || st.Stretched != 0 || st.Recovered+st.Concealed != lost-lead {
			return nil, fmt.Errorf("loss: FEC receiver off its fixed depth: %+v for %d losses", st, lost)
		}
		r.recovered = append(r.recovered, st.Recovered)
		lag := FECDepth*codec.PacketSamples + codec.Delay
		if sc[FEC], err = score(x, y[lag:lag+len(x)]); err != nil {
			return nil, err
		}
		r.scores = append(r.scores, sc)
	}

	// The real-time table: both streams through the adaptive buffer.
	ndec, err := stream.NewDecoder(cfg.Codebook, nil)
	if err != nil {
		return nil, err
	}
	phase := netPhase(cfg.Seed, filepath.Base(c.Name))
	for _, nw := range cfg.Networks {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		p := Pattern{Rate: nw.Rate}
		if _, err := p.Mask(mask, RNG(cfg.Seed, filepath.Base(c.Name), p)); err != nil {
			return nil, err
		}
		var both [2]netResult
		for i, pkts := range [][]stream.Packet{plain, fec} {
			if both[i], err = measureNetwork(x, ndec, pkts, mask, nw, phase, netRNG(cfg.Seed, filepath.Base(c.Name), nw)); err != nil {
				return nil, err
			}
		}
		r.net = append(r.net, both)
	}

	// DTX: no loss, no buffering: the decoder plays each slot as it comes.
	ddec, err := stream.NewDecoder(cfg.Codebook, &stream.DecoderConfig{})
	if err != nil {
		return nil, err
	}
	y, st := decodeStream(out[:0], ddec, dtx, nil, n)
	if st.Concealed != 0 || st.Skipped != 0 || st.Stretched != 0 {
		return nil, fmt.Errorf("loss: DTX receiver concealed, skipped or stretched: %+v", st)
	}
	yDTX := y[codec.Delay : codec.Delay+len(x)]
	if r.dtx, err = score(x, yDTX); err != nil {
		return nil, err
	}
	var cnOnly []float32
	r.transitions, r.onsetDB, r.preDB, cnOnly = onsets(dtx, yPlain, yDTX)
	if r.cnOnly, err = score(x, cnOnly); err != nil {
		return nil, err
	}
	if len(cfg.Modes) > 0 {
		if r.modes, err = measureModes(ctx, c, cfg); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// encodePlain codes in (whole packets) with a codec.Encoder.
func encodePlain(in []float32, cfg *Config) ([]stream.Packet, error) {
	enc, err := codec.NewEncoder(cfg.Codebook, cfg.Stages)
	if err != nil {
		return nil, err
	}
	var pkts []stream.Packet
	for p := range len(in) / codec.PacketSamples {
		b, err := enc.Encode(nil, in[p*codec.PacketSamples:(p+1)*codec.PacketSamples])
		if err != nil {
			return nil, err
		}
		pkts = append(pkts, stream.Packet{Seq: uint16(p), Timestamp: uint32(p * codec.PacketSamples), Payload: b})
	}
	return pkts, nil
}

// encodeStream codes in with a stream.Encoder and keeps copies of the packets.
func encodeStream(in []float32, cfg *Config, ec *stream.EncoderConfig) ([]stream.Packet, stream.EncoderStats, error) {
	enc, err := stream.NewEncoder(cfg.Codebook, ec)
	if err != nil {
		return nil, stream.EncoderStats{}, err
	}
	var pkts []stream.Packet
	err = enc.Push(in, func(p stream.Packet) error {
		p.Payload = slices.Clone(p.Payload)
		pkts = append(pkts, p)
		return nil
	})
	return pkts, enc.Stats(), err
}

var silence [codec.PacketSamples]float32

// decodeCodec decodes packets with a codec.Decoder, replacing each lost
// one (mask[k]) as scheme says: silence (zeros; the decoder never hears of
// the packet), repeat (the last received packet decoded again; zeros before
// the first), or conceal (Decoder.Conceal).
func decodeCodec(dst []float32, dec *codec.Decoder, pkts []stream.Packet, mask []bool, scheme string) ([]float32, error) {
	dec.Reset()
	var last []byte
	var err error
	for k, p := range pkts {
		switch {
		case !mask[k]:
			dst, err = dec.Decode(dst, p.Payload)
			last = p.Payload
		case scheme == Conceal:
			dst = dec.Conceal(dst)
		case scheme == Repeat && last != nil:
			dst, err = dec.Decode(dst, last)
		default:
			dst = append(dst, silence[:]...)
		}
		if err != nil {
			return nil, err
		}
	}
	return dst, nil
}

// decodeStream plays pkts through a stream.Decoder, one packet pushed
// (unless lost) before each 20 ms pull, for ticks pulls. Packets are
// placed by timestamp, so DTX's unsent slots stay empty.
func decodeStream(dst []float32, dec *stream.Decoder, pkts []stream.Packet, mask []bool, ticks int) ([]float32, stream.Stats) {
	dec.Reset()
	n0 := len(dst)
	dst = slices.Grow(dst, ticks*codec.PacketSamples)[:n0+ticks*codec.PacketSamples]
	j := 0
	for tick := range ticks {
		for ; j < len(pkts) && int(pkts[j].Timestamp)/codec.PacketSamples <= tick; j++ {
			if mask != nil && mask[j] {
				continue
			}
			_ = dec.Push(pkts[j]) // our own encoder's payloads always parse
		}
		at := n0 + tick*codec.PacketSamples
		dec.Pull(dst[at : at+codec.PacketSamples])
	}
	return dst, dec.Stats()
}

// score measures y against x after the main harness's alignment (Align
// within metrics.MaxAlignSeconds, then Compensate).
func score(x, y []float32) (fs2, error) {
	lag := metrics.Align(x, y, int(metrics.MaxAlignSeconds*codec.SampleRate))
	r, d := metrics.Compensate(x, y, lag)
	s, err := metrics.STOI(r, d, codec.SampleRate)
	if errors.Is(err, metrics.ErrTooShort) {
		return fs2{math.NaN(), math.NaN()}, nil
	}
	if err != nil {
		return fs2{}, err
	}
	e, err := metrics.ESTOI(r, d, codec.SampleRate)
	if err != nil {
		return fs2{}, err
	}
	return fs2{s, e}, nil
}

// onsets finds the DTX stream's silence→speech transitions and compares,
// at each speech onset, the OnsetMS after it in the DTX and the plain
// decode, and the OnsetMS before and after it in the plain decode (see
// DTXResult). Both decodes are aligned with the input: slot k plays input
// samples [k·320 − Delay, (k+1)·320 − Delay). It also returns the plain
// decode with only the slots DTX did not send taken from the DTX decode.
func onsets(dtx []stream.Packet, plain, yDTX []float32) (transitions int, onsetDB, preDB []float64, cnOnly []float32) {
	const w = OnsetMS * codec.SampleRate / 1000
	sent := map[int]bool{}
	for _, p := range dtx {
		if !isNoise(p) {
			sent[int(p.Timestamp)/codec.PacketSamples] = true
		}
	}
	var peak float64 // loudest slot of the plain decode
	for a := 0; a+codec.PacketSamples <= len(plain); a += codec.PacketSamples {
		peak = max(peak, energy(plain[a:a+codec.PacketSamples]))
	}
	cnOnly = slices.Clone(plain)
	for k := range (len(plain)+codec.Delay)/codec.PacketSamples + 1 {
		if sent[k] {
			continue
		}
		a := max(k*codec.PacketSamples-codec.Delay, 0)
		b := min(k*codec.PacketSamples-codec.Delay+codec.PacketSamples, len(plain))
		if a < b {
			copy(cnOnly[a:b], yDTX[a:b])
		}
	}
	for k := 1; k*codec.PacketSamples < len(plain)+codec.Delay; k++ {
		if !sent[k] || sent[k-1] {
			continue
		}
		transitions++
		a := k*codec.PacketSamples - codec.Delay
		if a-w < 0 || a+w > len(plain) {
			continue
		}
		after := energy(plain[a : a+w])
		if after*codec.PacketSamples/w < peak*speechLevel {
			continue // a noise bump, not speech
		}
		onsetDB = append(onsetDB, db(energy(yDTX[a:a+w]), after))
		preDB = append(preDB, db(energy(plain[a-w:a]), after))
	}
	return transitions, onsetDB, preDB, cnOnly
}

// speechLevel is the energy, relative to a clip's loudest 20 ms, over
// which a transition counts as a speech onset: −30 dB.
const speechLevel = 1e-3

// isNoise tells a comfort-noise payload (2 bytes) from a codec packet
// (5 bytes or more).
func isNoise(p stream.Packet) bool { return len(p.Payload) < 4 }

func energy(x []float32) float64 {
	var s float64
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	return s
}

// db is 10·log10(a/b), with a floor 100 dB under full scale per sample so
// that digital silence stays finite.
func db(a, b float64) float64 {
	const floor = 1e-10 * OnsetMS * codec.SampleRate / 1000
	return 10 * math.Log10((a+floor)/(b+floor))
}

// collect sums the clips' measurements into a Result.
func collect(clips []bench.Clip, outs []*clipResult, cfg *Config) *Result {
	res := &Result{
		Codebook:   fmt.Sprintf("%x", cfg.Codebook.Fingerprint()),
		Stages:     cfg.Stages,
		BitrateBPS: float64(codec.Bitrate(cfg.Codebook, cfg.Stages)),
		Seed:       cfg.Seed,
		FECDepth:   FECDepth,
	}
	for _, c := range clips {
		res.Files = append(res.Files, c.Name)
		res.AudioSeconds += float64(len(c.Samples)) / codec.SampleRate
	}
	files := func(get func(o *clipResult) fs2) Score {
		var s Score
		for k, o := range outs {
			f := get(o)
			fs := FileScore{File: clips[k].Name}
			if !math.IsNaN(f.stoi) {
				st, es := f.stoi, f.estoi
				fs.STOI, fs.ESTOI = &st, &es
			}
			s.PerFile = append(s.PerFile, fs)
		}
		s.STOI = stat(s.PerFile, func(f *FileScore) *float64 { return f.STOI })
		s.ESTOI = stat(s.PerFile, func(f *FileScore) *float64 { return f.ESTOI })
		return s
	}
	for i, p := range cfg.Patterns {
		row := Row{Pattern: p, Scores: map[string]Score{}}
		for _, o := range outs {
			row.Packets += o.packets
			row.Lost += o.lost[i]
			row.Recovered += o.recovered[i]
		}
		for _, s := range []string{Silence, Repeat, Conceal, FEC} {
			row.Scores[s] = files(func(o *clipResult) fs2 { return o.scores[i][s] })
		}
		res.Rows = append(res.Rows, row)
	}
	for i, nw := range cfg.Networks {
		row := NetRow{Network: nw}
		for _, o := range outs {
			row.Packets += o.packets
			row.Lost += o.net[i][0].lost
		}
		for j, ns := range []*NetScore{&row.Plain, &row.FEC} {
			ns.Score = files(func(o *clipResult) fs2 { return o.net[i][j].score })
			var delays []float64
			for _, o := range outs {
				st := o.net[i][j].stats
				ns.Recovered += st.Recovered
				ns.Concealed += st.Concealed
				ns.Late += st.Late
				ns.Stretched += st.Stretched
				ns.Skipped += st.Skipped
				delays = append(delays, o.net[i][j].delayMS)
			}
			ns.MouthToEarMS = spread(delays).Median
		}
		res.Network = append(res.Network, row)
	}
	var onsetDB, preDB []float64
	d := &res.DTX
	for _, o := range outs {
		res.FEC.BytesPlain += o.bytesPlain
		res.FEC.BytesFEC += o.bytesFEC
		d.BytesDTX += o.bytesDTX
		d.Slots += o.packets
		d.Silent += o.silent
		onsetDB = append(onsetDB, o.onsetDB...)
		d.Transitions += o.transitions
		preDB = append(preDB, o.preDB...)
	}
	bps := func(b int64) float64 { return float64(b) * 8 / res.AudioSeconds }
	res.FEC.PlainBPS, res.FEC.FECBPS = bps(res.FEC.BytesPlain), bps(res.FEC.BytesFEC)
	res.FEC.CostBPS = res.FEC.FECBPS - res.FEC.PlainBPS
	d.BytesPlain = res.FEC.BytesPlain
	d.PlainBPS, d.DTXBPS = bps(d.BytesPlain), bps(d.BytesDTX)
	if d.BytesPlain > 0 {
		d.Saved = 1 - float64(d.BytesDTX)/float64(d.BytesPlain)
	}
	if len(cfg.Modes) > 0 {
		res.Modes = collectModes(clips, outs, cfg, files)
	}
	d.Plain = files(func(o *clipResult) fs2 { return o.plain })
	d.DTX = files(func(o *clipResult) fs2 { return o.dtx })
	d.CNOnly = files(func(o *clipResult) fs2 { return o.cnOnly })
	d.Onsets = len(onsetDB)
	d.OnsetDB, d.PreOnsetDB = spread(onsetDB), spread(preDB)
	for _, v := range onsetDB {
		if v < -ClipDB {
			d.Quieter++
		}
	}
	return res
}

// stat is the mean and the worst (lowest) file of one score.
func stat(files []FileScore, get func(*FileScore) *float64) bench.Stat {
	var s bench.Stat
	for i := range files {
		p := get(&files[i])
		if p == nil {
			continue
		}
		if s.Files == 0 || *p < s.Worst {
			s.Worst, s.WorstFile = *p, files[i].File
		}
		s.Mean += *p
		s.Files++
	}
	if s.Files > 0 {
		s.Mean /= float64(s.Files)
	}
	return s
}

func spread(v []float64) Spread {
	if len(v) == 0 {
		return Spread{}
	}
	s := slices.Sorted(slices.Values(v))
	sp := Spread{N: len(s), Min: s[0], Max: s[len(s)-1], Median: s[len(s)/2]}
	for _, x := range s {
		sp.Mean += x
	}
	sp.Mean /= float64(len(s))
	return sp
}
