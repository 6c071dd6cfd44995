package loss

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"

	"github.com/vqspeak/vqspeak/bench"
	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/stream"
)

// ModeDepth is the jitter-buffer depth of the modes table's receiver, in
// packets of the mode: one packet, fixed, as FEC's receiver.
const ModeDepth = 1

// ModeRow is one row of the modes table: one mode at one loss pattern,
// through a stream.Decoder fixed at ModeDepth packet that conceals every
// lost packet (Decoder.Conceal, one packet of the mode at a time).
type ModeRow struct {
	Mode       string  `json:"mode"`      // its bitrate with the default codebook, e.g. "1600"
	PacketMS   int     `json:"packet_ms"` // 20 or 40
	Stages     int     `json:"stages"`
	BitrateBPS int     `json:"bitrate_bps"` // payload with the codebook measured
	Pattern    Pattern `json:"pattern"`
	Packets    int64   `json:"packets"`
	Lost       int64   `json:"lost"`
	Concealed  int64   `json:"concealed"` // slots the receiver concealed
	Score      Score   `json:"score"`     // STOI and ESTOI
	// PESQWB and PESQNB are nil when no PESQ scorer was given.
	PESQWB *bench.Stat `json:"pesq_wb,omitempty"`
	PESQNB *bench.Stat `json:"pesq_nb,omitempty"`
}

// modeClip is one clip's measurement of one mode at one pattern.
type modeClip struct {
	packets, lost, concealed int64
	score                    fs2
	wb, nb                   float64 // NaN without PESQ
}

// modeList is the modes table's modes: cfg.Modes, then the 20 ms mode at
// cfg.Stages unless listed.
func modeList(cfg *Config) []codec.Mode {
	ms := slices.Clone(cfg.Modes)
	if m := codec.StagesMode(cfg.Stages); !slices.Contains(ms, m) {
		ms = append(ms, m)
	}
	return ms
}

// checkModes reports a mode the codebook cannot run.
func checkModes(cfg *Config) error {
	for _, m := range cfg.Modes {
		if !m.Valid() || m.Stages > cfg.Codebook.NumStages() {
			return fmt.Errorf("%w: %v with a codebook of %d stages", codec.ErrMode, m, cfg.Codebook.NumStages())
		}
	}
	return nil
}

// measureModes measures the modes table on one clip: per mode (modeList),
// per pattern.
func measureModes(ctx context.Context, c bench.Clip, cfg *Config) ([][]modeClip, error) {
	x := c.Samples
	var out [][]modeClip
	for _, m := range modeList(cfg) {
		enc, err := stream.NewEncoder(cfg.Codebook, &stream.EncoderConfig{Mode: m})
		if err != nil {
			return nil, err
		}
		var pkts []stream.Packet
		emit := func(p stream.Packet) error {
			p.Payload = slices.Clone(p.Payload)
			pkts = append(pkts, p)
			return nil
		}
		if err := enc.Push(x, emit); err != nil {
			return nil, err
		}
		if err := enc.Flush(emit); err != nil { // the lookahead's last packets: the whole clip is sent
			return nil, err
		}
		dec, err := stream.NewModeDecoder(cfg.Codebook, m, &stream.DecoderConfig{MinDepth: ModeDepth, StartDepth: ModeDepth, MaxDepth: ModeDepth})
		if err != nil {
			return nil, err
		}
		ps := m.PacketSamples()
		mask := make([]bool, len(pkts))
		y := make([]float32, (len(pkts)+ModeDepth)*ps)
		var row []modeClip
		for _, p := range cfg.Patterns {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if _, err := p.Mask(mask, RNG(cfg.Seed, filepath.Base(c.Name), p)); err != nil {
				return nil, err
			}
			dec.Reset()
			var lost int64
			for k := range len(pkts) + ModeDepth {
				if k < len(pkts) {
					if mask[k] {
						lost++
					} else {
						_ = dec.Push(pkts[k]) // our own encoder's packets always parse
					}
				}
				dec.Pull(y[k*ps : (k+1)*ps])
			}
			lag := ModeDepth*ps + codec.Delay
			deg := y[lag:min(lag+len(x), len(y))]
			mc := modeClip{packets: int64(len(pkts)), lost: lost, concealed: dec.Stats().Concealed, wb: math.NaN(), nb: math.NaN()}
			if mc.score, err = score(x, deg); err != nil {
				return nil, err
			}
			if cfg.PESQ != "" {
				if mc.wb, mc.nb, err = bench.PESQ(ctx, cfg.PESQ, x, deg); err != nil {
					return nil, err
				}
			}
			row = append(row, mc)
		}
		out = append(out, row)
	}
	return out, nil
}

// collectModes sums the clips' modes tables into rows, mode by mode.
func collectModes(clips []bench.Clip, outs []*clipResult, cfg *Config, files func(get func(o *clipResult) fs2) Score) []ModeRow {
	var rows []ModeRow
	for mi, m := range modeList(cfg) {
		for pi, p := range cfg.Patterns {
			row := ModeRow{Mode: m.Name(), PacketMS: int(m.PacketDuration().Milliseconds()), Stages: m.Stages,
				BitrateBPS: m.Bitrate(codec.IndexBits(cfg.Codebook)), Pattern: p}
			var wb, nb []FileScore
			for k, o := range outs {
				mc := o.modes[mi][pi]
				row.Packets += mc.packets
				row.Lost += mc.lost
				row.Concealed += mc.concealed
				if !math.IsNaN(mc.wb) {
					w, n := mc.wb, mc.nb
					wb = append(wb, FileScore{File: clips[k].Name, STOI: &w})
					nb = append(nb, FileScore{File: clips[k].Name, STOI: &n})
				}
			}
			row.Score = files(func(o *clipResult) fs2 { return o.modes[mi][pi].score })
			if cfg.PESQ != "" {
				get := func(f *FileScore) *float64 { return f.STOI }
				w, n := stat(wb, get), stat(nb, get)
				row.PESQWB, row.PESQNB = &w, &n
			}
			rows = append(rows, row)
		}
	}
	return rows
}

// writeModes prints the modes table.
func writeModes(b *strings.Builder, res *Result) {
	if len(res.Modes) == 0 {
		return
	}
	pesq := res.Modes[0].PESQWB != nil
	fmt.Fprintf(b, "\nModes: each mode through stream.Decoder with its buffer fixed at %d packet of the mode, every lost packet concealed "+
		"(a 40 ms packet lost is 40 ms of audio); the same loss patterns, drawn per mode's packets; mean over files.\n\n", ModeDepth)
	if pesq {
		b.WriteString("| mode | b/s | packets lost (share concealed) | PESQ-WB | PESQ-NB | STOI | ESTOI |\n|---|--:|--:|--:|--:|--:|--:|\n")
	} else {
		b.WriteString("| mode | b/s | packets lost (share concealed) | STOI | ESTOI |\n|---|--:|--:|--:|--:|\n")
	}
	for _, r := range res.Modes {
		name := fmt.Sprintf("%s (%d ms, %d stages)", r.Mode, r.PacketMS, r.Stages)
		if r.Stages == 1 {
			name = fmt.Sprintf("%s (%d ms, 1 stage)", r.Mode, r.PacketMS)
		}
		lost := fmt.Sprintf("%s: %.1f %% (%.1f %%)", r.Pattern.Name, 100*float64(r.Lost)/float64(max(r.Packets, 1)),
			100*float64(r.Concealed)/float64(max(r.Packets, 1)))
		if pesq {
			fmt.Fprintf(b, "| %s | %d | %s | %.3f | %.3f | %.3f | %.3f |\n", name, r.BitrateBPS, lost,
				r.PESQWB.Mean, r.PESQNB.Mean, r.Score.STOI.Mean, r.Score.ESTOI.Mean)
		} else {
			fmt.Fprintf(b, "| %s | %d | %s | %.3f | %.3f |\n", name, r.BitrateBPS, lost, r.Score.STOI.Mean, r.Score.ESTOI.Mean)
		}
	}
}
