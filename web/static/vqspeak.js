// vqspeak.js loads the codec compiled to WebAssembly and wraps its raw
// per-packet interface (globalThis.vqspeakGo, see web/wasm) in plain
// functions. Include wasm_exec.js (from the Go that built the .wasm) first.
//
//   const vq = await loadVqspeak('vqspeak.wasm');
//   const enc = vq.encoder(4), dec = vq.decoder();
//   const packet = enc.encode(pcm320, stages);   // Uint8Array, valid until the next call
//   const out = dec.decode(packet);              // Float32Array(320), valid until the next call
//   const lost = dec.conceal();                  // for a missing packet
//   vq.encodeFile(wavBytes, 4) → .vqs bytes; vq.decodeFile(vqsBytes) → {pcm, wav, damage}
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
  const check = (r) => { if (r instanceof Error) throw r; return r; };
  return {
    raw,
    fingerprint: raw.fingerprint,
    sampleRate: raw.sampleRate,
    packetSamples: raw.packetSamples,
    maxStages: raw.maxStages,
    encoder(stages) {
      const e = check(raw.newEncoder(stages));
      return {
        encode(pcm, st) {
          e.input.set(pcm);
          return e.output.subarray(0, check(e.encode(st)));
        },
      };
    },
    decoder() {
      const d = check(raw.newDecoder());
      return {
        decode(packet) {
          d.input.set(packet);
          return d.output.subarray(0, check(d.decode(packet.length)));
        },
        conceal() { return d.output.subarray(0, check(d.conceal())); },
      };
    },
    live(config) { return check(raw.newLive(config)); },
    encodeFile(bytes, stages) { return check(raw.encodeFile(bytes, stages)); },
    decodeFile(bytes) { return check(raw.decodeFile(bytes)); },
    readAudio(bytes) { return check(raw.readAudio(bytes)); },
  };
}
