package loss

import (
	"fmt"
	"io"
	"strings"
)

// WriteTable prints res as Markdown: a STOI and an ESTOI table (one row per
// loss pattern, one column per receiver), then FEC's cost and gain and the
// DTX results.
func WriteTable(w io.Writer, res *Result) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%d files, %.1f min; vqspeak %d stages (%.0f b/s), codebook %.12s; loss seed %d; "+
		"FEC receiver: jitter buffer fixed at %d packet, the others decode each packet as it comes\n",
		len(res.Files), res.AudioSeconds/60, res.Stages, res.BitrateBPS, res.Codebook, res.Seed, res.FECDepth)
	for _, m := range []struct {
		name string
		get  func(Score) float64
	}{
		{"STOI", func(s Score) float64 { return s.STOI.Mean }},
		{"ESTOI", func(s Score) float64 { return s.ESTOI.Mean }},
	} {
		fmt.Fprintf(&b, "\n%s (mean over files):\n\n", m.name)
		b.WriteString("| packets lost | silence inserted | repeat last packet | concealment | FEC + concealment |\n")
		b.WriteString("|---|--:|--:|--:|--:|\n")
		for _, r := range res.Rows {
			fmt.Fprintf(&b, "| %s | %.3f | %.3f | %.3f | %.3f |\n", rowLabel(&r),
				m.get(r.Scores[Silence]), m.get(r.Scores[Repeat]), m.get(r.Scores[Conceal]), m.get(r.Scores[FEC]))
		}
	}
	f := res.FEC
	fmt.Fprintf(&b, "\nFEC: %.0f → %.0f b/s payload, +%.0f b/s.", f.PlainBPS, f.FECBPS, f.CostBPS)
	for _, r := range res.Rows {
		if r.Lost == 0 {
			continue
		}
		fmt.Fprintf(&b, " %s: rebuilt %.0f %% of lost packets, STOI %+.3f over concealment.", r.Pattern.Name,
			100*float64(r.Recovered)/float64(r.Lost), r.Scores[FEC].STOI.Mean-r.Scores[Conceal].STOI.Mean)
	}
	d := res.DTX
	fmt.Fprintf(&b, "\n\nDTX: %.0f → %.0f b/s payload, %.1f %% saved; %.1f %% of the 20 ms slots not sent in full. "+
		"STOI %.3f → %.3f, ESTOI %.3f → %.3f; with only the unsent slots taken from the DTX decode: STOI %.3f, ESTOI %.3f.\n",
		d.PlainBPS, d.DTXBPS, 100*d.Saved, 100*float64(d.Silent)/float64(max(d.Slots, 1)),
		d.Plain.STOI.Mean, d.DTX.STOI.Mean, d.Plain.ESTOI.Mean, d.DTX.ESTOI.Mean, d.CNOnly.STOI.Mean, d.CNOnly.ESTOI.Mean)
	if d.Onsets > 0 {
		fmt.Fprintf(&b, "DTX onsets: %d silence→speech transitions, %d of them into speech (within 30 dB of the clip's peak); "+
			"their first %d ms vs the non-DTX decode: "+
			"median %+.1f dB, mean %+.1f dB, lowest %+.1f dB; %d more than %d dB under. "+
			"The %d ms before each transition (comfort noise under DTX) carried %+.1f dB (median, highest %+.1f dB) "+
			"of the energy after it in the non-DTX decode.\n",
			d.Transitions, d.Onsets, OnsetMS, d.OnsetDB.Median, d.OnsetDB.Mean, d.OnsetDB.Min, d.Quieter, ClipDB,
			OnsetMS, d.PreOnsetDB.Median, d.PreOnsetDB.Max)
	} else {
		fmt.Fprintf(&b, "DTX onsets: %d silence→speech transitions, none into speech.\n", d.Transitions)
	}
	writeNetwork(&b, res)
	writeModes(&b, res)
	_, err := io.WriteString(w, b.String())
	return err
}

// writeNetwork prints the real-time table.
func writeNetwork(b *strings.Builder, res *Result) {
	if len(res.Network) == 0 {
		return
	}
	fmt.Fprintf(b, "\nReal time: the stream without and with FEC through stream.Decoder's default adaptive buffer, "+
		"10 ms pulls; a network delay of 0–10 ms per file (its phase against the pulls) plus jitter uniform per packet; a stall %d ms into each file; each input sample is scored with what played in its place "+
		"(Decoder.PlayoutTimestamp), so a slot the buffer shed counts as silence. "+
		"Slots: concealed (lost, late or stretched), late (arrived after their turn) and shed (skipped to shorten the buffer), over all files; mouth to ear: median over files of the median delay from capture to playout "+
		"(codec, network, buffer).\n\n", StallAtMS)
	b.WriteString("| network | STOI | STOI FEC | FEC rebuilt | slots concealed, late, shed | with FEC | mouth to ear | with FEC |\n")
	b.WriteString("|---|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, r := range res.Network {
		rebuilt := "–"
		if r.Lost > 0 {
			rebuilt = fmt.Sprintf("%.0f %%", 100*float64(r.FEC.Recovered)/float64(r.Lost))
		}
		name := r.Network.Name
		if r.Network.Rate > 0 {
			name += fmt.Sprintf(" (%.1f %% lost)", 100*float64(r.Lost)/float64(max(r.Packets, 1)))
		}
		fmt.Fprintf(b, "| %s | %.3f | %.3f | %s | %d, %d, %d | %d, %d, %d | %.0f ms | %.0f ms |\n", name,
			r.Plain.STOI.Mean, r.FEC.STOI.Mean, rebuilt, r.Plain.Concealed, r.Plain.Late, r.Plain.Skipped, r.FEC.Concealed, r.FEC.Late, r.FEC.Skipped,
			r.Plain.MouthToEarMS, r.FEC.MouthToEarMS)
	}
}

// rowLabel names a row with the share of packets actually lost.
func rowLabel(r *Row) string {
	if r.Pattern.Rate == 0 {
		return r.Pattern.Name
	}
	return fmt.Sprintf("%s (%.1f %% lost)", r.Pattern.Name, 100*r.LostFraction())
}
