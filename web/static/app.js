// The demo page: the Live panel (microphone → worklet → codec → network →
// codec → speakers) and the Files panel. window.vqspeakTest is the hook
// the browser test (web/browsertest) reads results from.
'use strict';

const $ = (id) => document.getElementById(id);
const test = window.vqspeakTest = { ready: false, live: null, lastWAV: null, lastVQS: null, speed: null, fileError: null, liveAllocs: 0, liveAllocChunks: 0 };
let vq = null;

function base64(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

// speed times the per-packet calls on a synthetic voiced signal (a gliding
// pulse train with some noise), as a page would make them: 50 packets to
// warm up the browser's compiler, then 250 (5 s of audio) timed at 4
// stages. Then it counts the Go heap's allocations over 100 more packets
// with the stage count changed every packet and every fifth packet
// concealed (the steady state should allocate nothing; the count of two
// back-to-back mallocs() calls, which allocate a little themselves, is
// subtracted).
function speed() {
  const n = vq.packetSamples, warm = 50, packets = 250;
  const x = new Float32Array((warm + packets) * n);
  let phase = 0, y = 0;
  for (let i = 0; i < x.length; i++) {
    const f0 = 110 + 60 * Math.sin(2 * Math.PI * i / 16000 / 1.3);
    phase += f0 / 16000;
    let v = 0.02 * (Math.random() - 0.5);
    if (phase >= 1) { phase -= 1; v += 0.5; }
    y = 0.45 * y + v; // a little low-pass colour
    x[i] = y;
  }
  const frame = (p) => x.subarray(p * n, (p + 1) * n);
  const enc = vq.encoder(vq.maxStages), dec = vq.decoder();
  for (let p = 0; p < warm; p++) {
    dec.decode(enc.encode(frame(p), 1 + p % vq.maxStages));
    dec.conceal();
  }
  const pkts = [];
  let t = performance.now();
  for (let p = warm; p < warm + packets; p++) pkts.push(enc.encode(frame(p), vq.maxStages).slice());
  const te = (performance.now() - t) / packets;
  t = performance.now();
  for (const p of pkts) dec.decode(p);
  const td = (performance.now() - t) / packets;
  t = performance.now();
  for (let p = 0; p < packets; p++) dec.conceal();
  const tc = (performance.now() - t) / packets;
  const m0 = vq.mallocs(), m1 = vq.mallocs();
  const allocPackets = 100;
  for (let p = warm; p < warm + allocPackets; p++) {
    const pkt = enc.encode(frame(p), 1 + p % vq.maxStages);
    if (p % 5 === 0) dec.conceal(); else dec.decode(pkt);
  }
  const allocs = vq.mallocs() - m1 - (m1 - m0);
  return { encodeUS: 1000 * te, decodeUS: 1000 * td, concealUS: 1000 * tc, goAllocs: allocs, allocPackets };
}

async function init() {
  try {
    vq = await loadVqspeak('vqspeak.wasm');
  } catch (e) {
    $('status').textContent = 'Could not load the codec: ' + e;
    throw e;
  }
  $('fingerprint').textContent = vq.fingerprint;
  test.speed = speed();
  $('speed').textContent = `encode ${test.speed.encodeUS.toFixed(0)} µs, decode ${test.speed.decodeUS.toFixed(0)} µs, conceal ${test.speed.concealUS.toFixed(0)} µs per 20 ms packet (WebAssembly, this browser)`;
  $('status').textContent = 'Ready. Start the live path, or drop a file below.';
  $('start').disabled = false;
  test.ready = true;
}

// ---- Live -------------------------------------------------------------------

let live = null, ctx = null, node = null, lastStats = null, worklet = { queued: 0, underruns: 0, dropped: 0 };
let processMS = 0, processCalls = 0;

function bindRange(id, fmt) {
  const el = $(id), out = $(id + 'Out');
  const show = () => { out.textContent = fmt(el.value); };
  el.addEventListener('input', show);
  show();
  return el;
}
bindRange('stages', (v) => v);
bindRange('loss', (v) => v + ' %');
bindRange('jitter', (v) => v + ' ms');

function network() { if (live) live.setNetwork(+$('loss').value / 100, +$('jitter').value); }
$('loss').addEventListener('change', network);
$('jitter').addEventListener('change', network);
$('stages').addEventListener('input', () => { if (live) live.setStages(+$('stages').value); });
$('fec').addEventListener('change', () => { if (live) live.setOptions($('fec').checked, $('dtx').checked); });
$('dtx').addEventListener('change', () => { if (live) live.setOptions($('fec').checked, $('dtx').checked); });

async function start() {
  $('start').disabled = true;
  ctx = new AudioContext({ latencyHint: 'interactive' });
  await ctx.audioWorklet.addModule('worklet.js');
  const media = await navigator.mediaDevices.getUserMedia({
    audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false, channelCount: 1 },
  });
  const chunk = Math.round(ctx.sampleRate / 100); // 10 ms
  live = vq.live({
    rate: ctx.sampleRate, chunk, stages: +$('stages').value,
    loss: +$('loss').value / 100, jitterMS: +$('jitter').value,
    fec: $('fec').checked, dtx: $('dtx').checked, seed: 1, record: 30,
  });
  test.live = live;
  node = new AudioWorkletNode(ctx, 'vqspeak', {
    numberOfInputs: 1, numberOfOutputs: 1, outputChannelCount: [1],
    channelCount: 1, channelCountMode: 'explicit', processorOptions: { chunk },
  });
  node.port.onmessage = (e) => {
    if (!(e.data instanceof Float32Array)) { worklet = e.data; return; }
    // Every 50th chunk also counts the Go heap's allocations (for the
    // browser test; two back-to-back mallocs() calls measure their own).
    const count = processCalls % 50 === 25;
    const m0 = count ? vq.mallocs() : 0, m1 = count ? vq.mallocs() : 0;
    const t = performance.now();
    live.input.set(e.data);
    live.process();
    processMS += performance.now() - t;
    if (count) {
      test.liveAllocs += vq.mallocs() - m1 - (m1 - m0);
      test.liveAllocChunks++;
    }
    processCalls++;
    node.port.postMessage(live.output.slice());
  };
  const src = ctx.createMediaStreamSource(media);
  const anIn = ctx.createAnalyser(), anOut = ctx.createAnalyser();
  const gain = ctx.createGain();
  src.connect(node);
  src.connect(anIn);
  node.connect(anOut);
  node.connect(gain).connect(ctx.destination);
  const monitor = () => { gain.gain.value = $('monitor').checked ? 1 : 0; };
  $('monitor').addEventListener('change', monitor);
  monitor();
  draw(anIn, $('specIn'), $('levelIn'), anOut, $('specOut'), $('levelOut'));
  setInterval(showStats, 500);
  $('start').textContent = 'Running';
}
$('start').addEventListener('click', () => start().catch((e) => {
  $('status').textContent = 'Live path failed: ' + e;
  console.error(e);
}));

function showStats() {
  const s = live.stats();
  if (lastStats && s.samples > lastStats.samples) {
    const sec = (s.samples - lastStats.samples) / 16000;
    $('bitrate').textContent = `${Math.round(8 * (s.bytes - lastStats.bytes) / sec)} b/s, ${$('stages').value} stages`;
  }
  lastStats = s;
  const pct = s.packets ? (100 * s.netLost / s.packets).toFixed(1) : '0.0';
  $('lost').textContent = `${s.netLost} (${pct} %), late ${s.late}`;
  $('concealed').textContent = `${s.concealed}` + (s.recovered ? `, FEC rebuilt ${s.recovered}` : '') + (s.comfort ? `, comfort noise ${s.comfort}` : '');
  $('depth').textContent = `${s.depth} packets`;
  const rate = ctx.sampleRate;
  const wk = 1000 * (rate / 100 + worklet.queued) / rate;
  const dev = 1000 * ((ctx.baseLatency || 0) + (ctx.outputLatency || 0));
  $('latency').textContent = `${(s.latencyMS + wk + dev).toFixed(0)} ms = codec, network and jitter buffer ${s.latencyMS.toFixed(0)} + worklet ${wk.toFixed(0)} + browser ${dev.toFixed(0)}` +
    (worklet.underruns ? `; ${worklet.underruns} underruns, ${(1000 * worklet.dropped / rate).toFixed(0)} ms dropped` : '');
  if (processCalls) {
    const us = 1000 * processMS / processCalls * 2; // two 10 ms chunks per 20 ms packet
    $('speed').textContent = `${test.speed.encodeUS.toFixed(0)} µs encode, ${test.speed.decodeUS.toFixed(0)} µs decode per 20 ms packet; live path ${us.toFixed(0)} µs per 20 ms (resampling, network, jitter buffer included)`;
    test.liveUSPerPacket = us;
  }
}

// draw scrolls a spectrogram (0–8 kHz) and sets a level meter per analyser.
function draw(...sets) {
  const views = [];
  for (let i = 0; i < sets.length; i += 3) {
    const an = sets[i];
    an.fftSize = 1024;
    an.smoothingTimeConstant = 0;
    views.push({ an, canvas: sets[i + 1], meter: sets[i + 2], freq: new Uint8Array(an.frequencyBinCount), time: new Float32Array(an.fftSize) });
  }
  const frame = () => {
    for (const v of views) {
      const g = v.canvas.getContext('2d'), w = v.canvas.width, h = v.canvas.height;
      g.drawImage(v.canvas, -2, 0);
      v.an.getByteFrequencyData(v.freq);
      const top = Math.floor(v.freq.length * 8000 / (ctx.sampleRate / 2));
      for (let y = 0; y < h; y++) {
        const a = v.freq[Math.floor((h - 1 - y) / h * top)];
        g.fillStyle = `rgb(${a},${Math.max(0, a - 90) * 1.5},${255 - a > 200 ? 60 : 255 - a})`;
        g.fillRect(w - 2, y, 2, 1);
      }
      v.an.getFloatTimeDomainData(v.time);
      let e = 0;
      for (const s of v.time) e += s * s;
      v.meter.value = Math.max(-60, 10 * Math.log10(e / v.time.length + 1e-12));
    }
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}

// ---- Files ------------------------------------------------------------------

async function handleFile(file) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const isVQS = bytes.length >= 4 && String.fromCharCode(...bytes.subarray(0, 4)) === 'VQSP';
  let vqs = bytes, info = '';
  const t0 = performance.now();
  if (!isVQS) {
    vqs = vq.encodeFile(bytes, 0, +$('fileMode').value); // a bitrate: as vqspeak encode -bitrate
  }
  const t1 = performance.now();
  const dec = vq.decodeFile(vqs);
  const t2 = performance.now();
  const sec = dec.pcm.length / 16000;
  info = `${file.name}: ${sec.toFixed(2)} s → ${vqs.length} bytes of .vqs, ${dec.bitrate} b/s mode (${Math.round(8 * vqs.length / sec)} b/s with the header)`;
  if (!isVQS) info += `, encoded in ${(t1 - t0).toFixed(0)} ms`;
  info += `, decoded in ${(t2 - t1).toFixed(0)} ms`;
  if (dec.damage.length) info += `. Damage: ${dec.damage.join('; ')}`;
  $('fileInfo').textContent = info;
  $('origFig').hidden = isVQS;
  if (!isVQS) $('orig').src = URL.createObjectURL(file);
  $('decoded').src = URL.createObjectURL(new Blob([dec.wav], { type: 'audio/wav' }));
  const stem = file.name.replace(/\.[^.]*$/, '');
  $('vqsLink').href = URL.createObjectURL(new Blob([vqs], { type: 'application/octet-stream' }));
  $('vqsLink').download = stem + '.vqs';
  $('vqsLink').hidden = isVQS;
  $('wavLink').href = $('decoded').src;
  $('wavLink').download = stem + '.decoded.wav';
  $('fileResult').hidden = false;
  test.lastVQS = isVQS ? null : base64(vqs);
  test.lastWAV = base64(dec.wav);
}

function onFile(file) {
  test.lastWAV = null;
  test.lastVQS = null;
  handleFile(file).catch((e) => {
    $('fileInfo').textContent = `${file.name}: ${e.message || e}`;
    $('fileResult').hidden = false;
    test.fileError = String(e);
  });
}
$('file').addEventListener('change', (e) => { if (e.target.files[0]) onFile(e.target.files[0]); });
const drop = $('drop');
drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  if (e.dataTransfer.files[0]) onFile(e.dataTransfer.files[0]);
});

init();
