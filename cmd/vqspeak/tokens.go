package main

import (
	"bufio"
	"bytes"
	"cmp"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/codec/tokens"
	"github.com/vqspeak/vqspeak/codec/vqs"
	"github.com/vqspeak/vqspeak/internal/audiofile"
	"github.com/vqspeak/vqspeak/internal/corpus"
	"github.com/vqspeak/vqspeak/rvq"
)

func init() {
	register(&command{
		name:    "tokens",
		args:    "[-format jsonl|csv] [-stages N] [-codebook FILE] [-o FILE] IN.wav|IN.vqs",
		summary: "Write the packets of a .vqs file, or of a WAV/FLAC file encoded on the fly, as speech\ntokens: one record per 20 ms with its time, stage indices and pitch/voicing/energy fields.",
		flags: func(fs *flag.FlagSet) {
			fs.String("format", "jsonl", "`jsonl` (one JSON object a line) or csv")
			fs.Int("stages", codec.DefaultStages, "RVQ stages when encoding audio")
			fs.String("codebook", "", "codebook `FILE` (default: the embedded one)")
			fs.String("o", "-", "output `FILE` (default stdout)")
		},
		run: runTokens,
	})
	register(&command{
		name:    "untokens",
		args:    "[-format jsonl|csv] [-codebook FILE] IN.jsonl|IN.csv OUT.wav",
		summary: "Turn speech tokens (as written by \"vqspeak tokens\", or generated) back into audio.\nEvery field is checked; a bad one is reported with its line. Gaps in time are concealed.",
		flags: func(fs *flag.FlagSet) {
			fs.String("format", "", "`jsonl` or csv (default: from the file name, else jsonl)")
			fs.String("codebook", "", "codebook `FILE` (default: the embedded one)")
		},
		run: runUntokens,
	})
}

func tokenFormat(name string) (tokens.Format, error) {
	switch strings.ToLower(name) {
	case "jsonl", "json":
		return tokens.JSONL, nil
	case "csv":
		return tokens.CSV, nil
	}
	return 0, usagef("-format %q: want jsonl or csv", name)
}

func runTokens(e *env, fs *flag.FlagSet, args []string) error {
	if len(args) != 1 {
		return usagef("want one input file, got %d arguments", len(args))
	}
	format, err := tokenFormat(stringFlag(fs, "format"))
	if err != nil {
		return err
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
	br := bufio.NewReader(in)
	var file io.Reader = br
	if magic, _ := br.Peek(len(vqs.Magic)); string(magic) != vqs.Magic {
		// Audio: encode it exactly as "vqspeak encode" does.
		stages := intFlag(fs, "stages")
		if stages < 1 || stages > cb.NumStages() {
			return usagef("-stages %d: the codebook has 1 to %d stages", stages, cb.NumStages())
		}
		src, err := corpus.Open(br)
		if err != nil {
			return fmt.Errorf("%s: %w", args[0], err)
		}
		var buf bytes.Buffer // 400 bytes per second of speech
		fe, err := vqs.NewEncoder(&buf, cb, stages)
		if err != nil {
			return err
		}
		if _, interrupted, err := src.EncodeInto(e.ctx, fe); err != nil || interrupted {
			return fmt.Errorf("%s: %w", args[0], cmp.Or(err, e.ctx.Err()))
		}
		if err := fe.Close(); err != nil {
			return err
		}
		file = &buf
	}
	fr, err := vqs.NewPacketReader(file)
	if err != nil {
		return fmt.Errorf("%s: %w", args[0], err)
	}
	h := fr.Header()
	if h.CodebookFingerprint != cb.Fingerprint() {
		return fmt.Errorf("%s: %w: file needs codebook %x", args[0], vqs.ErrCodebookMismatch, h.CodebookFingerprint)
	}
	bits := codec.IndexBits(cb)
	return writeOutput(e, stringFlag(fs, "o"), func(w io.Writer) error {
		tw, err := tokens.NewWriter(w, format, max(1, min(int(h.Stages), cb.NumStages())))
		if err != nil {
			return err
		}
		var (
			tok tokens.Token
			buf []byte
			n   int64 // packet number in the file: lost packets leave a gap in time
		)
		for {
			p, err := fr.ReadPacket(buf[:0])
			var ce *vqs.CorruptBlockError
			switch {
			case err == io.EOF:
				return tw.Flush()
			case errors.As(err, &ce):
				fmt.Fprintf(e.stderr, "%s: warning: %v\n", args[0], err)
				n += int64(ce.Packets)
				continue
			case errors.Is(err, io.ErrUnexpectedEOF):
				fmt.Fprintf(e.stderr, "%s: warning: %v\n", args[0], err)
				continue
			case err != nil:
				return fmt.Errorf("%s: %w", args[0], err)
			}
			buf = p
			tok.Time = float64(n) * codec.PacketDuration.Seconds()
			n++
			if err := codec.ParsePacket(&tok.Packet, p, bits, cb.NumStages()); err != nil {
				fmt.Fprintf(e.stderr, "%s: warning: packet %d: %v\n", args[0], n-1, err)
				continue
			}
			if err := tw.Write(&tok); err != nil {
				return err
			}
		}
	})
}

func runUntokens(e *env, fs *flag.FlagSet, args []string) error {
	if len(args) != 2 {
		return usagef("want a token file and an output file, got %d arguments", len(args))
	}
	name := stringFlag(fs, "format")
	if name == "" {
		name = "jsonl"
		if strings.EqualFold(filepath.Ext(args[0]), ".csv") {
			name = "csv"
		}
	}
	format, err := tokenFormat(name)
	if err != nil {
		return err
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
	pcm, err := untokens(in, format, cb)
	if err != nil {
		return fmt.Errorf("%s: %w", args[0], err)
	}
	return writeOutput(e, args[1], func(w io.Writer) error {
		return audiofile.WriteWAV(w, pcm, codec.SampleRate)
	})
}

// untokens decodes a token stream as vqs.Decoder decodes a .vqs file:
// the same samples, the codec delay dropped, gaps in time concealed.
func untokens(r io.Reader, format tokens.Format, cb *rvq.Codebook) ([]float32, error) {
	dec, err := codec.NewDecoder(cb)
	if err != nil {
		return nil, err
	}
	tr := tokens.NewReader(r, format, cb.Size, cb.NumStages())
	bits := codec.IndexBits(cb)
	var (
		tok    tokens.Token
		packet []byte
		pcm    []float32
		next   int64 // packet number expected next
	)
	for {
		err := tr.Read(&tok)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		i := tokens.PacketIndex(tok.Time)
		switch gap := i - next; {
		case gap < 0:
			return nil, &tokens.Error{Line: tr.Line(), Field: "t", Err: fmt.Errorf("%w: %g s comes before the previous record's time", tokens.ErrRange, tok.Time)}
		case gap > tokens.MaxGap:
			return nil, &tokens.Error{Line: tr.Line(), Field: "t", Err: fmt.Errorf("%w: %g s skips %d packets (at most %d)", tokens.ErrRange, tok.Time, gap, tokens.MaxGap)}
		default:
			for range gap {
				pcm = dec.Conceal(pcm)
			}
		}
		next = i + 1
		packet = codec.AppendPacket(packet[:0], &tok.Packet, bits)
		if pcm, err = dec.Decode(pcm, packet); err != nil {
			return nil, &tokens.Error{Line: tr.Line(), Err: err}
		}
	}
	return pcm[min(codec.Delay, len(pcm)):], nil
}
