// Package features is vqspeak's speech analysis: every 10 ms (HopSize) at
// 16 kHz it measures the spectral envelope as a 24th-order mel-cepstrum
// (α = 0.42, from a 20 ms Hann window whose power spectrum is averaged over
// one harmonic spacing, as WORLD's CheapTrick does), the pitch (normalised
// cross-correlation candidates and a causal Viterbi tracker) and the
// voicing in five bands. Analyzer does all three on a stream, one hop at a
// time, with 10 ms of lookahead and no allocation after NewAnalyzer; the
// codec quantises what it returns (Frame) and its vocoder turns frames back
// into speech.
//
// Audio at other rates is converted by package features/resample first.
package features
