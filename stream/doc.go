// Package stream turns the per-packet codec into a real-time link.
//
// Encoder takes PCM in whatever chunks a sound card delivers and emits each
// 20 ms packet, with an RTP-style sequence number and 16 kHz timestamp, the
// moment its last sample arrives. Options add in-band FEC (a low-rate copy
// of the previous packet, so that an isolated loss is rebuilt) and DTX (a
// voice-activity detector replaces silence by a 2-byte comfort-noise update
// every 320 ms). The payload of each 20 ms slot is framed as payload.go
// draws it; package stream/vqrtp carries payloads over RTP.
//
// Decoder takes packets as the network delivers them (late, lost,
// duplicated, reordered, across sequence-number wraps) into an adaptive
// jitter buffer and delivers PCM at the sound card's pace (Pull), decoding,
// rebuilding from FEC, concealing, playing comfort noise, or shedding a
// quiet packet when the buffer has been too deep for a while. Push and Pull
// may run on different goroutines and allocate nothing. EndToEnd reports
// the latency the library adds: 30 ms of codec plus the buffer.
package stream
