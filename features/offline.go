package features

import "math"

// AnalysisOptions substitute parts of the real-time analysis, for the
// experiments that find where the vocoder loses quality (vqspeak bench
// -decompose). The zero value is the Analyzer's own analysis.
type AnalysisOptions struct {
	// OfflinePitch keeps the tracker's voicing decisions but chooses each
	// voiced run's F0 path by a Viterbi search over the whole run with
	// backtracking (unlimited lookahead) instead of the causal recursion.
	OfflinePitch bool
	// VoicingEdges, if set, are band edges (Hz) of the voicing measured
	// into OfflineFrame.Bands, finer than VoicingBandEdges.
	VoicingEdges []float64
	// NoDCBlocker feeds the input to the analysis without the 20 Hz
	// high-pass.
	NoDCBlocker bool
	// Lifter, when not 0, is CheapTrick's q1: the envelope's cepstrum is
	// multiplied by (1−2q1) + 2q1·cos(2πq·f0/fs) (WORLD uses −0.15).
	Lifter float64
	// SmoothWidth, when > 0, is the envelope's smoothing width in
	// harmonic spacings instead of 1.
	SmoothWidth float64
	// WindowPeriods, when > 0, makes the envelope's window this many
	// pitch periods long (at most the usual 20 ms) in voiced frames, as
	// CheapTrick's three periods, instead of always 20 ms.
	WindowPeriods float64
}

// OfflineFrame is one analysis instant of AnalyzeOffline.
type OfflineFrame struct {
	Frame
	// LogEnvelope is the smoothed log amplitude spectrum (bins 0..
	// EnvelopeFFTSize/2) before its reduction to the mel-cepstrum.
	LogEnvelope []float64
	// Bands is the voicing in the bands of AnalysisOptions.VoicingEdges.
	Bands []float32
}

// AnalyzeOffline analyses a whole signal with the options: frame h
// describes sample h·HopSize, as the h-th Push of an Analyzer fed x (then
// zeros) does. It allocates freely and is meant for experiments only.
func AnalyzeOffline(x []float32, opt AnalysisOptions) []OfflineFrame {
	hops := (len(x)+HopSize-1)/HopSize + 1
	in := make([]float32, hops*HopSize)
	copy(in, x)
	var f0s []float64
	if opt.OfflinePitch {
		f0s = offlinePitch(in, hops, opt.NoDCBlocker)
	}
	a := NewAnalyzer()
	a.noDC = opt.NoDCBlocker
	a.env.q1 = opt.Lifter
	a.env.widthF0 = opt.SmoothWidth
	a.env.periods = opt.WindowPeriods
	var bands *BandVoicing
	if opt.VoicingEdges != nil {
		bands = newBandVoicing(SampleRate, opt.VoicingEdges)
	}
	out := make([]OfflineFrame, hops)
	for h := range out {
		if f0s != nil {
			a.force, a.forceF0 = true, f0s[h]
		}
		fr := &out[h]
		a.Push(&fr.Frame, in[h*HopSize:(h+1)*HopSize])
		fr.LogEnvelope = append([]float64(nil), a.env.logAmp...)
		if bands != nil {
			fr.Bands = make([]float32, len(opt.VoicingEdges)-1)
			bands.analyze(fr.Bands, a.buf, len(a.buf)-Lookahead, fr.F0)
		}
	}
	return out
}

// offlinePitch runs the tracker over in and re-decides the F0 of every
// voiced run by a full Viterbi search over the candidates the tracker saw,
// with the tracker's local and transition costs.
func offlinePitch(in []float32, hops int, noDC bool) []float64 {
	a := NewAnalyzer()
	a.noDC = noDC
	type frame struct {
		cands []ptCand
		local []float64
	}
	frames := make([]frame, hops)
	f0s := make([]float64, hops)
	var fr Frame
	for h := range hops {
		a.Push(&fr, in[h*HopSize:(h+1)*HopSize])
		f0s[h] = fr.F0
		t := a.pitch
		if fr.F0 > 0 && t.n > 0 {
			frames[h] = frame{append([]ptCand(nil), t.cands[:t.n]...), append([]float64(nil), t.local[:t.n]...)}
		}
	}
	for start := 0; start < hops; {
		if f0s[start] == 0 || frames[start].cands == nil {
			start++
			continue
		}
		end := start
		for end < hops && f0s[end] > 0 && frames[end].cands != nil {
			end++
		}
		// Viterbi over frames [start, end).
		cost := [][]float64{append([]float64(nil), frames[start].local...)}
		from := [][]int{make([]int, len(frames[start].cands))}
		for h := start + 1; h < end; h++ {
			p, c := frames[h-1], frames[h]
			pc := cost[len(cost)-1]
			row, back := make([]float64, len(c.cands)), make([]int, len(c.cands))
			for j, cj := range c.cands {
				best, bi := math.Inf(1), 0
				for i, ci := range p.cands {
					v := pc[i] + ptTransWeight*math.Abs(cj.logf-ci.logf)
					if v < best {
						best, bi = v, i
					}
				}
				row[j], back[j] = best+c.local[j], bi
			}
			cost, from = append(cost, row), append(from, back)
		}
		last := cost[len(cost)-1]
		j := 0
		for i, v := range last {
			if v < last[j] {
				j = i
			}
		}
		for h := end - 1; h >= start; h-- {
			f0s[h] = float64(SampleRate) / frames[h].cands[j].lag
			j = from[h-start][j]
		}
		start = end
	}
	return f0s
}
