package bench

import (
	"fmt"
	"io"
	"strings"
)

// WriteTable prints res as Markdown tables: the mean quality of every row,
// the worst file of each row, and the timing of the vqspeak rows.
func WriteTable(w io.Writer, res *Result) error {
	var b strings.Builder
	latency := fmt.Sprintf("%.0f ms", res.LatencyMS)
	for _, r := range res.Rows {
		if r.PacketMS == 40 {
			latency += " (50 ms for the 40 ms modes)"
			break
		}
	}
	fmt.Fprintf(&b, "%d files, %.1f min of speech at %d Hz; algorithmic latency %s; codebook %.12s; %s %s, GOMAXPROCS %d\n\n",
		len(res.Files), res.AudioSeconds/60, res.SampleRate, latency, res.Codebook, res.GoVersion, res.GOARCH, res.GOMAXPROCS)
	hasQuality := false
	for _, r := range res.Rows {
		if len(r.PerFile) > 0 {
			hasQuality = true
		}
	}
	if hasQuality {
		pesq := hasPESQ(res)
		if pesq {
			b.WriteString("| codec | setting | b/s | PESQ-WB | PESQ-NB | STOI | ESTOI | MCD dB | LSD dB | F0 RMSE cents | F0 RMSE Hz | voicing err |\n")
			b.WriteString("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
		} else {
			b.WriteString("| codec | setting | b/s | STOI | ESTOI | MCD dB | LSD dB | F0 RMSE cents | F0 RMSE Hz | voicing err |\n")
			b.WriteString("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|\n")
		}
		for _, r := range res.Rows {
			if len(r.PerFile) == 0 {
				continue
			}
			q := r.Quality
			fmt.Fprintf(&b, "| %s | %s | %s | ", r.Codec, r.Setting, bitrate(r))
			if pesq {
				fmt.Fprintf(&b, "%s | %s | ", orDash(q.PESQWB, "%.3f"), orDash(q.PESQNB, "%.3f"))
			}
			fmt.Fprintf(&b, "%.3f | %.3f | %.2f | %.2f | %s | %s | %.3f |\n",
				q.STOI.Mean, q.ESTOI.Mean, q.MCD.Mean, q.LSD.Mean,
				orDash(q.F0RMSECents, "%.0f"), orDash(q.F0RMSEHz, "%.1f"), q.VoicingError.Mean)
		}
		b.WriteString("\nWorst file per metric:\n\n")
		b.WriteString("| codec | setting | STOI | MCD dB | F0 RMSE cents | voicing err |\n")
		b.WriteString("|---|---|---|---|---|---|\n")
		for _, r := range res.Rows {
			if len(r.PerFile) == 0 {
				continue
			}
			q := r.Quality
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", r.Codec, r.Setting,
				worst(q.STOI, "%.3f"), worst(q.MCD, "%.2f"), worst(q.F0RMSECents, "%.0f"), worst(q.VoicingError, "%.3f"))
		}
	}
	hasTiming := false
	for _, r := range res.Rows {
		if r.Timing != nil {
			hasTiming = true
		}
	}
	if hasTiming {
		if hasQuality {
			b.WriteString("\n")
		}
		if strings.Contains(latency, "40 ms modes") {
			b.WriteString("Speed per packet (20 ms; 40 ms for the low-rate modes) on one core (µs):\n\n")
		} else {
			b.WriteString("Speed per 20 ms packet on one core (µs):\n\n")
		}
		b.WriteString("| stages | packets | encode p50 | p99 | max | decode p50 | p99 | max | real-time factor | allocs/packet | streams/core |\n")
		b.WriteString("|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
		for _, r := range res.Rows {
			t := r.Timing
			if t == nil {
				continue
			}
			stages := fmt.Sprint(r.Stages)
			if r.PacketMS == 40 {
				stages = fmt.Sprintf("%d (%s mode, 40 ms packets)", r.Stages, r.Mode)
			}
			fmt.Fprintf(&b, "| %s | %d | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %.4f | %g | %.1f |\n",
				stages, t.Packets, t.Encode.P50, t.Encode.P99, t.Encode.Max,
				t.Decode.P50, t.Decode.P99, t.Decode.Max, t.RealTimeFactor, t.AllocsPerPacket(), t.Streams)
		}
	}
	if len(res.Skipped) > 0 {
		fmt.Fprintf(&b, "\nskipped %d of %d files:\n", len(res.Skipped), len(res.Skipped)+len(res.Files))
		for _, sk := range res.Skipped {
			fmt.Fprintf(&b, "- %s: %s\n", sk.File, sk.Reason)
		}
	}
	for _, n := range res.Notes {
		fmt.Fprintf(&b, "\nnote: %s", n)
	}
	if len(res.Notes) > 0 {
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func bitrate(r Row) string {
	if r.BitrateBPS == 0 {
		return "—"
	}
	return fmt.Sprintf("%.0f", r.BitrateBPS)
}

func orDash(s Stat, format string) string {
	if s.Files == 0 {
		return "—"
	}
	return fmt.Sprintf(format, s.Mean)
}

func worst(s Stat, format string) string {
	if s.Files == 0 {
		return "—"
	}
	return fmt.Sprintf(format+" (%s)", s.Worst, BaseName(s.WorstFile))
}

// hasPESQ reports whether any row has a PESQ score.
func hasPESQ(res *Result) bool {
	for _, r := range res.Rows {
		if r.Quality.PESQWB.Files > 0 {
			return true
		}
	}
	return false
}
