package netsim

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/vqspeak/vqspeak/stream"
)

// simRun sends n packets, one per 320 samples, through a Link and returns
// the log of arrivals ("seq@time").
func simRun(seed uint64, loss float64, jitter int64, n int) ([]string, *Link) {
	s := New(seed, loss, jitter)
	var log []string
	payload := make([]byte, 8)
	for i := range n {
		now := int64(i+1) * 320
		payload[0] = byte(i)
		s.Send(stream.Packet{Seq: uint16(i), Timestamp: uint32(i * 320), Payload: payload}, now)
		s.Deliver(now, func(p stream.Packet) error {
			if p.Payload[0] != byte(p.Seq) {
				log = append(log, "corrupt")
			}
			log = append(log, fmt.Sprintf("%d@%d", p.Seq, now))
			return nil
		})
	}
	s.Deliver(1<<62, func(p stream.Packet) error { log = append(log, fmt.Sprintf("%d@end", p.Seq)); return nil })
	return log, s
}

// TestNetSim: the simulated network is repeatable for a seed, loses about
// the share asked for, delays each packet by at most the jitter, and
// delivers every other packet exactly once.
func TestNetSim(t *testing.T) {
	for _, tc := range []struct {
		loss   float64
		jitter int64
	}{
		{0, 0}, {0.2, 0}, {0, 960}, {0.1, 1600}, {1, 320},
	} {
		const n = 4000
		a, s := simRun(7, tc.loss, tc.jitter, n)
		b, _ := simRun(7, tc.loss, tc.jitter, n)
		c, _ := simRun(8, tc.loss, tc.jitter, n)
		if strings.Join(a, " ") != strings.Join(b, " ") {
			t.Errorf("loss %v jitter %d: two runs with seed 7 differ", tc.loss, tc.jitter)
		}
		random := tc.loss > 0 && tc.loss < 1 || tc.jitter > 320
		if random && strings.Join(a, " ") == strings.Join(c, " ") {
			t.Errorf("loss %v jitter %d: seeds 7 and 8 give the same run", tc.loss, tc.jitter)
		}
		st := s.Stats()
		if st.Sent != n || st.Dropped+st.Delivered != n || int64(len(a)) != st.Delivered {
			t.Errorf("loss %v jitter %d: %+v, %d arrivals", tc.loss, tc.jitter, st, len(a))
		}
		// Binomial: 4 standard deviations.
		sd := 4 * math.Sqrt(n*tc.loss*(1-tc.loss))
		if d := float64(st.Dropped) - n*tc.loss; d > sd+0.5 || d < -sd-0.5 {
			t.Errorf("loss %v: dropped %d of %d", tc.loss, st.Dropped, n)
		}
		seen := map[string]bool{}
		for _, e := range a {
			seq, at, _ := strings.Cut(e, "@")
			if seen[seq] || e == "corrupt" {
				t.Fatalf("loss %v jitter %d: packet %s delivered twice or corrupt", tc.loss, tc.jitter, seq)
			}
			seen[seq] = true
			var i, when int64
			fmt.Sscan(seq, &i)
			if at == "end" {
				continue // still in flight when sending stopped
			}
			fmt.Sscan(at, &when)
			sent := (i + 1) * 320
			// Arrival is checked every 320 samples, so it may come up to a
			// step after the drawn delay.
			if when < sent || when > sent+tc.jitter+319 {
				t.Fatalf("jitter %d: packet %d sent at %d arrived at %d", tc.jitter, i, sent, when)
			}
		}
		if tc.jitter == 0 && tc.loss == 0 && st.DelaySum != 0 {
			t.Errorf("no jitter, yet total delay %d", st.DelaySum)
		}
	}
}

func TestNetSimNoAllocs(t *testing.T) {
	s := New(1, 0.1, 1600)
	p := stream.Packet{Payload: make([]byte, 12)}
	var now int64
	recv := func(stream.Packet) error { return nil }
	if a := testing.AllocsPerRun(500, func() {
		now += 320
		s.Send(p, now)
		s.Deliver(now, recv)
	}); a != 0 {
		t.Errorf("%v allocations per packet", a)
	}
}
