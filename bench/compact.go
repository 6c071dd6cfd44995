package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/codec/vqs"
	"github.com/vqspeak/vqspeak/codec/vqs/compact"
	"github.com/vqspeak/vqspeak/rvq"
)

// CompactConfig says what RunCompact measures.
type CompactConfig struct {
	Stages   []int         // stage counts; nil means 1, 2, 3, 4
	Codebook *rvq.Codebook // nil means codec.DefaultCodebook()
	// Workers encode clips in parallel; 0 means GOMAXPROCS. The timing
	// runs on one goroutine whatever the value.
	Workers int
	// TimingRuns is how many times each file is written and read for the
	// timing, keeping the fastest run; 0 means 5.
	TimingRuns int
	// Progress, if set, is called after each clip and stage count, never
	// concurrently and never inside a timed loop.
	Progress func(phase string, done, total int)
}

// CompactResult compares compact with plain .vqs files of the same packets.
type CompactResult struct {
	Files        []string     `json:"files"`
	AudioSeconds float64      `json:"audio_s"`
	Codebook     string       `json:"codebook_fingerprint"`
	TableSet     int          `json:"table_set"` // what compact writers use (compact.DefaultTableSet)
	GoVersion    string       `json:"go_version"`
	GOARCH       string       `json:"goarch"`
	Rows         []CompactRow `json:"rows"`
}

// CompactRow is one stage count. Sizes are of whole files: header, block
// framing and checksums included.
type CompactRow struct {
	Stages        int     `json:"stages"`
	Packets       int64   `json:"packets"`
	PlainBytes    int64   `json:"plain_bytes"`
	CompactBytes  int64   `json:"compact_bytes"`
	PlainBPS      float64 `json:"plain_bps"`
	CompactBPS    float64 `json:"compact_bps"`
	SavingPercent float64 `json:"saving_percent"`
	Blocks        int64   `json:"blocks"`
	CompactBlocks int64   `json:"compact_blocks"` // of Blocks, those coding made smaller
	// SetBPS is the compact bit rate with each static table set
	// (compact.TableSets+1 of them, 0 meaning adaptive codes only),
	// for comparison; 0 where a set does not apply.
	SetBPS []float64 `json:"table_set_bps"`
	// Streams are the entropy and cost of each field with the default set.
	Streams []compact.Stream `json:"streams"`
	// CPU time on one core per second of audio to write the packets into a
	// file and to read them back (container only: speech encoding and
	// decoding cost about 18 and 9 ms per second of audio on top).
	CompactWriteUS float64 `json:"compact_write_us_per_s"`
	CompactReadUS  float64 `json:"compact_read_us_per_s"`
	PlainWriteUS   float64 `json:"plain_write_us_per_s"`
	PlainReadUS    float64 `json:"plain_read_us_per_s"`
}

// RunCompact encodes every clip at each stage count into a plain .vqs file,
// rewrites its packets as a compact file and compares the two.
func RunCompact(ctx context.Context, clips []Clip, cfg CompactConfig) (*CompactResult, error) {
	cb := cfg.Codebook
	if cb == nil {
		cb = codec.DefaultCodebook()
	}
	stages := cfg.Stages
	if stages == nil {
		stages = []int{1, 2, 3, 4}
	}
	workers := cfg.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	runs := cfg.TimingRuns
	if runs <= 0 {
		runs = 5
	}
	progress := cfg.Progress
	if progress == nil {
		progress = func(string, int, int) {}
	}
	fp := cb.Fingerprint()
	res := &CompactResult{Codebook: fmt.Sprintf("%x", fp[:]), TableSet: compact.DefaultTableSet,
		GoVersion: runtime.Version(), GOARCH: runtime.GOARCH}
	for _, c := range clips {
		res.Files = append(res.Files, c.Name)
		res.AudioSeconds += float64(len(c.Samples)) / codec.SampleRate
	}
	bits := codec.IndexBits(cb)
	for si, s := range stages {
		plain, err := encodePlain(ctx, clips, cb, s, workers)
		if err != nil {
			return nil, err
		}
		row := CompactRow{Stages: s, SetBPS: make([]float64, compact.TableSets+1)}
		st, err := compact.NewStats(bits)
		if err != nil {
			return nil, err
		}
		pkts := make([][][]byte, len(plain))
		compactFiles := make([][]byte, len(plain))
		for i, p := range plain {
			_, pk, _, err := vqs.ReadAllPackets(bytes.NewReader(p))
			if err != nil {
				return nil, fmt.Errorf("%s: %w", clips[i].Name, err)
			}
			pkts[i] = pk
			row.Packets += int64(len(pk))
			row.PlainBytes += int64(len(p))
			for _, q := range pk {
				if err := st.WritePacket(q); err != nil {
					return nil, fmt.Errorf("%s: %w", clips[i].Name, err)
				}
			}
			st.Flush()
		}
		row.Streams = st.Streams()
		for set := range compact.TableSets + 1 {
			if set != 0 && bits != 10 {
				continue // static tables are for 10-bit indices
			}
			var n int64
			for i, pk := range pkts {
				var buf bytes.Buffer
				fs, err := writeCompact(&buf, cb, s, set, pk)
				if err != nil {
					return nil, err
				}
				n += int64(buf.Len())
				if set == compact.DefaultTableSet || bits != 10 && set == 0 {
					compactFiles[i] = buf.Bytes()
					row.Blocks += fs.Blocks
					row.CompactBlocks += fs.CompactBlocks
				}
			}
			row.SetBPS[set] = float64(8*n) / res.AudioSeconds
		}
		for _, c := range compactFiles {
			row.CompactBytes += int64(len(c))
		}
		row.PlainBPS = float64(8*row.PlainBytes) / res.AudioSeconds
		row.CompactBPS = float64(8*row.CompactBytes) / res.AudioSeconds
		row.SavingPercent = 100 * (1 - float64(row.CompactBytes)/float64(row.PlainBytes))
		if err := timeFiles(&row, cb, s, pkts, compactFiles, plain, runs, res.AudioSeconds); err != nil {
			return nil, err
		}
		res.Rows = append(res.Rows, row)
		progress("compact", si+1, len(stages))
	}
	return res, nil
}

// encodePlain encodes each clip as vqspeak encode would, in parallel.
func encodePlain(ctx context.Context, clips []Clip, cb *rvq.Codebook, stages, workers int) ([][]byte, error) {
	out := make([][]byte, len(clips))
	errs := make([]error, len(clips))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, len(clips)) {
		wg.Go(func() {
			for i := range next {
				var buf bytes.Buffer
				fe, err := vqs.NewEncoder(&buf, cb, stages)
				if err == nil {
					err = fe.WriteSamples(clips[i].Samples)
				}
				if err == nil {
					err = fe.Close()
				}
				out[i], errs[i] = buf.Bytes(), err
			}
		})
	}
	var err error
	for i := range clips {
		if err = ctx.Err(); err != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if err != nil {
		return nil, err
	}
	for i, e := range errs {
		if e != nil {
			return nil, fmt.Errorf("%s: %w", clips[i].Name, e)
		}
	}
	return out, nil
}

// compactHeader is the header vqspeak encode writes.
func compactHeader(cb *rvq.Codebook, stages int) vqs.Header {
	return vqs.Header{SampleRate: codec.SampleRate, PacketSamples: codec.PacketSamples,
		Stages: uint8(stages), CodebookFingerprint: cb.Fingerprint()}
}

// writeCompact writes pk as a compact file with table set `set`.
func writeCompact(w io.Writer, cb *rvq.Codebook, stages, set int, pk [][]byte) (vqs.Stats, error) {
	fw, err := vqs.NewCompactPacketWriter(w, compactHeader(cb, stages), codec.IndexBits(cb))
	if err != nil {
		return vqs.Stats{}, err
	}
	if err := fw.SetCompactTableSet(set); err != nil {
		return vqs.Stats{}, err
	}
	for _, p := range pk {
		if err := fw.WritePacket(p); err != nil {
			return vqs.Stats{}, err
		}
	}
	err = fw.Close()
	return fw.Stats(), err
}

// timeFiles times writing the packets as compact and plain files and
// reading both back, on this goroutine, keeping the fastest of runs.
func timeFiles(row *CompactRow, cb *rvq.Codebook, stages int, pkts [][][]byte, compactFiles, plain [][]byte, runs int, seconds float64) error {
	h := compactHeader(cb, stages)
	cw, err := vqs.NewCompactPacketWriter(io.Discard, h, codec.IndexBits(cb))
	if err != nil {
		return err
	}
	pw, err := vqs.NewPacketWriter(io.Discard, h)
	if err != nil {
		return err
	}
	write := func(fw *vqs.PacketWriter) error {
		for _, pk := range pkts {
			if err := fw.Reset(io.Discard, h); err != nil {
				return err
			}
			for _, p := range pk {
				if err := fw.WritePacket(p); err != nil {
					return err
				}
			}
			if err := fw.Close(); err != nil {
				return err
			}
		}
		return nil
	}
	var fr *vqs.PacketReader
	buf := make([]byte, 0, vqs.MaxPacketLen)
	read := func(files [][]byte) error {
		for _, f := range files {
			var err error
			if fr == nil {
				fr, err = vqs.NewPacketReader(bytes.NewReader(f))
			} else {
				err = fr.Reset(bytes.NewReader(f))
			}
			if err != nil {
				return err
			}
			for {
				if buf, err = fr.ReadPacket(buf[:0]); err == io.EOF {
					break
				} else if err != nil {
					return err
				}
			}
		}
		return nil
	}
	best := func(f func() error) (float64, error) {
		var b time.Duration
		for r := range runs {
			t := time.Now()
			if err := f(); err != nil {
				return 0, err
			}
			if d := time.Since(t); r == 0 || d < b {
				b = d
			}
		}
		return float64(b.Microseconds()) / seconds, nil
	}
	var errs [4]error
	row.CompactWriteUS, errs[0] = best(func() error { return write(cw) })
	row.PlainWriteUS, errs[1] = best(func() error { return write(pw) })
	row.CompactReadUS, errs[2] = best(func() error { return read(compactFiles) })
	row.PlainReadUS, errs[3] = best(func() error { return read(plain) })
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// WriteCompactTable writes res as Markdown tables.
func WriteCompactTable(w io.Writer, res *CompactResult) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Compact vs plain .vqs files: %d files, %.1f s of speech; codebook %.12s; table set %d; %s %s\n\n",
		len(res.Files), res.AudioSeconds, res.Codebook, res.TableSet, res.GoVersion, res.GOARCH)
	var others []int // the other table sets, compared in extra columns
	if len(res.Rows) > 0 {
		for set := range res.Rows[0].SetBPS {
			if set != res.TableSet {
				others = append(others, set)
			}
		}
	}
	b.WriteString("| stages | plain b/s | compact b/s | saving | compact blocks |")
	for _, set := range others {
		if set == 0 {
			b.WriteString(" no static tables b/s |")
		} else {
			fmt.Fprintf(&b, " with set %d b/s |", set)
		}
	}
	b.WriteString(" compact write / read µs per s | plain write / read µs per s |\n|--:|--:|--:|--:|--:|")
	for range others {
		b.WriteString("--:|")
	}
	b.WriteString("--:|--:|\n")
	for _, r := range res.Rows {
		fmt.Fprintf(&b, "| %d | %.0f | %.0f | %.1f %% | %d of %d |", r.Stages, r.PlainBPS, r.CompactBPS, r.SavingPercent, r.CompactBlocks, r.Blocks)
		for _, set := range others {
			if set < len(r.SetBPS) && r.SetBPS[set] > 0 {
				fmt.Fprintf(&b, " %.0f |", r.SetBPS[set])
			} else {
				b.WriteString(" - |")
			}
		}
		fmt.Fprintf(&b, " %.1f / %.1f | %.1f / %.1f |\n", r.CompactWriteUS, r.CompactReadUS, r.PlainWriteUS, r.PlainReadUS)
	}
	if len(res.Rows) > 0 {
		r := res.Rows[len(res.Rows)-1]
		for _, o := range res.Rows {
			if o.Stages > r.Stages {
				r = o
			}
		}
		fmt.Fprintf(&b, "\nEntropy per field at %d stages, bits per symbol (-json has every stage count):\n\n", r.Stages)
		b.WriteString("| field | width | entropy of values | entropy as coded | spent in compact blocks |\n|---|--:|--:|--:|--:|\n")
		for _, s := range r.Streams {
			coded := "same"
			if s.Delta {
				coded = fmt.Sprintf("%.2f (Δ)", s.Entropy)
			}
			fmt.Fprintf(&b, "| %s | %d | %.2f | %s | %.2f |\n", s.Name, s.Bits, s.RawEntropy, coded, s.CodedBits)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
