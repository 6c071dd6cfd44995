package stream

// unwrapper extends a wrapping counter (a 16-bit RTP sequence number, a
// 32-bit timestamp) to an int64 that keeps counting: each value is taken to
// be the one nearest to the highest seen so far, so packets up to half the
// counter's range early or late land on the right side of a wrap. The first
// value is returned as is.
type unwrapper struct {
	bits    uint
	highest int64
	started bool
}

func newUnwrapper(bits uint) unwrapper { return unwrapper{bits: bits} }

// unwrap returns v extended to 64 bits.
func (u *unwrapper) unwrap(v uint32) int64 {
	r := u.peek(v)
	if !u.started || r > u.highest {
		u.highest = r
	}
	u.started = true
	return r
}

// peek returns what unwrap would return, without taking v into account
// for the values after it.
func (u *unwrapper) peek(v uint32) int64 {
	if !u.started {
		return int64(v)
	}
	mod := int64(1) << u.bits
	diff := (int64(v) - u.highest) & (mod - 1) // forward distance in [0, mod)
	if diff >= mod/2 {
		diff -= mod
	}
	return u.highest + diff
}
