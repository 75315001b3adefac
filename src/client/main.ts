/**
 * The student page (`/student?room=…`): consent, then the camera → in-browser pipeline (ORT-web) → signals
 * only over the ingest WebSocket. Shows the student their own live signals and exactly what is sent. Exposes
 * its counters on `window.aupipeClient` (tests and the benchmark read them; nothing is sent from there).
 */
import { type Analyzer, type ClientFrame, createAnalyzer, type StageMs } from './analyzer.js';
import { type Camera, openCamera } from './camera.js';
import { configureOrtWeb, openWebInference, threadsAvailable } from './ort-web.js';
import { FpsMeter, FrameGate } from './pacing.js';
import { Sender, type SenderStats } from './sender.js';
import type { ClientSettings } from './settings.js';

export interface ClientState {
  phase: 'consent' | 'loading' | 'running' | 'stopped' | 'failed';
  error?: string;
  provider?: string;
  threads: boolean;
  fps: number;
  frames: number;
  dropped: number;
  faces: number;
  /** Mean per-stage ms over the analysed frames. */
  stageMs: StageMs;
  sender?: SenderStats;
  /** Seconds since the pipeline started. */
  runningSec: number;
  lastAus?: Readonly<Record<string, number>>;
}

/** Frames for the parity hook: RGB24 as base64, with their stream time. */
export interface ParityFrame {
  readonly width: number;
  readonly height: number;
  readonly ptsMs: number;
  readonly rgb: string;
}

declare global {
  interface Window {
    aupipeClient: ClientState;
    /**
     * The parity hook (tests): runs the given frames through a fresh analyzer of this page (same models, same
     * code, ORT-web) and returns each frame's AU samples. Works without the camera; sends nothing.
     */
    aupipeParity: (
      frames: readonly ParityFrame[],
    ) => Promise<{ trackId: number; au: Record<string, number> }[][]>;
  }
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const state: ClientState = {
  phase: 'consent',
  threads: false,
  fps: 0,
  frames: 0,
  dropped: 0,
  faces: 0,
  stageMs: { detect: 0, au: 0, emotion: 0, attention: 0 },
  runningSec: 0,
};
window.aupipeClient = state;

function fail(e: unknown): void {
  state.phase = 'failed';
  state.error = e instanceof Error ? e.message : String(e);
  $('status').textContent = `Stopped: ${state.error}`;
}

async function fetchJson(url: string): Promise<unknown> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return r.json();
}

async function loadAnalyzer(s: ClientSettings): Promise<Analyzer> {
  configureOrtWeb({ wasmPaths: s.ortPath, numThreads: s.threads });
  state.threads = threadsAvailable();
  const open = async (url: string) => {
    const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
    const { inference, provider } = await openWebInference(bytes, s.providers);
    state.provider = provider;
    return inference;
  };
  return createAnalyzer(s, open, fetchJson);
}

function connect(s: ClientSettings, token: string, sender: Sender): void {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const q = new URLSearchParams({
    stream: s.streamId,
    ...(s.room ? { room: s.room } : {}),
    ...(token ? { token } : {}),
  });
  const ws = new WebSocket(`${proto}//${location.host}${s.ingestPath}?${q}`);
  ws.addEventListener('open', () => sender.attach(ws));
  ws.addEventListener('close', (e) => {
    $('link').textContent = `disconnected (${e.code} ${e.reason})`;
    // 44xx: the server refused us; do not hammer it
    if (state.phase === 'running' && e.code < 4400) setTimeout(() => connect(s, token, sender), 2000);
  });
  ws.addEventListener('open', () => {
    $('link').textContent = 'connected';
  });
}

function show(msgsOut: SenderStats | undefined): void {
  $('fps').textContent = state.fps.toFixed(1);
  $('dropped').textContent = String(state.dropped);
  $('faces').textContent = String(state.faces);
  const ms = state.stageMs;
  $('stages').textContent =
    `detect ${ms.detect.toFixed(1)} · AU ${ms.au.toFixed(1)} · attention ${ms.attention.toFixed(1)} · emotion ${ms.emotion.toFixed(1)} ms`;
  if (msgsOut) {
    const rate = state.runningSec > 0 ? msgsOut.bytes / state.runningSec : 0;
    $('sent').textContent = `${msgsOut.sent} messages (${Object.entries(msgsOut.byType)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}), ${(rate / 1024).toFixed(2)} KB/s`;
  }
  if (state.lastAus) {
    $('aus').textContent = Object.entries(state.lastAus)
      .map(([k, v]) => `${k} ${v.toFixed(2)}`)
      .join('  ');
  }
}

async function run(s: ClientSettings, token: string): Promise<void> {
  state.phase = 'loading';
  $('status').textContent = 'Loading the models (they run on this device)…';
  const analyzer = await loadAnalyzer(s);
  const camera: Camera = await openCamera($('video') as HTMLVideoElement);
  const sender = new Sender(null, s.auRateHz, (p) => console.error('not sent:', p), s.attentionRateHz);
  connect(s, token, sender);
  state.phase = 'running';
  $('status').textContent = 'Running on this device. Only the signals listed below are sent.';
  const gate = new FrameGate(s.fps);
  const meter = new FpsMeter();
  const t0 = performance.now();
  let seq = 0;
  const sums = { detect: 0, au: 0, emotion: 0, attention: 0 };
  const tick = async () => {
    const now = performance.now();
    if (state.phase !== 'running' || !gate.offer(now)) return;
    try {
      const frame: ClientFrame = {
        seq: seq++,
        ptsMs: now - t0,
        width: camera.width,
        height: camera.height,
        rgb: camera.grab(),
      };
      const r = await analyzer.analyze(frame);
      sender.send(r.messages);
      meter.tick(performance.now());
      state.frames++;
      state.faces = r.faces;
      sums.detect += r.ms.detect;
      sums.au += r.ms.au;
      sums.emotion += r.ms.emotion;
      sums.attention += r.ms.attention;
      const n = state.frames;
      state.stageMs = {
        detect: sums.detect / n,
        au: sums.au / n,
        emotion: sums.emotion / n,
        attention: sums.attention / n,
      };
      if (r.samples[0]) state.lastAus = r.samples[0].au;
    } catch (e) {
      fail(e);
    } finally {
      gate.done();
      state.fps = meter.fps();
      state.dropped = gate.stats().dropped;
      state.runningSec = (performance.now() - t0) / 1000;
      state.sender = sender.stats();
    }
  };
  setInterval(() => void tick(), Math.max(5, 1000 / s.fps / 4));
  setInterval(() => show(state.sender), 500);
  addEventListener('pagehide', () => {
    state.phase = 'stopped';
    sender.send(analyzer.finish());
    camera.stop();
  });
}

/** The parity hook: base64 RGB frames in (from the test), a fresh analyzer's AU samples out. */
function exposeParity(s: ClientSettings): void {
  window.aupipeParity = async (frames) => {
    const a = await loadAnalyzer({ ...s, streamId: `${s.streamId}-parity` });
    const out = [];
    let seq = 0;
    for (const f of frames) {
      const bin = atob(f.rgb);
      const rgb = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) rgb[i] = bin.charCodeAt(i);
      const r = await a.analyze({ seq: seq++, ptsMs: f.ptsMs, width: f.width, height: f.height, rgb });
      out.push(r.samples.map((x) => ({ trackId: x.trackId, au: { ...x.au } })));
    }
    await a.close();
    return out;
  };
}

async function main(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const token = params.get('token') ?? '';
  // a room token (`/student?token=rt_…`) tells the server the room: the settings carry it
  const q = new URLSearchParams({
    ...(params.get('room') ? { room: params.get('room')! } : {}),
    ...(token ? { token } : {}),
  });
  const s = (await fetchJson(`/client/settings.json?${q}`)) as ClientSettings;
  $('stream').textContent = s.streamId;
  $('rate').textContent = String(s.auRateHz);
  exposeParity(s);
  const start = () => run(s, token).catch(fail);
  // consent first; ?consent=1 is for kiosks and tests that already asked
  if (params.get('consent') === '1') await start();
  else $('consent').addEventListener('click', () => void start(), { once: true });
}

main().catch(fail);
