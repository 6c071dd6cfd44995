package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/codec/vqs"
)

func init() {
	register(&command{
		name:    "info",
		args:    "[-json] [-codebook FILE] FILE.vqs",
		summary: "Describe a .vqs file: duration, packets, stages, bitrate, latency, codebook, damage.",
		flags: func(fs *flag.FlagSet) {
			fs.Bool("json", false, "print JSON")
			fs.String("codebook", "", "codebook `FILE` to compare the file's fingerprint with (default: the embedded one)")
		},
		run: runInfo,
	})
}

// fileInfo is what "vqspeak info" reports.
type fileInfo struct {
	File             string        `json:"file"`
	Version          int           `json:"version"`
	SampleRate       int           `json:"sample_rate"`
	PacketMillis     float64       `json:"packet_ms"`
	EncoderStages    int           `json:"encoder_stages"`
	CodecMode        string        `json:"codec_mode"` // the mode's bitrate with the default codebook: "800" ... "3200"; "" when unknown to this build
	Packets          int64         `json:"packets"`
	DurationSeconds  float64       `json:"duration_s"`
	StagesHistogram  map[int]int64 `json:"packets_by_stages"`
	PayloadBytes     int64         `json:"payload_bytes"`
	BitrateBPS       *float64      `json:"bitrate_bps"` // while sending; null when no packet could be read (all lost)
	AverageBPS       float64       `json:"average_bps"` // payload over the whole duration, DTX gaps included
	DTXSlots         int64         `json:"dtx_slots"`   // live streams: slots not sent on purpose (DTX)
	LatencyMillis    float64       `json:"algorithmic_latency_ms"`
	Codebook         string        `json:"codebook_fingerprint"`
	CodebookMatches  bool          `json:"codebook_matches"`
	Damage           []string      `json:"damage,omitempty"`
	LostPackets      int64         `json:"lost_packets"`
	UnverifiedPacket int64         `json:"unverified_packets"`
	// issue 8: compact storage
	Mode          string  `json:"mode"` // "plain" or "compact"
	Blocks        int64   `json:"blocks"`
	CompactBlocks int64   `json:"compact_blocks"`
	FileBytes     int64   `json:"file_bytes"`
	PlainBytes    int64   `json:"plain_file_bytes"` // size of the same packets in a plain file
	SavingPercent float64 `json:"saving_percent"`
}

func runInfo(e *env, fs *flag.FlagSet, args []string) error {
	if len(args) != 1 {
		return usagef("want one .vqs file, got %s", plural(int64(len(args)), "argument"))
	}
	cb, err := loadCodebook(stringFlag(fs, "codebook"))
	if err != nil {
		return err
	}
	in, err := openInput(e, args[0])
	if err != nil {
		return err
	}
	defer in.Close()
	counted := &countingReader{r: in} // issue 8: file size for the saving
	fr, err := vqs.NewPacketReader(counted)
	if err != nil {
		return fmt.Errorf("%s: %w", args[0], err)
	}
	h := fr.Header()
	info := fileInfo{
		File:            args[0],
		Version:         int(h.Version),
		SampleRate:      int(h.SampleRate),
		PacketMillis:    float64(h.PacketDuration()) / float64(time.Millisecond),
		EncoderStages:   int(h.Stages),
		StagesHistogram: map[int]int64{},
		LatencyMillis:   float64(codec.AlgorithmicLatency) / float64(time.Millisecond),
		Codebook:        fmt.Sprintf("%x", h.CodebookFingerprint),
		CodebookMatches: h.CodebookFingerprint == cb.Fingerprint(),
	}
	mode, modeErr := h.Mode()
	if modeErr == nil {
		info.CodecMode = mode.Name()
		info.LatencyMillis = float64(mode.Latency()) / float64(time.Millisecond)
	}
	bitsPerIndex := codec.IndexBits(cb)
	var buf []byte
	for {
		p, err := fr.ReadPacket(buf[:0])
		if err == io.EOF {
			break
		}
		if err != nil {
			info.Damage = append(info.Damage, err.Error())
			if !fr.Stats().Damaged() {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			continue
		}
		buf = p
		info.PayloadBytes += int64(len(p))
		stages := -1 // unknown under another codebook
		switch {
		case !info.CodebookMatches || modeErr != nil:
		case mode.LowRate():
			if len(p) == mode.PacketSize(bitsPerIndex) {
				stages = mode.Stages
			}
		default:
			if s, err := codec.StagesForSize(len(p), bitsPerIndex, codec.MaxStages); err == nil {
				stages = s
			}
		}
		info.StagesHistogram[stages]++
	}
	st := fr.Stats()
	info.Packets = st.Packets
	info.LostPackets = st.LostPackets
	info.UnverifiedPacket = st.Unverified
	// issue 8: compact storage. The plain size is what "vqspeak encode"
	// would have written: the header, 14 bytes a block, a length byte a packet.
	info.Mode = "plain"
	if h.Flags&vqs.FlagCompactBlocks != 0 {
		info.Mode = "compact"
	}
	info.Blocks, info.CompactBlocks, info.FileBytes = st.Blocks, st.CompactBlocks, counted.n
	info.PlainBytes = vqs.PlainFileSize(st.Blocks, st.Packets, info.PayloadBytes)
	if info.PlainBytes > 0 {
		info.SavingPercent = 100 * (1 - float64(info.FileBytes)/float64(info.PlainBytes))
	}
	info.DTXSlots = st.SkippedSlots
	info.DurationSeconds = float64(st.Packets+st.LostPackets+st.SkippedSlots) * info.PacketMillis / 1000
	if st.Packets > 0 {
		bps := float64(info.PayloadBytes*8) / (float64(st.Packets) * info.PacketMillis / 1000)
		info.BitrateBPS = &bps
		info.AverageBPS = float64(info.PayloadBytes*8) / info.DurationSeconds
	}
	if boolFlag(fs, "json") {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(info)
	}
	w := e.stdout
	fmt.Fprintf(w, "file:        %s (.vqs version %d)\n", info.File, info.Version)
	fmt.Fprintf(w, "duration:    %.2f s, %d packets of %g ms at %d Hz", info.DurationSeconds, info.Packets, info.PacketMillis, info.SampleRate)
	if info.DTXSlots > 0 {
		fmt.Fprintf(w, ", %d slots not sent (DTX)", info.DTXSlots)
	}
	fmt.Fprintln(w)
	if modeErr == nil {
		fmt.Fprintf(w, "mode:        %s b/s (%g ms packets)\n", info.CodecMode, info.PacketMillis)
	} else {
		fmt.Fprintf(w, "mode:        unknown to this build: %v\n", modeErr)
	}
	fmt.Fprintf(w, "stages:      encoder set to %d;", info.EncoderStages)
	keys := make([]int, 0, len(info.StagesHistogram))
	for k := range info.StagesHistogram {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if k < 0 {
			fmt.Fprintf(w, " %d packets of unknown stage count", info.StagesHistogram[k])
		} else {
			fmt.Fprintf(w, " %d packets with %d", info.StagesHistogram[k], k)
		}
	}
	fmt.Fprintln(w)
	if info.BitrateBPS != nil {
		fmt.Fprintf(w, "bitrate:     %.0f b/s payload (%d bytes)", *info.BitrateBPS, info.PayloadBytes)
		if info.DTXSlots > 0 {
			fmt.Fprintf(w, " while sending, %.0f b/s on average", info.AverageBPS)
		}
		fmt.Fprintln(w)
	} else {
		fmt.Fprintf(w, "bitrate:     unknown: no packet could be read (%d lost)\n", info.LostPackets)
	}
	fmt.Fprintf(w, "storage:     %s, %d blocks (%d compact), %d bytes", info.Mode, info.Blocks, info.CompactBlocks, info.FileBytes)
	if info.Mode == "compact" {
		fmt.Fprintf(w, ", %.1f%% smaller than plain (%d bytes), %.0f b/s whole file",
			info.SavingPercent, info.PlainBytes, float64(info.FileBytes*8)/max(info.DurationSeconds, 1e-9))
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "latency:     %g ms algorithmic (packet + lookahead + decoder)\n", info.LatencyMillis)
	match := "matches the codebook in use"
	if !info.CodebookMatches {
		match = "DOES NOT match the codebook in use: decode with -codebook"
	}
	fmt.Fprintf(w, "codebook:    %s, %s\n", info.Codebook, match)
	if len(info.Damage) > 0 {
		fmt.Fprintf(w, "damage:      %d packets lost, %d unverified\n", info.LostPackets, info.UnverifiedPacket)
		for _, d := range info.Damage {
			fmt.Fprintf(w, "             %s\n", d)
		}
	}
	return nil
}

// countingReader counts the bytes read through it (issue 8: info's saving).
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
