package loss

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// runs returns the lengths of the runs of lost packets in mask.
func runs(mask []bool) []int {
	var out []int
	n := 0
	for _, m := range append(slices.Clone(mask), false) {
		if m {
			n++
		} else if n > 0 {
			out = append(out, n)
			n = 0
		}
	}
	return out
}

func TestMaskRates(t *testing.T) {
	const n = 200000
	for _, p := range []Pattern{
		{Rate: 0}, {Rate: 0.05}, {Rate: 0.1}, {Rate: 0.2}, {Rate: 0.5},
		{Rate: 0.1, Burst: 3}, {Rate: 0.05, Burst: 3}, {Rate: 0.3, Burst: 2}, {Rate: 0.2, Burst: 5},
	} {
		t.Run(fmt.Sprintf("%g/%d", p.Rate, p.Burst), func(t *testing.T) {
			mask, err := p.Mask(make([]bool, n), rand.New(rand.NewPCG(1, 2)))
			if err != nil {
				t.Fatal(err)
			}
			rs := runs(mask)
			lost, pairs := 0, 0
			for i, m := range mask {
				if m {
					lost++
					if i+1 < n && mask[i+1] {
						pairs++
					}
				}
			}
			if got := float64(lost) / n; got < p.Rate-0.005 || got > p.Rate+0.005 {
				t.Errorf("lost %.4f of the packets, want %.3f ± 0.005", got, p.Rate)
			}
			if p.Burst > 1 {
				for _, r := range rs {
					if r != p.Burst {
						t.Fatalf("a burst of %d, want exactly %d", r, p.Burst)
					}
				}
				return
			}
			// Independent losses: a loss follows a loss as often as any packet is lost.
			if lost > 0 {
				if got := float64(pairs) / float64(lost); got < p.Rate-0.01 || got > p.Rate+0.01 {
					t.Errorf("P(loss | previous lost) = %.4f, want %.3f ± 0.01", got, p.Rate)
				}
			}
		})
	}
}

// TestMaskEnd checks that bursts are never cut short by the end of the
// stream, even when it is shorter than a burst.
func TestMaskEnd(t *testing.T) {
	p := Pattern{Rate: 0.7, Burst: 3}
	for n := range 40 {
		for seed := range uint64(20) {
			mask, err := p.Mask(make([]bool, n), rand.New(rand.NewPCG(seed, 0)))
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range runs(mask) {
				if r != 3 {
					t.Fatalf("%d packets, seed %d: a burst of %d in %v", n, seed, r, mask)
				}
			}
		}
	}
}

func TestMaskDeterministic(t *testing.T) {
	p := Pattern{Rate: 0.1}
	mask := func(seed uint64, clip string, p Pattern) []bool {
		m, err := p.Mask(make([]bool, 2000), RNG(seed, clip, p))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	a := mask(1, "a.wav", p)
	if !slices.Equal(a, mask(1, "a.wav", p)) {
		t.Error("same seed, clip and pattern gave different losses")
	}
	for _, tc := range []struct {
		seed uint64
		clip string
		p    Pattern
	}{{2, "a.wav", p}, {1, "b.wav", p}, {1, "a.wav", Pattern{Rate: 0.1, Burst: 3}}, {1, "a.wav", Pattern{Rate: 0.11}}} {
		if slices.Equal(a, mask(tc.seed, tc.clip, tc.p)) {
			t.Errorf("seed %d, clip %s, pattern %+v: same losses as seed 1, a.wav, %+v", tc.seed, tc.clip, tc.p, p)
		}
	}
	// The name does not enter the seed: renaming a row keeps its losses.
	if !slices.Equal(a, mask(1, "a.wav", Pattern{Name: "other", Rate: 0.1})) {
		t.Error("the pattern's name changed the losses")
	}
}

func TestPatternCheck(t *testing.T) {
	for _, p := range []Pattern{{Rate: -0.1}, {Rate: 1}, {Rate: 0.75, Burst: 3}, {Rate: 0.1, Burst: -1}} {
		if _, err := p.Mask(make([]bool, 10), rand.New(rand.NewPCG(1, 1))); !errors.Is(err, ErrPattern) {
			t.Errorf("%+v: err %v, want ErrPattern", p, err)
		}
	}
	for _, p := range DefaultPatterns {
		if err := p.Check(); err != nil {
			t.Errorf("default pattern %q: %v", p.Name, err)
		}
	}
}

func ExamplePattern_Mask() {
	p := Pattern{Name: "bursts of 3, 20 %", Rate: 0.2, Burst: 3}
	mask, err := p.Mask(make([]bool, 40), RNG(1, "talk.wav", p))
	if err != nil {
		panic(err)
	}
	for _, lost := range mask {
		if lost {
			fmt.Print("x")
		} else {
			fmt.Print(".")
		}
	}
	fmt.Println()
	// Output: ...xxx...................xxx........xxx.
}
