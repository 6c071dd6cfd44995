// Package vqs is the .vqs file container of vqspeak: a versioned header that
// names the codebook by fingerprint, then packets in blocks of up to 255,
// each block framed by a sync word and closed by a CRC-32C. It is written
// and read strictly sequentially, so pipes work, and damage costs as little
// audio as possible: a corrupt block loses only its own packets, the reader
// resynchronises on the next good block and reports what was lost
// (*CorruptBlockError, *TruncatedBlockError, Stats), and a cut file keeps
// every complete packet before the cut.
//
// Three tiers, from the wire up:
//
//   - PacketWriter and PacketReader move codec packets in and out of the
//     container and know nothing of audio. NewCompactPacketWriter writes
//     compact blocks instead: the packets' fields entropy-coded with static
//     Huffman tables (package compact; compact.Stats measures what that saves).
//   - LiveWriter writes a live stream for pipes, in any mode (20 or 40 ms
//     packets; the header and every block header say which): each packet
//     leaves in one write, as a CRC-8 frame inside live blocks whose
//     headers repeat at least every second; PacketReader reads it like a
//     file, and JoinPacketReader joins one mid-way (live.go).
//   - Encoder and Decoder turn 16 kHz float32 samples into a file and back,
//     with the codec.Encoder and codec.Decoder of one codebook; the decoder
//     conceals what damage lost, so the output keeps its timing.
//   - Writer and Reader are io.Writer and io.Reader over raw 16-bit PCM
//     (s16le, mono, 16 kHz), so a file is one io.Copy away.
//
// None of them is safe for concurrent use; a *rvq.Codebook may be shared.
package vqs
