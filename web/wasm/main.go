//go:build js && wasm

// Command wasm is vqspeak compiled to WebAssembly for web pages
// (GOOS=js GOARCH=wasm). It puts one object, globalThis.vqspeakGo, on the
// page and calls globalThis.onVqspeakReady when it is there. The demo's
// web/static/vqspeak.js wraps it in a friendlier API.
//
// The per-packet calls are built for speed and make no allocation on the
// Go heap, as in Go: they are WebAssembly exports (go:wasmexport) that take
// a handle and plain numbers. The page copies samples and bytes in and out
// of Go's memory through typed arrays over the module's memory (exports.mem)
// at the addresses the constructors report. An export returns -1 on error,
// and lastError() tells why. Everything else is a syscall/js function that
// returns a JS Error value instead of panicking.
//
// vqspeakGo:
//
//	fingerprint, sampleRate, packetSamples, maxStages, maxPacketSize
//	modes: [{bitrate, packetSamples, stages, packetSize}], lowest bitrate first
//	newEncoder(stages, bitrate) → {handle, stages, bitrate, packetSamples, packetSize,
//	                               input: address of packetSamples float32, output: address of packetSize bytes}
//	newDecoder(bitrate) → {handle, bitrate, packetSamples, input: address of inputSize bytes, inputSize,
//	                       output: address of packetSamples float32}
//	newLive(config)    → {handle, chunk, input, output: addresses of chunk float32,
//	                      setStages(n), setNetwork(loss, jitterMS), setOptions(fec, dtx), stats(), recorded(seconds)}
//	encodeFile(bytes, stages, bitrate) → Uint8Array (.vqs)      readAudio(bytes) → Float32Array (16 kHz)
//	decodeFile(bytes) → {pcm: Float32Array, wav: Uint8Array, damage: [string], bitrate: the header's mode}
//	lastError() → the message of the last export that returned -1
//	mallocs() → the Go heap's allocation count (the allocation test reads it)
//
// Exports:
//
//	vqspeakEncode(handle, stages) → packet bytes at output
//	vqspeakDecode(handle, n) → samples at output (from the n-byte packet at input)
//	vqspeakConceal(handle) → samples at output (a stand-in for a lost packet)
//	vqspeakProcess(handle) → chunk (the live path: input to output)
//
// A bitrate (0 or absent: the 20 ms mode with stages stages) picks a mode
// as vqspeak's -bitrate does: 700 or 800, 1200, 1600 (40 ms packets of
// 640 samples, a fixed stage count) or 2000 to 3200 (20 ms). A decoder
// of a 40 ms mode takes only that mode's packets, as the mode is agreed
// out of band; decodeFile reads it from the header. The live path
// (newLive) runs the 20 ms modes only and refuses a config whose bitrate
// names a 40 ms one.
package main

import (
	"bytes"
	"fmt"
	"runtime"
	"syscall/js"
	"unsafe"

	"github.com/vqspeak/vqspeak/codec"
	"github.com/vqspeak/vqspeak/codec/vqs"
	"github.com/vqspeak/vqspeak/rvq"
	"github.com/vqspeak/vqspeak/web/demo"
)

var (
	jsObject       = js.Global().Get("Object")
	jsError        = js.Global().Get("Error")
	jsUint8Array   = js.Global().Get("Uint8Array")
	jsFloat32Array = js.Global().Get("Float32Array")
)

func main() {
	cb := codec.DefaultCodebook()
	enc, err := codec.NewEncoder(cb, cb.NumStages())
	if err != nil {
		panic(err) // the embedded codebook is tested
	}
	api := jsObject.New()
	api.Set("fingerprint", fmt.Sprintf("%x", cb.Fingerprint()))
	api.Set("sampleRate", codec.SampleRate)
	api.Set("packetSamples", codec.PacketSamples)
	api.Set("maxStages", cb.NumStages())
	api.Set("maxPacketSize", enc.MaxPacketSize())
	var modes []any
	for _, m := range codec.Modes() {
		if m.Stages <= cb.NumStages() {
			modes = append(modes, map[string]any{"bitrate": m.Bitrate(codec.IndexBits(cb)), "packetSamples": m.PacketSamples(),
				"stages": m.Stages, "packetSize": m.PacketSize(codec.IndexBits(cb))})
		}
	}
	api.Set("modes", modes)
	api.Set("newEncoder", js.FuncOf(func(_ js.Value, args []js.Value) any { return newEncoder(cb, args) }))
	api.Set("newDecoder", js.FuncOf(func(_ js.Value, args []js.Value) any { return newDecoder(cb, args) }))
	api.Set("newLive", js.FuncOf(func(_ js.Value, args []js.Value) any { return newLive(cb, args) }))
	api.Set("encodeFile", js.FuncOf(func(_ js.Value, args []js.Value) any { return encodeFile(cb, args) }))
	api.Set("decodeFile", js.FuncOf(func(_ js.Value, args []js.Value) any { return decodeFile(cb, args) }))
	api.Set("readAudio", js.FuncOf(readAudio))
	api.Set("lastError", js.FuncOf(func(js.Value, []js.Value) any { return lastErr }))
	api.Set("mallocs", js.FuncOf(func(js.Value, []js.Value) any {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return float64(m.Mallocs)
	}))
	js.Global().Set("vqspeakGo", api)
	if ready := js.Global().Get("onVqspeakReady"); ready.Type() == js.TypeFunction {
		ready.Invoke()
	}
	select {} // the functions above live as long as the page
}

// fail turns an error into a JS Error for the caller to throw.
func fail(err error) js.Value { return jsError.New(err.Error()) }

// floatView is a Float32Array of n samples with a byte view of the same
// memory, made once so per-packet copies allocate nothing.
type floatView struct {
	f32, u8 js.Value
}

func newFloatView(n int) floatView {
	f := jsFloat32Array.New(n)
	return floatView{f32: f, u8: jsUint8Array.New(f.Get("buffer"))}
}

// bytesOf views float32 samples as their little-endian bytes (WebAssembly
// and every browser's typed arrays are little-endian).
func bytesOf(x []float32) []byte {
	if len(x) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&x[0])), 4*len(x))
}

// argInt reads an optional integer argument.
func argInt(args []js.Value, i, def int) int {
	if i < len(args) && args[i].Type() == js.TypeNumber {
		return args[i].Int()
	}
	return def
}

// goBytes copies a Uint8Array argument into Go.
func goBytes(args []js.Value, i int) ([]byte, error) {
	if i >= len(args) || !args[i].InstanceOf(jsUint8Array) {
		return nil, fmt.Errorf("argument %d: want a Uint8Array", i+1)
	}
	b := make([]byte, args[i].Length())
	js.CopyBytesToGo(b, args[i])
	return b, nil
}

// jsBytes copies bytes into a new Uint8Array.
func jsBytes(b []byte) js.Value {
	u := jsUint8Array.New(len(b))
	js.CopyBytesToJS(u, b)
	return u
}

// jsFloats copies samples into a new Float32Array.
func jsFloats(x []float32) js.Value {
	v := newFloatView(len(x))
	js.CopyBytesToJS(v.u8, bytesOf(x))
	return v.f32
}

// The per-packet calls are WebAssembly exports (go:wasmexport), not
// syscall/js functions: a syscall/js call from JS allocates a few values on
// the Go heap every time, an export call takes plain numbers and nothing.
// An object made by newEncoder, newDecoder or newLive is a handle into
// objects, and its buffers are Go memory the page views as typed arrays at
// the addresses the constructor reports (Go's heap does not move).
type object struct {
	enc    *codec.Encoder
	dec    *codec.Decoder
	live   *demo.Pipeline
	stages int
	pcm    []float32 // encoder input, decoder output
	pkt    []byte    // encoder output, decoder input
	in     []float32 // live input
	out    []float32 // live output
}

var (
	objects []*object
	lastErr string // the error of the last export call that returned -1
)

// addr is where a buffer starts in the WebAssembly memory.
func addr[T any](x []T) int { return int(uintptr(unsafe.Pointer(&x[0]))) }

func register(o *object) js.Value {
	objects = append(objects, o)
	v := jsObject.New()
	v.Set("handle", len(objects)-1)
	return v
}

func get(h int32) *object {
	if h < 0 || int(h) >= len(objects) {
		lastErr = fmt.Sprintf("no vqspeak object %d", h)
		return nil
	}
	return objects[h]
}

func failed(err error) int32 {
	lastErr = err.Error()
	return -1
}

// pickMode reads the stages and bitrate arguments at i and i+1.
func pickMode(cb *rvq.Codebook, args []js.Value, i int) (codec.Mode, error) {
	return demo.PickMode(cb, argInt(args, i, 0), argInt(args, i+1, 0))
}

func newEncoder(cb *rvq.Codebook, args []js.Value) any {
	m, err := pickMode(cb, args, 0)
	if err != nil {
		return fail(fmt.Errorf("newEncoder: %w", err))
	}
	var enc *codec.Encoder
	if m.LowRate() {
		enc, err = codec.NewModeEncoder(cb, m)
	} else {
		enc, err = codec.NewEncoder(cb, m.Stages)
	}
	if err != nil {
		return fail(err)
	}
	o := &object{enc: enc, stages: m.Stages, pcm: make([]float32, m.PacketSamples()), pkt: make([]byte, enc.MaxPacketSize())}
	v := register(o)
	v.Set("stages", m.Stages)
	v.Set("bitrate", m.Bitrate(codec.IndexBits(cb)))
	v.Set("packetSamples", m.PacketSamples())
	v.Set("packetSize", enc.MaxPacketSize())
	v.Set("input", addr(o.pcm))
	v.Set("output", addr(o.pkt))
	return v
}

// encode codes the packet of samples at the encoder's input (320, or 640
// in a 40 ms mode) with stages stages (a 40 ms mode's own count, or an
// error) into its output and returns the packet's length, or -1.
//
//go:wasmexport vqspeakEncode
//lint:ignore U1000 called by the page, as an export
func encode(h, stages int32) int32 {
	o := get(h)
	if o == nil || o.enc == nil {
		return -1
	}
	if int(stages) != o.stages {
		if err := o.enc.SetStages(int(stages)); err != nil {
			return failed(err)
		}
		o.stages = int(stages)
	}
	p, err := o.enc.Encode(o.pkt[:0], o.pcm)
	if err != nil {
		return failed(err)
	}
	return int32(len(p))
}

func newDecoder(cb *rvq.Codebook, args []js.Value) any {
	m := codec.StagesMode(codec.DefaultStages)
	if bps := argInt(args, 0, 0); bps != 0 {
		var err error
		if m, err = demo.PickMode(cb, 0, bps); err != nil {
			return fail(fmt.Errorf("newDecoder: %w", err))
		}
	}
	var dec *codec.Decoder
	var err error
	if m.LowRate() {
		dec, err = codec.NewModeDecoder(cb, m)
	} else {
		dec, err = codec.NewDecoder(cb)
	}
	if err != nil {
		return fail(err)
	}
	o := &object{dec: dec, pcm: make([]float32, m.PacketSamples()), pkt: make([]byte, 64)}
	v := register(o)
	if m.LowRate() {
		v.Set("bitrate", m.Bitrate(codec.IndexBits(cb)))
	} else {
		v.Set("bitrate", 0) // any 20 ms mode: the packet length tells
	}
	v.Set("packetSamples", m.PacketSamples())
	v.Set("input", addr(o.pkt))
	v.Set("inputSize", len(o.pkt))
	v.Set("output", addr(o.pcm))
	return v
}

// decode decodes the n-byte packet at the decoder's input into its output
// and returns the number of samples, or -1.
//
//go:wasmexport vqspeakDecode
//lint:ignore U1000 called by the page, as an export
func decode(h, n int32) int32 {
	o := get(h)
	if o == nil || o.dec == nil {
		return -1
	}
	if n < 0 || int(n) > len(o.pkt) {
		return failed(fmt.Errorf("decode: packet of %d bytes: want 0 to %d", n, len(o.pkt)))
	}
	pcm, err := o.dec.Decode(o.pcm[:0], o.pkt[:n])
	if err != nil {
		return failed(err)
	}
	return int32(len(pcm))
}

// conceal writes the decoder's stand-in for a lost packet to its output.
//
//go:wasmexport vqspeakConceal
//lint:ignore U1000 called by the page, as an export
func conceal(h int32) int32 {
	o := get(h)
	if o == nil || o.dec == nil {
		return -1
	}
	return int32(len(o.dec.Conceal(o.pcm[:0])))
}

func newLive(cb *rvq.Codebook, args []js.Value) any {
	if len(args) < 1 || args[0].Type() != js.TypeObject {
		return fail(fmt.Errorf("newLive: want a config object"))
	}
	c := args[0]
	num := func(k string, def float64) float64 {
		if v := c.Get(k); v.Type() == js.TypeNumber {
			return v.Float()
		}
		return def
	}
	m, err := demo.PickMode(cb, int(num("stages", 0)), int(num("bitrate", 0)))
	if err != nil {
		return fail(fmt.Errorf("newLive: %w", err))
	}
	if m.LowRate() {
		return fail(fmt.Errorf("newLive: the %s b/s mode (40 ms packets) is not in the live demo, which runs the 20 ms modes (2000 to 3200 b/s); encode and decode it per packet or as a file", m.Name()))
	}
	stages := m.Stages
	chunk := int(num("chunk", 0))
	if chunk < 1 || chunk > demo.MaxChunk {
		return fail(fmt.Errorf("newLive: chunk %d: want 1 to %d samples", chunk, demo.MaxChunk))
	}
	p, err := demo.New(cb, demo.Config{
		Rate:     int(num("rate", 48000)),
		Stages:   stages,
		Loss:     num("loss", 0),
		JitterMS: int(num("jitterMS", 0)),
		FEC:      c.Get("fec").Truthy(),
		DTX:      c.Get("dtx").Truthy(),
		Seed:     uint64(num("seed", 1)),
		Record:   int(num("record", 0)),
	})
	if err != nil {
		return fail(err)
	}
	o := &object{live: p, in: make([]float32, chunk), out: make([]float32, chunk)}
	v := register(o)
	v.Set("input", addr(o.in))
	v.Set("output", addr(o.out))
	v.Set("chunk", chunk)
	v.Set("setStages", js.FuncOf(func(_ js.Value, args []js.Value) any {
		if err := p.SetStages(argInt(args, 0, 0)); err != nil {
			return fail(err)
		}
		return nil
	}))
	v.Set("setNetwork", js.FuncOf(func(_ js.Value, args []js.Value) any {
		if len(args) < 2 {
			return fail(fmt.Errorf("setNetwork: want loss (0 to 1) and jitter (ms)"))
		}
		if err := p.SetNetwork(args[0].Float(), args[1].Int()); err != nil {
			return fail(err)
		}
		return nil
	}))
	v.Set("setOptions", js.FuncOf(func(_ js.Value, args []js.Value) any {
		if len(args) < 2 {
			return fail(fmt.Errorf("setOptions: want fec and dtx"))
		}
		if err := p.SetOptions(args[0].Truthy(), args[1].Truthy()); err != nil {
			return fail(err)
		}
		return nil
	}))
	v.Set("stats", js.FuncOf(func(js.Value, []js.Value) any {
		s := p.Stats()
		return map[string]any{
			"samples": s.Samples, "packets": s.Packets, "bytes": s.Bytes,
			"netLost": s.NetLost, "late": s.Late, "concealed": s.Concealed,
			"recovered": s.Recovered, "comfort": s.Comfort, "depth": s.Depth,
			"latencyMS": s.LatencyMS,
		}
	}))
	v.Set("recorded", js.FuncOf(func(_ js.Value, args []js.Value) any {
		sec := 1.0
		if len(args) > 0 && args[0].Type() == js.TypeNumber {
			sec = args[0].Float()
		}
		mic, dec := p.Recorded(sec)
		return map[string]any{"mic": jsFloats(mic), "out": jsFloats(dec)}
	}))
	return v
}

// process runs one chunk of the live path from its input to its output.
//
//go:wasmexport vqspeakProcess
//lint:ignore U1000 called by the page, as an export
func process(h int32) int32 {
	o := get(h)
	if o == nil || o.live == nil {
		return -1
	}
	if err := o.live.Process(o.out, o.in); err != nil {
		return failed(err)
	}
	return int32(len(o.out))
}

func encodeFile(cb *rvq.Codebook, args []js.Value) any {
	data, err := goBytes(args, 0)
	if err != nil {
		return fail(err)
	}
	m, err := pickMode(cb, args, 1)
	if err != nil {
		return fail(fmt.Errorf("encodeFile: %w", err))
	}
	b, err := demo.EncodeFileMode(cb, data, m)
	if err != nil {
		return fail(err)
	}
	return jsBytes(b)
}

func decodeFile(cb *rvq.Codebook, args []js.Value) any {
	data, err := goBytes(args, 0)
	if err != nil {
		return fail(err)
	}
	pcm, damage, err := demo.DecodeFile(cb, data)
	if err != nil {
		return fail(err)
	}
	wav, err := demo.WAV(pcm)
	if err != nil {
		return fail(err)
	}
	dmg := make([]any, len(damage))
	for i, d := range damage {
		dmg[i] = d.Error()
	}
	bitrate := 0 // the header's mode, as vqspeak info reads it
	if fr, err := vqs.NewPacketReader(bytes.NewReader(data)); err == nil {
		if m, err := fr.Header().Mode(); err == nil {
			bitrate = m.Bitrate(codec.IndexBits(cb))
		}
	}
	return map[string]any{"pcm": jsFloats(pcm), "wav": jsBytes(wav), "damage": dmg, "bitrate": bitrate}
}

func readAudio(_ js.Value, args []js.Value) any {
	data, err := goBytes(args, 0)
	if err != nil {
		return fail(err)
	}
	x, err := demo.ReadAudio(data)
	if err != nil {
		return fail(err)
	}
	return jsFloats(x)
}
