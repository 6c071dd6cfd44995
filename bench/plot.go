package bench

import (
	"cmp"
	"fmt"
	"image"
	"image/color"
	"math"
	"math/cmplx"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gonum.org/v1/gonum/dsp/fourier"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Plot file names written by WritePlots.
const (
	QualityPlot = "bench-quality.png"
	// QualityPeersPlot is the quality plot of a run with peer codecs; such
	// a run draws nothing else, so that it does not replace the plots of
	// vqspeak's own run next to it.
	QualityPeersPlot = "bench-quality-peers.png"
	SpectrogramPlot  = "bench-spectrograms.png"
	TimingPlot       = "bench-timing.png"
)

// WritePlots draws what res holds into dir as PNG: quality against bitrate
// (when quality was measured), spectrograms of the example file (when one
// was kept) and the per-packet time distribution (when timed). With peer
// rows it draws only the quality plot, as QualityPeersPlot. It returns the
// paths written.
func WritePlots(dir string, res *Result) ([]string, error) {
	var paths []string
	type plotFunc func(*Result) (*vgimg.Canvas, error)
	peers := slices.ContainsFunc(res.Rows, func(r Row) bool { return r.Peer })
	for _, p := range []struct {
		name string
		draw plotFunc
		want bool
	}{
		{QualityPlot, qualityPlot, hasQuality(res) && !peers},
		{QualityPeersPlot, qualityPlot, hasQuality(res) && peers},
		{SpectrogramPlot, spectrogramPlot, res.Example != nil && hasExamples(res) && !peers},
		{TimingPlot, timingPlot, !peers && slices.ContainsFunc(res.Rows, func(r Row) bool { return r.Timing != nil && r.Timing.Packets > 0 })},
	} {
		if !p.want {
			continue
		}
		c, err := p.draw(res)
		if err != nil {
			return paths, fmt.Errorf("%s: %w", p.name, err)
		}
		path := filepath.Join(dir, p.name)
		if err := savePNG(path, c); err != nil {
			return paths, err
		}
		paths = append(paths, path)
	}
	return paths, nil
}

func hasQuality(res *Result) bool {
	return slices.ContainsFunc(res.Rows, func(r Row) bool { return len(r.PerFile) > 0 })
}

func hasExamples(res *Result) bool {
	return slices.ContainsFunc(res.Rows, func(r Row) bool { return r.Example != nil && !r.Peer })
}

func savePNG(path string, c *vgimg.Canvas) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// tiled lays plots out in a grid on one canvas.
func tiled(plots [][]*plot.Plot, w, h vg.Length) *vgimg.Canvas {
	c := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(96))
	dc := draw.New(c)
	tiles := draw.Tiles{Rows: len(plots), Cols: len(plots[0]),
		PadX: vg.Millimeter * 4, PadY: vg.Millimeter * 4,
		PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 4}
	canvases := plot.Align(plots, tiles, dc)
	for j := range plots {
		for i, p := range plots[j] {
			if p != nil {
				p.Draw(canvases[j][i])
			}
		}
	}
	return c
}

// Colours and glyph shapes of the codecs in the quality plot.
var codecStyle = map[string]struct {
	color color.Color
	shape draw.GlyphDrawer
}{
	"vqspeak": {color.RGBA{R: 200, G: 30, B: 30, A: 255}, draw.CircleGlyph{}},
	"Opus":    {color.RGBA{R: 30, G: 90, B: 200, A: 255}, draw.SquareGlyph{}},
	"Codec 2": {color.RGBA{R: 30, G: 150, B: 60, A: 255}, draw.TriangleGlyph{}},
	"Speex":   {color.RGBA{R: 150, G: 80, B: 180, A: 255}, draw.PyramidGlyph{}},
}

// qualityPlot draws STOI and MCD against payload bitrate.
func qualityPlot(res *Result) (*vgimg.Canvas, error) {
	metrics := []struct {
		title, axis string
		get         func(Quality) float64
	}{
		{"STOI (higher is better)", "STOI", func(q Quality) float64 { return q.STOI.Mean }},
		{"Mel-cepstral distortion (lower is better)", "MCD (dB)", func(q Quality) float64 { return q.MCD.Mean }},
	}
	if hasPESQ(res) {
		metrics = append([]struct {
			title, axis string
			get         func(Quality) float64
		}{
			{"PESQ-WB (higher is better)", "PESQ-WB MOS-LQO", func(q Quality) float64 { return q.PESQWB.Mean }},
			{"PESQ-NB (higher is better)", "PESQ-NB MOS-LQO", func(q Quality) float64 { return q.PESQNB.Mean }},
		}, metrics...)
	}
	row := make([]*plot.Plot, len(metrics))
	for m, met := range metrics {
		p := plot.New()
		p.Title.Text = met.title
		p.X.Label.Text = "payload bitrate (kb/s)"
		p.Y.Label.Text = met.axis
		p.Add(plotter.NewGrid())
		p.Legend.Top = m == 0
		p.Legend.Left = m == 0
		// One series per codec, in a fixed order, so the legend is stable.
		var order []string
		for _, r := range res.Rows {
			if len(r.PerFile) > 0 && r.BitrateBPS > 0 && !slices.Contains(order, r.Codec) {
				order = append(order, r.Codec)
			}
		}
		var xmin, xmax = math.Inf(1), math.Inf(-1)
		for _, name := range order {
			var xys plotter.XYs
			var labels []string
			for _, r := range res.Rows {
				if r.Codec != name || len(r.PerFile) == 0 || r.BitrateBPS == 0 {
					continue
				}
				x := r.BitrateBPS / 1000
				xys = append(xys, plotter.XY{X: x, Y: met.get(r.Quality)})
				labels = append(labels, shortSetting(r))
				xmin, xmax = min(xmin, x), max(xmax, x)
			}
			// The line joins the points by bitrate (the low-rate modes'
			// rows come after the stage counts').
			idx := make([]int, len(xys))
			for i := range idx {
				idx[i] = i
			}
			slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(xys[a].X, xys[b].X) })
			sortedXYs, sortedLabels := make(plotter.XYs, len(xys)), make([]string, len(xys))
			for i, j := range idx {
				sortedXYs[i], sortedLabels[i] = xys[j], labels[j]
			}
			xys, labels = sortedXYs, sortedLabels
			style, ok := codecStyle[name]
			if !ok {
				style = codecStyle["Speex"]
				style.color = color.Gray{Y: 90}
			}
			sc, err := plotter.NewScatter(xys)
			if err != nil {
				return nil, err
			}
			sc.GlyphStyle.Color = style.color
			sc.GlyphStyle.Shape = style.shape
			sc.GlyphStyle.Radius = vg.Points(4)
			p.Add(sc)
			if name == "vqspeak" && len(xys) > 1 {
				l, err := plotter.NewLine(xys)
				if err != nil {
					return nil, err
				}
				l.Color = style.color
				l.Width = vg.Points(1.5)
				p.Add(l)
			}
			lb, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: labels})
			if err != nil {
				return nil, err
			}
			for i := range lb.TextStyle {
				lb.TextStyle[i].Color = style.color
				lb.TextStyle[i].Font.Size = vg.Points(8)
			}
			lb.Offset = vg.Point{X: vg.Points(5), Y: vg.Points(3)}
			p.Add(lb)
			p.Legend.Add(name, sc)
		}
		// The unquantised ceiling has no bitrate: a dashed horizontal line.
		for _, r := range res.Rows {
			if r.BitrateBPS != 0 || len(r.PerFile) == 0 || math.IsInf(xmin, 0) {
				continue
			}
			y := met.get(r.Quality)
			l, err := plotter.NewLine(plotter.XYs{{X: xmin, Y: y}, {X: xmax, Y: y}})
			if err != nil {
				return nil, err
			}
			l.Color = codecStyle["vqspeak"].color
			l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
			p.Add(l)
			p.Legend.Add("vqspeak unquantised", l)
		}
		row[m] = p
	}
	if len(row) == 4 {
		return tiled([][]*plot.Plot{row[:2], row[2:]}, 13*vg.Inch, 11*vg.Inch), nil
	}
	return tiled([][]*plot.Plot{row}, 13*vg.Inch, 5.5*vg.Inch), nil
}

// shortSetting is the point label in the quality plot.
func shortSetting(r Row) string {
	switch {
	case r.Codec == "vqspeak" && r.PacketMS == 40:
		return r.Mode + " (40 ms)"
	case r.Codec == "vqspeak":
		return fmt.Sprintf("%d st", r.Stages)
	case strings.HasPrefix(r.Setting, "--bitrate "):
		f := strings.Fields(r.Setting)
		return f[1] + "k"
	case strings.HasPrefix(r.Setting, "mode "):
		return strings.Fields(r.Setting)[1]
	case strings.Contains(r.Setting, "--quality "):
		q := r.Setting[strings.Index(r.Setting, "--quality ")+len("--quality "):]
		band := "wb"
		if strings.HasPrefix(r.Setting, "narrow") {
			band = "nb"
		}
		return band + " q" + strings.Fields(q)[0]
	}
	return r.Setting
}

// Spectrogram analysis: 32 ms Hann windows every 10 ms, 80 dB of range,
// at most spectrogramSeconds from the start of the example.
const (
	spectrogramFFT     = 512
	spectrogramHop     = 160
	spectrogramRange   = 80.0
	spectrogramSeconds = 4.0
)

// spectrogramPlot draws the example clip and its decoded versions.
func spectrogramPlot(res *Result) (*vgimg.Canvas, error) {
	type panel struct {
		title string
		x     []float32
	}
	panels := []panel{{"original: " + BaseName(res.ExampleFile), res.Example}}
	for _, r := range res.Rows {
		if r.Example == nil || r.Peer {
			continue
		}
		title := r.Codec + ", " + r.Setting
		if r.BitrateBPS > 0 {
			title += fmt.Sprintf(", %.0f b/s", r.BitrateBPS)
		}
		panels = append(panels, panel{title, r.Example})
	}
	// Every panel shares the original's colour scale.
	n := min(len(res.Example), int(spectrogramSeconds*float64(res.SampleRate)))
	ref := spectrogram(res.Example[:n])
	top := math.Inf(-1)
	for _, col := range ref {
		for _, v := range col {
			top = max(top, v)
		}
	}
	lut := colourTable(moreland.ExtendedBlackBody())
	const cols = 2
	rows := (len(panels) + cols - 1) / cols
	grid := make([][]*plot.Plot, rows)
	for i := range grid {
		grid[i] = make([]*plot.Plot, cols)
	}
	for i, pn := range panels {
		x := pn.x[:min(n, len(pn.x))]
		img := spectrogramImage(spectrogram(x), top, lut)
		p := plot.New()
		p.Title.Text = pn.title
		p.X.Label.Text = "time (s)"
		p.Y.Label.Text = "frequency (kHz)"
		secs := float64(len(x)) / float64(res.SampleRate)
		p.Add(plotter.NewImage(img, 0, 0, secs, float64(res.SampleRate)/2000))
		grid[i/cols][i%cols] = p
	}
	for i := len(panels); i < rows*cols; i++ {
		grid[i/cols][i%cols] = nil
	}
	return tiled(grid, 13*vg.Inch, vg.Length(rows)*3.2*vg.Inch), nil
}

// spectrogram returns the log power (dB) of each frame of x.
func spectrogram(x []float32) [][]float64 {
	fft := fourier.NewFFT(spectrogramFFT)
	win := make([]float64, spectrogramFFT)
	for i := range win {
		win[i] = 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/spectrogramFFT)
	}
	seq := make([]float64, spectrogramFFT)
	coef := make([]complex128, spectrogramFFT/2+1)
	var out [][]float64
	for start := -spectrogramFFT / 2; start+spectrogramFFT/2 < len(x); start += spectrogramHop {
		for i := range seq {
			var v float32
			if j := start + i; j >= 0 && j < len(x) {
				v = x[j]
			}
			seq[i] = float64(v) * win[i]
		}
		fft.Coefficients(coef, seq)
		col := make([]float64, len(coef))
		for k, c := range coef {
			a := cmplx.Abs(c)
			col[k] = 10 * math.Log10(a*a+1e-12)
		}
		out = append(out, col)
	}
	return out
}

// colourTable samples a colour map at 256 levels from 0 to 1.
func colourTable(cm interface {
	SetMin(float64)
	SetMax(float64)
	At(float64) (color.Color, error)
}) []color.RGBA {
	cm.SetMin(0)
	cm.SetMax(1)
	lut := make([]color.RGBA, 256)
	for i := range lut {
		c, err := cm.At(float64(i) / 255)
		if err != nil {
			c = color.Black
		}
		lut[i] = color.RGBAModel.Convert(c).(color.RGBA)
	}
	return lut
}

// spectrogramImage maps frames (columns) of dB values onto colours, with
// top as the loudest and top-spectrogramRange as black; low frequencies at
// the bottom.
func spectrogramImage(frames [][]float64, top float64, lut []color.RGBA) image.Image {
	bins := spectrogramFFT/2 + 1
	img := image.NewRGBA(image.Rect(0, 0, max(1, len(frames)), bins))
	for t, col := range frames {
		for k, v := range col {
			u := (v - (top - spectrogramRange)) / spectrogramRange
			i := int(math.Round(max(0, min(1, u)) * 255))
			img.SetRGBA(t, bins-1-k, lut[i])
		}
	}
	return img
}

// timingPlot draws the distribution of per-packet encode and decode times
// of the vqspeak row with the most stages.
func timingPlot(res *Result) (*vgimg.Canvas, error) {
	var row *Row
	for i := range res.Rows {
		r := &res.Rows[i]
		if r.Timing != nil && r.Timing.Packets > 0 && (row == nil || r.Stages > row.Stages) {
			row = r
		}
	}
	t := row.Timing
	all := slices.Concat(t.EncodeNS, t.DecodeNS)
	slices.Sort(all)
	lo := float64(all[0]) / 1e3
	hi := float64(all[min(len(all)-1, int(0.999*float64(len(all))))]) / 1e3
	var panels [][]*plot.Plot
	for _, s := range []struct {
		name string
		d    Dist
		ns   []int64
		c    color.Color
	}{
		{"encode", t.Encode, t.EncodeNS, codecStyle["vqspeak"].color},
		{"decode", t.Decode, t.DecodeNS, codecStyle["Opus"].color},
	} {
		p := plot.New()
		p.Title.Text = fmt.Sprintf("%s time per 20 ms packet, %d stages, one core: p50 %.0f µs, p99 %.0f µs, max %.0f µs",
			s.name, row.Stages, s.d.P50, s.d.P99, s.d.Max)
		p.X.Label.Text = "time (µs); the slowest 0.1% of all packets are off the right edge"
		p.Y.Label.Text = "packets"
		p.Add(plotter.NewGrid())
		var vs plotter.Values
		for _, v := range s.ns {
			if us := float64(v) / 1e3; us <= hi {
				vs = append(vs, us)
			}
		}
		if len(vs) > 0 {
			h, err := plotter.NewHist(vs, 100)
			if err != nil {
				return nil, err
			}
			h.FillColor = s.c
			h.LineStyle.Width = 0
			p.Add(h)
		}
		p.X.Min, p.X.Max = lo, hi
		panels = append(panels, []*plot.Plot{p})
	}
	return tiled(panels, 10*vg.Inch, 7*vg.Inch), nil
}
