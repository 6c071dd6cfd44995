package loss

import (
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
)

// ErrPattern reports a loss pattern that cannot be generated.
var ErrPattern = errors.New("loss: bad loss pattern")

// A Pattern says which packets a simulated network drops.
//
// Burst ≤ 1 drops each packet independently with probability Rate (two
// losses in a row happen by chance). Burst ≥ 2 drops bursts of exactly
// Burst consecutive packets, each followed by at least one received
// packet, started at random so that the long-run fraction lost is Rate.
type Pattern struct {
	Name  string  `json:"name"`
	Rate  float64 `json:"rate"`  // long-run fraction of packets lost
	Burst int     `json:"burst"` // packets per burst; 0 or 1: independent losses
}

// DefaultPatterns are the conditions of the loss table: no loss, 5, 10 and
// 20 % independent losses, and bursts of 3 packets at 10 % (the same share
// as the 10 % row, concentrated).
var DefaultPatterns = []Pattern{
	{Name: "0 %", Rate: 0},
	{Name: "5 % random", Rate: 0.05},
	{Name: "10 % random", Rate: 0.10},
	{Name: "20 % random", Rate: 0.20},
	{Name: "bursts of 3, 10 %", Rate: 0.10, Burst: 3},
}

// Check reports whether the pattern can be generated: 0 ≤ Rate < 1, and
// for bursts Rate < Burst/(Burst+1) (every burst needs a received packet
// after it).
func (p Pattern) Check() error {
	limit := 1.0
	if p.Burst > 1 {
		limit = float64(p.Burst) / float64(p.Burst+1)
	}
	if !(p.Rate >= 0 && p.Rate < limit) || p.Burst < 0 {
		return fmt.Errorf("%w: rate %g with bursts of %d (want 0 ≤ rate < %.3g)", ErrPattern, p.Rate, p.Burst, limit)
	}
	return nil
}

// Mask marks the lost packets of a stream of len(dst) packets in dst
// (true = lost), drawing from rng, and returns dst. A burst never runs
// past the end of dst, so every burst has exactly Burst packets.
func (p Pattern) Mask(dst []bool, rng *rand.Rand) ([]bool, error) {
	if err := p.Check(); err != nil {
		return dst, err
	}
	clear(dst)
	if p.Rate == 0 {
		return dst, nil
	}
	if p.Burst <= 1 {
		for i := range dst {
			dst[i] = rng.Float64() < p.Rate
		}
		return dst, nil
	}
	// At each free position a burst starts with probability q: it takes
	// Burst+1 packets (Burst lost, one received), otherwise one packet is
	// received. The long-run loss rate is q·B/(1+q·B); solve for q.
	b := p.Burst
	q := p.Rate / (float64(b) * (1 - p.Rate))
	for i := 0; i < len(dst); {
		if i+b <= len(dst) && rng.Float64() < q {
			for j := range b {
				dst[i+j] = true
			}
			i += b + 1
			continue
		}
		i++
	}
	return dst, nil
}

// RNG returns the generator for one clip and pattern: seeded by seed, the
// clip's name and the pattern's rate and burst length, so that a clip gets
// the same losses whatever other clips are measured with it, and every
// scheme sees the same losses.
func RNG(seed uint64, clip string, p Pattern) *rand.Rand {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s|%g|%d", clip, p.Rate, p.Burst)
	return rand.New(rand.NewPCG(seed, h.Sum64()))
}
