package main

import (
	"bufio"
	"bytes"
	"context"
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
			fs.String("codebook", "", "codebook `FILE` (default: the embedded one, also named \"default\")")
			fs.String("o", "-", "output `FILE` (default stdout)")
		},
		run:    runTokens,
		writes: true,
	})
	register(&command{
		name:    "untokens",
		args:    "[-format jsonl|csv] [-codebook FILE] IN.jsonl|IN.csv OUT.wav",
		summary: "Turn speech tokens (as written by \"vqspeak tokens\", or generated) back into audio.\nEvery field is checked; a bad one is reported with its line. Gaps in time are concealed.",
		flags: func(fs *flag.FlagSet) {
			fs.String("format", "", "`jsonl` or csv (default: from the file name, else jsonl)")
			fs.String("codebook", "", "codebook `FILE` (default: the embedded one, also named \"default\")")
		},
		run:    runUntokens,
		writes: true,
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
		return usagef("want one input file, got %s", plural(int64(len(args)), "argument"))
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
	outPath := stringFlag(fs, "o")
	out, err := e.createOutput(outPath, args[0])
	if err != nil {
		return err
	}
	defer out.Abort()
	e.warnExt(outPath, "tokens", ".jsonl", ".json", ".csv")
	br := bufio.NewReader(in)
	var (
		file          io.Reader = br
		interrupted   bool
		encodedBefore float64 // seconds encoded when Ctrl-C stopped the encoding
	)
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
		encoded, stopped, err := src.EncodeInto(e.ctx, fe)
		if err != nil {
			return fmt.Errorf("%s: %w", args[0], err)
		}
		if err := fe.Close(); err != nil {
			return err
		}
		for _, d := range src.Damage() {
			fmt.Fprintf(e.stderr, "%s: warning: %v\n", args[0], d)
		}
		interrupted, encodedBefore = stopped, float64(encoded)/codec.SampleRate
		file = &buf
	}
	fr, err := vqs.NewPacketReader(file)
	if err != nil {
		return fmt.Errorf("%s: %w", args[0], err)
	}
	h := fr.Header()
	if h.CodebookFingerprint != cb.Fingerprint() {
		return fmt.Errorf("%s: %w: file needs codebook %x, given %x", args[0], vqs.ErrCodebookMismatch, h.CodebookFingerprint, cb.Fingerprint())
	}
	if m, err := h.Mode(); err != nil {
		return fmt.Errorf("%s: %w", args[0], err)
	} else if m.LowRate() {
		return fmt.Errorf("%s: tokens carry 20 ms packets only; this file is in the %s b/s mode (40 ms packets)", args[0], m.Name())
	}
	// The pads index the file's pad book: it must be the one untokens
	// will decode them with (decode refuses the file otherwise), and the
	// token header names it as the .vqs header does.
	dec, err := codec.NewDecoder(cb)
	if err != nil {
		return err
	}
	if err := vqs.CheckPadBook(h, dec.PadBook()); err != nil {
		return fmt.Errorf("%s: %w", args[0], err)
	}
	stages := max(1, min(int(h.Stages), cb.NumStages()))
	th := tokens.Header{Codebook: cb.Fingerprint(), Stages: stages}
	if h.Flags&vqs.FlagPadStages != 0 {
		th.PadBook, th.PadBookTag = true, h.PadBookTag
	}
	if err := tokens.WriteHeader(out.W, format, th); err != nil {
		return err
	}
	tw, err := tokens.NewWriter(out.W, format, stages)
	if err != nil {
		return err
	}
	bits := codec.IndexBits(cb)
	var (
		tok tokens.Token
		buf []byte
		n   int64 // packet number in the file: lost packets leave a gap in time
	)
	for !interrupted {
		if e.ctx.Err() != nil {
			interrupted, encodedBefore = true, -1
			break
		}
		p, err := fr.ReadPacket(buf[:0])
		var ce *vqs.CorruptBlockError
		switch {
		case err == io.EOF:
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
		if err == io.EOF {
			break
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
	if interrupted && encodedBefore >= 0 {
		// Ctrl-C during the encoding: the tokens of what was encoded.
		for {
			p, err := fr.ReadPacket(buf[:0])
			if err != nil {
				break // the buffer was written here: io.EOF
			}
			buf = p
			tok.Time = float64(n) * codec.PacketDuration.Seconds()
			n++
			if codec.ParsePacket(&tok.Packet, p, bits, cb.NumStages()) == nil {
				if err := tw.Write(&tok); err != nil {
					return err
				}
			}
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if interrupted && out.replaces {
		return out.keepExisting()
	}
	if err := out.Commit(); err != nil {
		return err
	}
	if interrupted {
		return fmt.Errorf("%w: %s holds the tokens of the first %.2f s (%s)", errInterrupted,
			outName(outPath), float64(n)*codec.PacketDuration.Seconds(), plural(n, "packet"))
	}
	return nil
}

// outName names an output in a message.
func outName(path string) string {
	if path == "-" {
		return "stdout"
	}
	return path
}

func runUntokens(e *env, fs *flag.FlagSet, args []string) error {
	if len(args) != 2 {
		return usagef("want a token file and an output file, got %s", plural(int64(len(args)), "argument"))
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
	out, err := e.createOutput(args[1], args[0])
	if err != nil {
		return err
	}
	defer out.Abort()
	e.warnExt(args[1], "a WAV file", ".wav")
	ww, err := audiofile.NewWAVWriter(out.W, codec.SampleRate)
	if err != nil {
		return err
	}
	interrupted, err := untokens(e.ctx, in, format, cb, ww)
	if err != nil {
		return fmt.Errorf("%s: %w", args[0], err)
	}
	if err := ww.Close(); err != nil {
		return err
	}
	if interrupted && out.replaces {
		return out.keepExisting()
	}
	if err := out.Commit(); err != nil {
		return err
	}
	if interrupted {
		return fmt.Errorf("%w: %s is a valid WAV file holding the first %.2f s", errInterrupted,
			outName(args[1]), float64(ww.Samples())/codec.SampleRate)
	}
	return nil
}

// untokens decodes a token stream into ww as vqs.Decoder decodes a
// .vqs file: the same samples, the codec delay dropped, gaps in time
// concealed. A cancelled ctx stops it between records (interrupted).
func untokens(ctx context.Context, r io.Reader, format tokens.Format, cb *rvq.Codebook, ww *audiofile.WAVWriter) (interrupted bool, err error) {
	dec, err := codec.NewDecoder(cb)
	if err != nil {
		return false, err
	}
	r, h, headerLines, err := tokens.ReadHeader(r, format)
	if err != nil {
		return false, err
	}
	stages := cb.NumStages()
	// Without a header there is nothing to check the pads against: they
	// are decoded with the decoder's pad book (codec.ErrPacketPad if none).
	padChecked := h == nil || h.PadBook
	if h != nil {
		if h.Codebook != cb.Fingerprint() {
			return false, fmt.Errorf("%w: file needs codebook %x, given %x", vqs.ErrCodebookMismatch, h.Codebook, cb.Fingerprint())
		}
		if h.Stages > stages {
			return false, fmt.Errorf("the tokens have %d stages, the codebook %d", h.Stages, stages)
		}
		stages = h.Stages
		if err := h.CheckPadBook(dec.PadBook(), false); err != nil {
			return false, err
		}
	}
	defer func() { // line numbers count the header line too
		var te *tokens.Error
		if errors.As(err, &te) {
			te.Line += headerLines
		}
	}()
	tr := tokens.NewReader(r, format, cb.Size, stages)
	bits := codec.IndexBits(cb)
	var (
		tok    tokens.Token
		packet []byte
		pcm    []float32
		next   int64 // packet number expected next
		skip   = codec.Delay
	)
	write := func() error { // pcm less the codec delay at the start
		n := min(skip, len(pcm))
		skip -= n
		err := ww.WriteSamples(pcm[n:])
		pcm = pcm[:0]
		return err
	}
	for {
		if ctx.Err() != nil {
			return true, nil
		}
		err := tr.Read(&tok)
		if err == io.EOF {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		i := tokens.PacketIndex(tok.Time)
		switch gap := i - next; {
		case gap < 0:
			return false, &tokens.Error{Line: tr.Line(), Field: "t", Err: fmt.Errorf("%w: %g s comes before the previous record's time", tokens.ErrRange, tok.Time)}
		case gap > tokens.MaxGap:
			return false, &tokens.Error{Line: tr.Line(), Field: "t", Err: fmt.Errorf("%w: %g s skips %d packets (at most %d)", tokens.ErrRange, tok.Time, gap, tokens.MaxGap)}
		default:
			for range gap {
				pcm = dec.Conceal(pcm)
			}
		}
		next = i + 1
		if tok.Packet.Pad != 0 && !padChecked {
			// The first pad under a header naming no pad book.
			if err := h.CheckPadBook(dec.PadBook(), true); err != nil {
				return false, &tokens.Error{Line: tr.Line(), Field: "pad", Err: err}
			}
			padChecked = true
		}
		packet = codec.AppendPacket(packet[:0], &tok.Packet, bits)
		if pcm, err = dec.Decode(pcm, packet); err != nil {
			return false, &tokens.Error{Line: tr.Line(), Err: err}
		}
		if err := write(); err != nil {
			return false, err
		}
	}
}
