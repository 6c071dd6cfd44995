// vqspeak.js loads the codec compiled to WebAssembly and wraps its raw
// interface (globalThis.vqspeakGo and the module's exports, see web/wasm)
// in plain functions. Include wasm_exec.js (from the Go that built the
// .wasm) first.
//
//   const vq = await loadVqspeak('vqspeak.wasm');
//   const enc = vq.encoder(4), dec = vq.decoder();
//   const packet = enc.encode(pcm320, stages);   // Uint8Array, valid until the next call
//   const out = dec.decode(packet);              // Float32Array(320), valid until the next call
//   const lost = dec.conceal();                  // for a missing packet
//   vq.encodeFile(wavBytes, 4) → .vqs bytes; vq.decodeFile(vqsBytes) → {pcm, wav, damage, bitrate}
//
// The 40 ms modes (800, 1200, 1600 b/s; vq.modes lists every mode): give
// the bitrate, and the packets hold 640 samples (enc.packetSamples):
//
//   const enc = vq.encoder(0, 1600), dec = vq.decoder(1600);
//   dec.decode(enc.encode(pcm640));              // Float32Array(640)
//   vq.encodeFile(wavBytes, 0, 1600)             // as vqspeak encode -bitrate 1600
//
// The per-packet calls go straight to WebAssembly exports with numbers for
// arguments, and the samples and bytes are copied in and out of Go's memory
// through typed-array views, so Go allocates nothing per packet.
'use strict';

async function loadVqspeak(url) {
  const ready = new Promise((resolve) => { globalThis.onVqspeakReady = resolve; });
  const go = new Go();
  const resp = fetch(url);
  const { instance } = WebAssembly.instantiateStreaming
    ? await WebAssembly.instantiateStreaming(resp, go.importObject)
    : await WebAssembly.instantiate(await (await resp).arrayBuffer(), go.importObject);
  go.run(instance); // runs until the page goes away
  await ready;
  const raw = globalThis.vqspeakGo;
  const ex = instance.exports;
  const check = (r) => { if (r instanceof Error) throw r; return r; };
  const checkN = (n) => { if (n < 0) throw new Error(raw.lastError()); return n; };
  // view is a typed array over Go memory at addr. Go's heap does not move,
  // but the WebAssembly memory's ArrayBuffer is replaced when it grows, so
  // get() makes the view again after that.
  const view = (Type, addr, length) => {
    let a = null;
    return { get() { if (a === null || a.buffer !== ex.mem.buffer) a = new Type(ex.mem.buffer, addr, length); return a; } };
  };
  return {
    raw,
    exports: ex,
    fingerprint: raw.fingerprint,
    sampleRate: raw.sampleRate,
    packetSamples: raw.packetSamples,
    maxStages: raw.maxStages,
    maxPacketSize: raw.maxPacketSize,
    modes: raw.modes,
    // encoder(stages) is a 20 ms encoder; encoder(0, bitrate) the mode of
    // that bitrate (a 40 ms one: 640 samples a packet, its own stages).
    encoder(stages, bitrate) {
      const e = check(raw.newEncoder(stages, bitrate));
      const h = e.handle, input = view(Float32Array, e.input, e.packetSamples), output = view(Uint8Array, e.output, e.packetSize);
      let st = e.stages;
      return {
        packetSamples: e.packetSamples,
        bitrate: e.bitrate,
        // encode codes packetSamples samples with st stages (default: as last time).
        encode(pcm, s) {
          if (s !== undefined) st = s;
          input.get().set(pcm);
          const n = checkN(ex.vqspeakEncode(h, st));
          return output.get().subarray(0, n);
        },
      };
    },
    // decoder() decodes every 20 ms mode; decoder(bitrate) a 40 ms mode's packets.
    decoder(bitrate) {
      const d = check(raw.newDecoder(bitrate));
      const h = d.handle, input = view(Uint8Array, d.input, d.inputSize), output = view(Float32Array, d.output, d.packetSamples);
      return {
        packetSamples: d.packetSamples,
        decode(packet) {
          if (packet.length > d.inputSize) throw new Error(`decode: packet of ${packet.length} bytes, at most ${d.inputSize}`);
          input.get().set(packet);
          return output.get().subarray(0, checkN(ex.vqspeakDecode(h, packet.length)));
        },
        conceal() { return output.get().subarray(0, checkN(ex.vqspeakConceal(h))); },
      };
    },
    // live returns the demo's whole live path (web/demo): set input (chunk
    // samples at the device rate), call process(), read output.
    live(config) {
      const l = check(raw.newLive(config));
      const input = view(Float32Array, l.input, l.chunk), output = view(Float32Array, l.output, l.chunk);
      return {
        chunk: l.chunk,
        get input() { return input.get(); },
        get output() { return output.get(); },
        process() { checkN(ex.vqspeakProcess(l.handle)); },
        setStages(n) { check(l.setStages(n)); },
        setNetwork(loss, jitterMS) { check(l.setNetwork(loss, jitterMS)); },
        setOptions(fec, dtx) { check(l.setOptions(fec, dtx)); },
        stats() { return l.stats(); },
        recorded(seconds) { return l.recorded(seconds); },
      };
    },
    encodeFile(bytes, stages, bitrate) { return check(raw.encodeFile(bytes, stages, bitrate)); },
    decodeFile(bytes) { return check(raw.decodeFile(bytes)); },
    readAudio(bytes) { return check(raw.readAudio(bytes)); },
    mallocs() { return raw.mallocs(); },
  };
}
