//go:build js && wasm

// Command wasm is vqspeak compiled to WebAssembly for web pages
// (GOOS=js GOARCH=wasm). It puts one object, globalThis.vqspeakGo, on the
// page and calls globalThis.onVqspeakReady when it is there. The demo's
// web/static/vqspeak.js wraps it in a friendlier API; this layer is built
// for speed: every per-packet call copies between a Go buffer and a typed
// array made once per object (its input and output properties), so the
// codec allocates nothing per packet, as in Go. Errors come back as JS
// Error values, never as panics.
//
// vqspeakGo:
//
//	fingerprint, sampleRate, packetSamples, maxStages, maxPacketSize
//	newEncoder(stages) → {input: Float32Array(320), output: Uint8Array, encode(stages) → bytes}
//	newDecoder()       → {input: Uint8Array, output: Float32Array(320), decode(n) → samples, conceal() → samples}
//	newLive(config)    → {input, output: Float32Array(chunk), process(), setStages(n),
//	                      setNetwork(loss, jitterMS), setOptions(fec, dtx), stats(), recorded(seconds)}
//	encodeFile(bytes, stages) → Uint8Array (.vqs)      readAudio(bytes) → Float32Array (16 kHz)
//	decodeFile(bytes) → {pcm: Float32Array, wav: Uint8Array, damage: [string]}
//	mallocs() → the Go heap's allocation count (the allocation test reads it)
package main

import (
	"fmt"
	"runtime"
	"syscall/js"
	"unsafe"

	"github.com/vqspeak/vqspeak/codec"
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
	api.Set("newEncoder", js.FuncOf(func(_ js.Value, args []js.Value) any { return newEncoder(cb, args) }))
	api.Set("newDecoder", js.FuncOf(func(js.Value, []js.Value) any { return newDecoder(cb) }))
	api.Set("newLive", js.FuncOf(func(_ js.Value, args []js.Value) any { return newLive(cb, args) }))
	api.Set("encodeFile", js.FuncOf(func(_ js.Value, args []js.Value) any { return encodeFile(cb, args) }))
	api.Set("decodeFile", js.FuncOf(func(_ js.Value, args []js.Value) any { return decodeFile(cb, args) }))
	api.Set("readAudio", js.FuncOf(readAudio))
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

// packetSamples is a decoder's return value, boxed once: an int above 255
// would be boxed into a new allocation on every call.
var packetSamples any = codec.PacketSamples

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

func newEncoder(cb *rvq.Codebook, args []js.Value) any {
	stages := argInt(args, 0, codec.DefaultStages)
	enc, err := codec.NewEncoder(cb, stages)
	if err != nil {
		return fail(err)
	}
	in := newFloatView(codec.PacketSamples)
	pcm := make([]float32, codec.PacketSamples)
	pkt := make([]byte, 0, enc.MaxPacketSize())
	out := jsUint8Array.New(enc.MaxPacketSize())
	o := jsObject.New()
	o.Set("input", in.f32)
	o.Set("output", out)
	o.Set("encode", js.FuncOf(func(_ js.Value, args []js.Value) any {
		if n := argInt(args, 0, stages); n != stages {
			if err := enc.SetStages(n); err != nil {
				return fail(err)
			}
			stages = n
		}
		js.CopyBytesToGo(bytesOf(pcm), in.u8)
		var err error
		if pkt, err = enc.Encode(pkt[:0], pcm); err != nil {
			return fail(err)
		}
		js.CopyBytesToJS(out, pkt)
		return len(pkt)
	}))
	return o
}

func newDecoder(cb *rvq.Codebook) any {
	dec, err := codec.NewDecoder(cb)
	if err != nil {
		return fail(err)
	}
	in := jsUint8Array.New(64)
	pkt := make([]byte, 64)
	out := newFloatView(codec.PacketSamples)
	pcm := make([]float32, 0, codec.PacketSamples)
	o := jsObject.New()
	o.Set("input", in)
	o.Set("output", out.f32)
	o.Set("decode", js.FuncOf(func(_ js.Value, args []js.Value) any {
		n := argInt(args, 0, -1)
		if n < 0 || n > len(pkt) {
			return fail(fmt.Errorf("decode(%d): want the packet's length, 0 to %d bytes", n, len(pkt)))
		}
		js.CopyBytesToGo(pkt[:n], in)
		var err error
		if pcm, err = dec.Decode(pcm[:0], pkt[:n]); err != nil {
			return fail(err)
		}
		js.CopyBytesToJS(out.u8, bytesOf(pcm))
		return packetSamples
	}))
	o.Set("conceal", js.FuncOf(func(js.Value, []js.Value) any {
		pcm = dec.Conceal(pcm[:0])
		js.CopyBytesToJS(out.u8, bytesOf(pcm))
		return packetSamples
	}))
	return o
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
	chunk := int(num("chunk", 0))
	if chunk < 1 || chunk > demo.MaxChunk {
		return fail(fmt.Errorf("newLive: chunk %d: want 1 to %d samples", chunk, demo.MaxChunk))
	}
	p, err := demo.New(cb, demo.Config{
		Rate:     int(num("rate", 48000)),
		Stages:   int(num("stages", codec.DefaultStages)),
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
	in, out := newFloatView(chunk), newFloatView(chunk)
	inGo, outGo := make([]float32, chunk), make([]float32, chunk)
	o := jsObject.New()
	o.Set("input", in.f32)
	o.Set("output", out.f32)
	o.Set("process", js.FuncOf(func(js.Value, []js.Value) any {
		js.CopyBytesToGo(bytesOf(inGo), in.u8)
		if err := p.Process(outGo, inGo); err != nil {
			return fail(err)
		}
		js.CopyBytesToJS(out.u8, bytesOf(outGo))
		return nil
	}))
	o.Set("setStages", js.FuncOf(func(_ js.Value, args []js.Value) any {
		if err := p.SetStages(argInt(args, 0, 0)); err != nil {
			return fail(err)
		}
		return nil
	}))
	o.Set("setNetwork", js.FuncOf(func(_ js.Value, args []js.Value) any {
		if len(args) < 2 {
			return fail(fmt.Errorf("setNetwork: want loss (0 to 1) and jitter (ms)"))
		}
		if err := p.SetNetwork(args[0].Float(), args[1].Int()); err != nil {
			return fail(err)
		}
		return nil
	}))
	o.Set("setOptions", js.FuncOf(func(_ js.Value, args []js.Value) any {
		if len(args) < 2 {
			return fail(fmt.Errorf("setOptions: want fec and dtx"))
		}
		if err := p.SetOptions(args[0].Truthy(), args[1].Truthy()); err != nil {
			return fail(err)
		}
		return nil
	}))
	o.Set("stats", js.FuncOf(func(js.Value, []js.Value) any {
		s := p.Stats()
		return map[string]any{
			"samples": s.Samples, "packets": s.Packets, "bytes": s.Bytes,
			"netLost": s.NetLost, "late": s.Late, "concealed": s.Concealed,
			"recovered": s.Recovered, "comfort": s.Comfort, "depth": s.Depth,
			"latencyMS": s.LatencyMS,
		}
	}))
	o.Set("recorded", js.FuncOf(func(_ js.Value, args []js.Value) any {
		sec := 1.0
		if len(args) > 0 && args[0].Type() == js.TypeNumber {
			sec = args[0].Float()
		}
		mic, dec := p.Recorded(sec)
		return map[string]any{"mic": jsFloats(mic), "out": jsFloats(dec)}
	}))
	return o
}

func encodeFile(cb *rvq.Codebook, args []js.Value) any {
	data, err := goBytes(args, 0)
	if err != nil {
		return fail(err)
	}
	b, err := demo.EncodeFile(cb, data, argInt(args, 1, codec.DefaultStages))
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
	return map[string]any{"pcm": jsFloats(pcm), "wav": jsBytes(wav), "damage": dmg}
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
