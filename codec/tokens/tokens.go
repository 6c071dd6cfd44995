// Package tokens writes and reads codec packets as text records, one per
// 20 ms, in JSONL or CSV: discrete speech tokens for language models and
// other tools. Every field of a codec.Packet is written, so tokens →
// packets → audio is exactly the codec.
package tokens

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"strconv"
	"strings"

	"github.com/vqspeak/vqspeak/codec"
)

// Format is the text syntax of a token file.
type Format int

const (
	// JSONL is one JSON object per line:
	// {"t":0.02,"index":[512,3,77,1000],"f0":60,"voicing":5,"energy":40,"mid_f0":3,"mid_voicing":2,"mid_energy":4}
	// and "pad":N after the fields when the packet's pad stage (codec.PadBook)
	// is not 0; a record without it has pad 0.
	JSONL Format = iota
	// CSV is a header line, then one row per packet:
	// t,f0,voicing,energy,mid_f0,mid_voicing,mid_energy,i1,...,iN,pad
	// where a packet with fewer than N stages leaves its last index cells
	// empty. The pad column (codec.PadBook) is optional on reading: a file
	// without it has pad 0.
	CSV
)

// MaxGap is the most packets a jump in time stamps may skip; skipped
// packets are concealed, so a bad time stamp cannot make hours of audio.
const MaxGap = 1500 // 30 s

// MaxTime is the latest time stamp accepted, in seconds (about 31 years):
// no recording is longer, and far larger ones overflow packet numbers.
const MaxTime = 1e9

// ErrSyntax means a token line cannot be parsed at all.
var ErrSyntax = errors.New("malformed token line")

// ErrRange means a token field holds a value outside its range.
var ErrRange = errors.New("token value out of range")

// Error reports a bad token record: the line (1-based) and the field.
type Error struct {
	Line  int
	Field string // "" when the line as a whole is bad
	Err   error  // wraps ErrSyntax or ErrRange
}

func (e *Error) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("line %d: %v", e.Line, e.Err)
	}
	return fmt.Sprintf("line %d: field %s: %v", e.Line, e.Field, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Token is one record: a packet and its time stamp.
type Token struct {
	Time   float64 // seconds from the start of the input to the packet's start
	Packet codec.Packet
}

// jsonToken is the JSONL form, its keys the Field names in order;
// pointers find missing fields.
type jsonToken struct {
	T          *float64 `json:"t"`
	Index      []int    `json:"index"`
	F0         *int     `json:"f0"`
	Voicing    *int     `json:"voicing"`
	Energy     *int     `json:"energy"`
	MidF0      *int     `json:"mid_f0"`
	MidVoicing *int     `json:"mid_voicing"`
	MidEnergy  *int     `json:"mid_energy"`
	Pad        *int     `json:"pad"` // optional: absent means 0
}

// Writer writes token records. It is not safe for concurrent use.
type Writer struct {
	w      *bufio.Writer
	format Format
	stages int // CSV index columns
	line   []byte
	header bool
}

// NewWriter writes records in format to w; stages is the number of
// index columns of a CSV file (packets may have fewer, not more).
func NewWriter(w io.Writer, format Format, stages int) (*Writer, error) {
	if stages < 1 || stages > codec.MaxStages {
		return nil, fmt.Errorf("%w: %d", codec.ErrStages, stages)
	}
	if format != JSONL && format != CSV {
		return nil, fmt.Errorf("tokens: unknown format %d", format)
	}
	return &Writer{w: bufio.NewWriter(w), format: format, stages: stages, line: make([]byte, 0, 256)}, nil
}

// Write writes one record.
func (tw *Writer) Write(t *Token) error {
	p := &t.Packet
	if p.Stages < 1 || p.Stages > tw.stages {
		return fmt.Errorf("%w: packet has %d stages, the writer %d", codec.ErrStages, p.Stages, tw.stages)
	}
	b := tw.line[:0]
	ts := strconv.FormatFloat(t.Time, 'f', -1, 64)
	if tw.format == CSV {
		if !tw.header {
			b = append(b, "t"...)
			for f := range codec.NumFields {
				b = append(append(b, ','), f.Name()...)
			}
			for s := 1; s <= tw.stages; s++ {
				b = strconv.AppendInt(append(b, ",i"...), int64(s), 10)
			}
			b = append(b, ",pad\n"...)
			tw.header = true
		}
		b = append(b, ts...)
		for f := range codec.NumFields {
			b = strconv.AppendInt(append(b, ','), int64(p.Field(f)), 10)
		}
		for s := range tw.stages {
			b = append(b, ',')
			if s < p.Stages {
				b = strconv.AppendInt(b, int64(p.Index[s]), 10)
			}
		}
		b = strconv.AppendInt(append(b, ','), int64(p.Pad), 10)
	} else {
		b = append(append(append(b, `{"t":`...), ts...), `,"index":[`...)
		for s := range p.Stages {
			if s > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, int64(p.Index[s]), 10)
		}
		b = append(b, ']')
		for f := range codec.NumFields {
			b = append(append(append(b, `,"`...), f.Name()...), `":`...)
			b = strconv.AppendInt(b, int64(p.Field(f)), 10)
		}
		if p.Pad != 0 {
			b = strconv.AppendInt(append(b, `,"pad":`...), int64(p.Pad), 10)
		}
		b = append(b, '}')
	}
	tw.line = append(b, '\n')
	_, err := tw.w.Write(tw.line)
	return err
}

// Flush writes buffered records to the underlying writer.
func (tw *Writer) Flush() error { return tw.w.Flush() }

// Reader reads and validates token records. It is not safe for
// concurrent use.
type Reader struct {
	sc        *bufio.Scanner
	format    Format
	size      int // codebook entries: every index must be below
	maxStages int
	line      int
	cols      []string // CSV header
	stages    int      // CSV index columns
	pad       bool     // CSV: the last column is the pad
}

// NewReader reads records in format from r, accepting indices below
// codebookSize and 1..maxStages of them per record.
func NewReader(r io.Reader, format Format, codebookSize, maxStages int) *Reader {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	return &Reader{sc: sc, format: format, size: codebookSize, maxStages: min(maxStages, codec.MaxStages)}
}

// Read reads the next record into t. It returns io.EOF at the end, a
// *Error for a bad record, or a read error.
func (tr *Reader) Read(t *Token) error {
	for tr.sc.Scan() {
		tr.line++
		line := strings.TrimSpace(tr.sc.Text())
		if line == "" {
			continue
		}
		if tr.format == CSV {
			if tr.cols == nil {
				if err := tr.csvHeader(line); err != nil {
					return err
				}
				continue
			}
			return tr.csvRecord(t, line)
		}
		return tr.jsonRecord(t, line)
	}
	if err := tr.sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return &Error{Line: tr.line + 1, Err: fmt.Errorf("%w: longer than 64 KiB", ErrSyntax)}
		}
		return err
	}
	if tr.format == CSV && tr.cols == nil {
		return &Error{Line: tr.line, Err: fmt.Errorf("%w: no CSV header", ErrSyntax)}
	}
	return io.EOF
}

func (tr *Reader) fail(field string, err error, format string, args ...any) error {
	return &Error{Line: tr.line, Field: field, Err: fmt.Errorf("%w: %s", err, fmt.Sprintf(format, args...))}
}

func (tr *Reader) csvHeader(line string) error {
	cols, err := csv.NewReader(strings.NewReader(line)).Read()
	if err != nil {
		return tr.fail("", ErrSyntax, "CSV header: %v", err)
	}
	want := []string{"t"}
	for f := range codec.NumFields {
		want = append(want, f.Name())
	}
	pad := len(cols) > 0 && strings.TrimSpace(cols[len(cols)-1]) == "pad"
	n := len(cols) - len(want)
	if pad {
		n--
	}
	if n < 1 || n > tr.maxStages {
		return tr.fail("", ErrSyntax, "CSV header has %d columns, want %d plus 1 to %d index columns and an optional pad column", len(cols), len(want), tr.maxStages)
	}
	for s := 1; s <= n; s++ {
		want = append(want, "i"+strconv.Itoa(s))
	}
	if pad {
		want = append(want, "pad")
	}
	for i := range cols {
		if strings.TrimSpace(cols[i]) != want[i] {
			return tr.fail("", ErrSyntax, "CSV header column %d is %q, want %q", i+1, cols[i], want[i])
		}
	}
	tr.cols, tr.stages, tr.pad = want, n, pad
	return nil
}

func (tr *Reader) csvRecord(t *Token, line string) error {
	cells := strings.Split(line, ",")
	if strings.Contains(line, `"`) { // RFC 4180 quoting, as spreadsheets write it
		cr := csv.NewReader(strings.NewReader(line))
		cr.FieldsPerRecord = -1
		var err error
		if cells, err = cr.Read(); err != nil {
			var pe *csv.ParseError // its line numbers count from this record
			if errors.As(err, &pe) {
				return tr.fail("", ErrSyntax, "CSV column %d: %v", pe.Column, pe.Err)
			}
			return tr.fail("", ErrSyntax, "%v", err)
		}
	}
	if len(cells) != len(tr.cols) {
		return tr.fail("", ErrSyntax, "%d cells, the header has %d", len(cells), len(tr.cols))
	}
	var vals [7 + codec.MaxStages + 1]*int
	var store [7 + codec.MaxStages + 1]int
	for i, c := range cells[1:] {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		v, err := strconv.Atoi(c)
		if err != nil {
			return tr.fail(tr.cols[i+1], ErrSyntax, "%q is not an integer", c)
		}
		store[i] = v
		vals[i] = &store[i]
	}
	ts := strings.TrimSpace(cells[0])
	tv, err := strconv.ParseFloat(ts, 64)
	if err != nil {
		return tr.fail("t", ErrSyntax, "%q is not a number", ts)
	}
	j := jsonToken{T: &tv, F0: vals[0], Voicing: vals[1], Energy: vals[2], MidF0: vals[3], MidVoicing: vals[4], MidEnergy: vals[5]}
	if tr.pad {
		j.Pad = vals[6+tr.stages]
	}
	for s := range tr.stages {
		v := vals[6+s]
		if v == nil {
			for _, w := range vals[6+s+1 : 6+tr.stages] {
				if w != nil {
					return tr.fail(tr.cols[7+s], ErrSyntax, "empty, but a later stage is not")
				}
			}
			break
		}
		j.Index = append(j.Index, *v)
	}
	return tr.fill(t, &j)
}

func (tr *Reader) jsonRecord(t *Token, line string) error {
	var j jsonToken
	d := json.NewDecoder(strings.NewReader(line))
	d.DisallowUnknownFields()
	if err := d.Decode(&j); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return tr.fail(te.Field, ErrSyntax, "want %v, got JSON %s", te.Type, te.Value)
		}
		return tr.fail("", ErrSyntax, "%v", err)
	}
	if d.More() {
		return tr.fail("", ErrSyntax, "more than one JSON value on the line")
	}
	return tr.fill(t, &j)
}

// fill validates j and stores it in t.
func (tr *Reader) fill(t *Token, j *jsonToken) error {
	if j.T == nil {
		return tr.fail("t", ErrSyntax, "missing")
	}
	if math.IsNaN(*j.T) || math.IsInf(*j.T, 0) || *j.T < 0 {
		return tr.fail("t", ErrRange, "%v is not a time", *j.T)
	}
	if *j.T > MaxTime {
		return tr.fail("t", ErrRange, "%g s is later than any recording (at most %g s)", *j.T, float64(MaxTime))
	}
	t.Time = *j.T
	p := &t.Packet
	*p = codec.Packet{}
	vals := [codec.NumFields]*int{j.F0, j.Voicing, j.Energy, j.MidF0, j.MidVoicing, j.MidEnergy}
	for f, v := range vals {
		f := codec.Field(f)
		if v == nil {
			return tr.fail(f.Name(), ErrSyntax, "missing")
		}
		if *v < 0 || *v >= 1<<f.Bits() {
			return tr.fail(f.Name(), ErrRange, "%d outside 0..%d", *v, 1<<f.Bits()-1)
		}
		p.SetField(f, uint8(*v))
	}
	if j.Index == nil { // absent, null, or no CSV index cell filled
		return tr.fail("index", ErrSyntax, "missing")
	}
	if len(j.Index) < 1 || len(j.Index) > tr.maxStages {
		return tr.fail("index", ErrRange, "%d indices, want 1 to %d", len(j.Index), tr.maxStages)
	}
	p.Stages = len(j.Index)
	for s, v := range j.Index {
		name := fmt.Sprintf("index[%d]", s)
		if tr.format == CSV {
			name = "i" + strconv.Itoa(s+1)
		}
		if v < 0 || v >= tr.size {
			return tr.fail(name, ErrRange, "%d outside 0..%d (codebook size %d)", v, tr.size-1, tr.size)
		}
		p.Index[s] = v
	}
	if j.Pad != nil {
		w := codec.PadBits(p.Stages, bits.Len(uint(tr.size-1)))
		if w == 0 && *j.Pad != 0 {
			return tr.fail("pad", ErrRange, "%d, but %d-stage packets have no spare bits: pad must be 0 or absent", *j.Pad, p.Stages)
		}
		if *j.Pad < 0 || *j.Pad >= 1<<w {
			return tr.fail("pad", ErrRange, "%d outside 0..%d (%d spare bits at %d stages)", *j.Pad, 1<<w-1, w, p.Stages)
		}
		p.Pad = uint8(*j.Pad)
	}
	return nil
}

// Line is the line number of the record Read returned last.
func (tr *Reader) Line() int { return tr.line }

// PacketIndex is the packet number a time stamp falls on: t / 20 ms,
// rounded to the nearest packet.
func PacketIndex(t float64) int64 {
	return int64(math.Round(t / codec.PacketDuration.Seconds()))
}
