package vqs

import (
	"errors"
	"fmt"
	"io"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/codec/vqs/compact"
	"github.com/vqspeak/vqspeak/rvq"
)

// kindCompact is the block kind of compact blocks (see package compact).
const kindCompact = 0x01

// NewCompactPacketWriter is NewPacketWriter for a file of compact,
// entropy-coded blocks (header flag FlagCompactBlocks), for packets
// made with a codebook of 2^indexBits entries (IndexBits(cb)). Blocks whose
// packets do not parse with that width, or that coding would not shrink,
// are stored plain. Compact files are 17 % (4 stages) to 39 % (1 stage)
// smaller (see the README); they cost a block of delay, so keep plain files
// for live use.
func NewCompactPacketWriter(w io.Writer, h Header, indexBits int) (*PacketWriter, error) {
	if indexBits < 1 || indexBits > compact.MaxIndexBits {
		return nil, fmt.Errorf("vqs: index bits %d out of range 1..%d", indexBits, compact.MaxIndexBits)
	}
	c, err := compact.NewCoder(indexBits)
	if err != nil {
		return nil, err
	}
	h.Flags |= FlagCompactBlocks
	fw := &PacketWriter{
		perBlock: DefaultBlockPackets,
		blk:      make([]byte, blockHeaderLen+DefaultBlockPackets*(1+MaxPacketLen)+blockCRCLen),
		compact:  c,
		cblk:     make([]byte, 0, maxBlockLen),
	}
	if err := fw.Reset(w, h); err != nil {
		return nil, err
	}
	return fw, nil
}

// SetCompactTableSet makes a compact writer code the following blocks with
// static table set n (1..compact.TableSets; 0: no static tables) instead of
// compact.DefaultTableSet, for measurements. Releases of vqspeak before set
// 2 existed read sets 0 and 1 only. It fails on a plain writer and for a
// set that does not exist.
func (fw *PacketWriter) SetCompactTableSet(n int) error {
	if fw.compact == nil {
		return errors.New("vqs: SetCompactTableSet on a plain file writer")
	}
	return fw.compact.SetTableSet(n)
}

// NewCompactEncoder is NewEncoder writing compact blocks.
func NewCompactEncoder(w io.Writer, cb *rvq.Codebook, stages int) (*Encoder, error) {
	return newEncoder(cb, stages, func(h Header) (*PacketWriter, error) {
		return NewCompactPacketWriter(w, h, codec.IndexBits(cb))
	})
}
