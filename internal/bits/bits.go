// Package bits packs and unpacks fields of any width up to 57 bits, most
// significant bit first, as the codec's packets, the compact .vqs streams and
// stream's FEC sections lay them out. Neither type allocates beyond
// appending to the caller's slice.
package bits

// Writer appends fields MSB first to a byte slice. The zero value appends to
// a nil slice; set Buf to append to an existing one.
type Writer struct {
	Buf   []byte
	acc   uint64
	nbits int
}

// Write appends the low n bits of v (n ≤ 57).
func (w *Writer) Write(v uint64, n int) {
	w.acc = w.acc<<n | v&(1<<n-1)
	w.nbits += n
	for w.nbits >= 8 {
		w.nbits -= 8
		w.Buf = append(w.Buf, byte(w.acc>>w.nbits))
	}
}

// Flush pads the last byte with zero bits and returns the bytes written.
func (w *Writer) Flush() []byte {
	if w.nbits > 0 {
		w.Buf = append(w.Buf, byte(w.acc<<(8-w.nbits)))
		w.nbits = 0
	}
	return w.Buf
}

// Reader reads fields MSB first from Buf; past its end it reads zeros.
type Reader struct {
	Buf []byte
	pos int // bit position
}

// Read returns the next n bits (n ≤ 64).
func (r *Reader) Read(n int) uint64 {
	var v uint64
	for i := 0; i < n; i++ {
		byteIdx := r.pos >> 3
		bit := uint64(0)
		if byteIdx < len(r.Buf) {
			bit = uint64(r.Buf[byteIdx]>>(7-r.pos&7)) & 1
		}
		v = v<<1 | bit
		r.pos++
	}
	return v
}
