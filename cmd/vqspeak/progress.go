package main

import (
	"fmt"
	"io"
	"os"
	"time"
)

// progressEvery is how often progress is reported when stderr is not a
// terminal: CI logs and pipes, where long runs happen, get a line every
// few seconds rather than nothing or a redrawn line.
const progressEvery = 5 * time.Second

// progressLine reports how far a phase has come, with an ETA, on stderr:
// redrawn in place on a terminal, a line every progressEvery otherwise,
// nothing with -q. It is not safe for concurrent use.
type progressLine struct {
	w     io.Writer // nil: quiet
	term  bool
	label string
	start time.Time
	last  time.Time // last line written, off a terminal
	drawn bool      // a terminal line is open
}

func (e *env) newProgress(label string) *progressLine {
	p := &progressLine{label: label, start: time.Now(), term: isTerminal(e.stderr)}
	p.last = p.start
	if !e.quiet {
		p.w = e.stderr
	}
	return p
}

// update reports done of total.
func (p *progressLine) update(done, total int) {
	if p.w == nil || total <= 0 {
		return
	}
	now := time.Now()
	if !p.term && now.Sub(p.last) < progressEvery {
		return
	}
	el := now.Sub(p.start)
	eta := time.Duration(float64(el) / float64(max(done, 1)) * float64(total-done))
	line := fmt.Sprintf("%s: %d/%d (%.0f%%), elapsed %v, ETA %v", p.label, done, total,
		100*float64(done)/float64(total), el.Round(time.Second), eta.Round(time.Second))
	if p.term {
		fmt.Fprintf(p.w, "\r%s   ", line)
		p.drawn = true
		return
	}
	fmt.Fprintln(p.w, line)
	p.last = now
}

// restart begins a new phase under another label.
func (p *progressLine) restart(label string) {
	p.end()
	p.label, p.start, p.last = label, time.Now(), time.Now()
}

// end closes a line drawn on a terminal.
func (p *progressLine) end() {
	if p.drawn {
		fmt.Fprintln(p.w)
		p.drawn = false
	}
}

// isTerminal reports whether w is a character device (an interactive terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
