// Package bench is vqspeak's benchmark harness: it codes a set of clips at
// each stage count (and through peer codecs found in PATH: Opus, Codec 2,
// Speex), scores them with package bench/metrics, times every packet, and
// renders the tables, JSON and plots of the README. Package bench/loss does
// the same for packet loss, FEC and DTX. The codec never imports it.
package bench
