package device

import (
	"sync"
	"sync/atomic"
)

// Ring is a fixed-size single-producer single-consumer queue of samples.
// One goroutine may call Write and WaitSpace while another calls Read and
// WaitData; neither allocates nor takes a lock. Positions are monotonic
// counters, so the fill level is simply written minus read.
type Ring struct {
	buf   []float32
	r, w  atomic.Int64 // samples read and written since the start
	data  chan struct{}
	space chan struct{}
	done  chan struct{}
	once  sync.Once
}

// NewRing returns a ring holding up to size samples.
func NewRing(size int) *Ring {
	return &Ring{
		buf:   make([]float32, max(size, 1)),
		data:  make(chan struct{}, 1),
		space: make(chan struct{}, 1),
		done:  make(chan struct{}),
	}
}

// Cap is the ring's size in samples.
func (q *Ring) Cap() int { return len(q.buf) }

// Len is the number of samples waiting to be read.
func (q *Ring) Len() int { return int(q.w.Load() - q.r.Load()) }

// Write copies as much of p as fits and returns how many samples it took.
func (q *Ring) Write(p []float32) int {
	w := q.w.Load()
	n := min(len(p), len(q.buf)-int(w-q.r.Load()))
	if n <= 0 {
		return 0
	}
	i := int(w % int64(len(q.buf)))
	k := copy(q.buf[i:], p[:n])
	copy(q.buf, p[k:n])
	q.w.Store(w + int64(n))
	signal(q.data)
	return n
}

// Read moves up to len(p) samples into p and returns how many.
func (q *Ring) Read(p []float32) int {
	r := q.r.Load()
	n := min(len(p), int(q.w.Load()-r))
	if n <= 0 {
		return 0
	}
	i := int(r % int64(len(q.buf)))
	k := copy(p[:n], q.buf[i:])
	copy(p[k:n], q.buf)
	q.r.Store(r + int64(n))
	signal(q.space)
	return n
}

// WaitData blocks until at least n samples (at most Cap) can be read or the
// ring is closed; it reports whether the data is there.
func (q *Ring) WaitData(n int) bool {
	n = min(n, len(q.buf))
	for q.Len() < n {
		select {
		case <-q.data:
		case <-q.done:
			return q.Len() >= n
		}
	}
	return true
}

// WaitSpace blocks until at least n samples (at most Cap) can be written or
// the ring is closed; it reports whether the space is there. A producer
// should wait for 1 and write what fits: if both sides waited for more, a
// reader waiting for more data than the ring holds and a writer waiting for
// more space than is free would wait for each other forever.
func (q *Ring) WaitSpace(n int) bool {
	n = min(n, len(q.buf))
	for len(q.buf)-q.Len() < n {
		select {
		case <-q.space:
		case <-q.done:
			return false
		}
	}
	return true
}

// Close wakes every waiter for good. Data already written stays readable.
func (q *Ring) Close() { q.once.Do(func() { close(q.done) }) }

// Done is closed by Close.
func (q *Ring) Done() <-chan struct{} { return q.done }

// signal wakes a waiter without ever blocking the caller: the channel holds
// one token, and a token already there means the waiter will recheck anyway.
func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}
