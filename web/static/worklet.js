// The demo's AudioWorklet: it batches the microphone into chunks for the
// main thread (which runs the WebAssembly codec) and plays the decoded
// chunks that come back from a ring. It does no codec work itself, so the
// audio thread never waits for Go.
class VqspeakProcessor extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const chunk = options.processorOptions.chunk;
    this.chunk = new Float32Array(chunk);
    this.fill = 0;
    this.ring = new Float32Array(Math.max(4 * chunk, sampleRate)); // 1 s: far more than is ever queued
    this.r = 0; // samples read from the ring, ever
    this.w = 0; // samples written, ever
    this.prime = 2 * chunk; // queue this much before playing, and again after an underrun
    // When the main thread stalls (a file being decoded, a busy tab) and
    // then delivers the backlog at once, the queue would keep that delay
    // for good: beyond prime + 4 chunks the oldest audio is dropped instead.
    this.maxQueue = this.prime + 4 * chunk;
    this.dropped = 0;
    this.playing = false;
    this.underruns = 0;
    this.frames = 0;
    this.port.onmessage = (e) => {
      const x = e.data;
      if (this.w - this.r + x.length > this.ring.length) return; // cannot happen at the capture pace
      for (let i = 0; i < x.length; i++) this.ring[(this.w + i) % this.ring.length] = x[i];
      this.w += x.length;
      if (this.w - this.r > this.maxQueue) {
        this.dropped += this.w - this.prime - this.r;
        this.r = this.w - this.prime;
      }
    };
  }

  process(inputs, outputs) {
    const inp = inputs[0] && inputs[0][0];
    const n = outputs[0][0].length;
    for (let i = 0; i < n; i++) {
      this.chunk[this.fill++] = inp ? inp[i] : 0;
      if (this.fill === this.chunk.length) {
        this.port.postMessage(this.chunk.slice(0));
        this.fill = 0;
      }
    }
    const queued = this.w - this.r;
    if (!this.playing && queued >= this.prime) this.playing = true;
    if (this.playing && queued < n) {
      this.playing = false;
      this.underruns++;
    }
    for (const out of outputs[0]) {
      for (let i = 0; i < n; i++) out[i] = this.playing ? this.ring[(this.r + i) % this.ring.length] : 0;
    }
    if (this.playing) this.r += n;
    if (++this.frames % 40 === 0) { // about 10 times a second
      this.port.postMessage({ queued: this.w - this.r, underruns: this.underruns, dropped: this.dropped });
    }
    return true;
  }
}
registerProcessor('vqspeak', VqspeakProcessor);
