/**
 * Sink throughput and latency on loopback: NATS core (AU samples), NATS JetStream (emotion events),
 * WebSocket hub to 1 and 100 clients. Latency is publish → receipt of the message by a subscriber
 * (same process clock: AU samples carry `decodedAt` = the moment they were handed to the publisher);
 * decode → publish inside the pipeline is exported as `aupipe_latency_seconds` and timed by bench/e2e.
 * Subscribers run in the bench process, so on 2 cores the numbers are a floor, not a ceiling.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { connect } from '@nats-io/transport-node';
import { Subject } from 'rxjs';
import { WebSocket } from 'ws';
import { createSinks } from '../src/compose.js';
import { configSchema } from '../src/config/index.js';
import { startNatsServer } from '../src/sink/index.js';
import { AU_KEYS, type AuSample, type AuVector, type EmotionEvent, SCHEMA_VERSION } from '../src/types.js';
import type { BenchOptions, BenchResult } from './harness.js';

const base = configSchema.parse({});
const defaults = base.sink;
/** The default config with these sink settings (the benches push past the service's bounds on purpose). */
const withSink = (
  sink: Partial<{ nats: Partial<typeof defaults.nats>; ws: Partial<typeof defaults.ws> }>,
) => ({
  ...base,
  sink: { nats: { ...defaults.nats, ...sink.nats }, ws: { ...defaults.ws, ...sink.ws } },
});
/** Sub-millisecond wall clock (AU samples carry it as `decodedAt`). */
const nowMs = () => performance.timeOrigin + performance.now();
const au = Object.fromEntries(AU_KEYS.map((k, i) => [k, i / 12])) as unknown as AuVector;
const sample = (seq: number): AuSample => ({
  v: SCHEMA_VERSION,
  type: 'au',
  streamId: 'bench',
  trackId: 1,
  seq,
  ptsMs: seq * 100,
  au,
  model: 'bench',
  decodedAt: nowMs(),
});
const emotion = (n: number): EmotionEvent => ({
  v: SCHEMA_VERSION,
  type: 'emotion',
  id: `e${n}`,
  phase: 'update',
  streamId: 'bench',
  trackId: 1,
  emotion: 'happiness',
  confidence: 0.7,
  startMs: 0,
  peak: 0.8,
  aus: { AU6: 0.6, AU12: 0.9 },
  missingAus: [],
});

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await sleep(2);
}

/** Publishes `n` messages at `rate`/s in 10 ms ticks (Infinity: as fast as possible). */
async function paced(n: number, rate: number, send: (i: number) => void): Promise<void> {
  if (!Number.isFinite(rate)) {
    for (let i = 0; i < n; i++) {
      send(i);
      if (i % 1000 === 999) await new Promise((r) => setImmediate(r));
    }
    return;
  }
  const perTick = Math.max(1, Math.round(rate / 100));
  for (let i = 0; i < n; ) {
    for (let k = 0; k < perTick && i < n; k++) send(i++);
    await sleep(10);
  }
}

async function natsBench(quick: boolean): Promise<BenchResult[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aupipe-bench-nats-'));
  const server = await startNatsServer({ storeDir: dir });
  const pub = (await createSinks(withSink({ nats: { outboxMax: 1_000_000, url: server.url } }))).nats!;
  await pub.whenReady();
  const nc = await connect({ servers: server.url });
  const lat: number[] = [];
  let got = 0;
  nc.subscribe('aupipe.bench.au', {
    callback: (_e, m) => {
      got++;
      lat.push(nowMs() - (m.json() as AuSample).decodedAt);
    },
  });
  await nc.flush();
  const n = quick ? 20_000 : 100_000;
  const t0 = performance.now();
  await paced(n, Number.POSITIVE_INFINITY, (i) => pub.publish(sample(i)));
  await waitFor(() => got >= n, 30_000);
  const coreRate = (got / (performance.now() - t0)) * 1000;
  // Latency at a steady, realistic rate (4 streams × 10 fps × 4 faces = 160/s; here 2000/s).
  got = 0;
  lat.length = 0;
  const m = quick ? 2000 : 10_000;
  await paced(m, 2000, (i) => pub.publish(sample(i)));
  await waitFor(() => got >= m, 10_000);
  const [p50, p95] = [pct(lat, 50), pct(lat, 95)];
  // JetStream: emotion events, each acknowledged by the server.
  const e = quick ? 2000 : 10_000;
  const before = pub.stats().published;
  const t1 = performance.now();
  for (let i = 0; i < e; i++) pub.publish(emotion(i));
  await waitFor(() => pub.stats().published - before >= e, 60_000);
  const jsRate = ((pub.stats().published - before) / (performance.now() - t1)) * 1000;
  await nc.close();
  await pub.close();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
  return [
    {
      name: 'sink.nats.core_au_per_s',
      value: coreRate,
      unit: 'msg/s',
      metric: 'throughput',
      note: `${n} AU samples, burst`,
    },
    {
      name: 'sink.nats.core_latency_p50',
      value: p50,
      unit: 'ms',
      metric: 'latency',
      note: 'publish→receipt at 2000/s',
    },
    { name: 'sink.nats.core_latency_p95', value: p95, unit: 'ms', metric: 'latency' },
    {
      name: 'sink.nats.jetstream_events_per_s',
      value: jsRate,
      unit: 'msg/s',
      metric: 'throughput',
      note: `${e} emotion events, acked, windows of 256`,
    },
  ];
}

async function wsBench(clients: number, quick: boolean): Promise<BenchResult[]> {
  const hub = (await createSinks(withSink({ ws: { maxBufferedBytes: 8 << 20 } }), undefined, { ws: true }))
    .hub!;
  const http = createServer();
  http.on('upgrade', (req, sock, head) => hub.handleUpgrade(req, sock, head));
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}/ws`;
  let got = 0;
  const lat: number[] = [];
  const sockets = await Promise.all(
    Array.from({ length: clients }, async () => {
      const ws = new WebSocket(url);
      await new Promise((r) => ws.once('open', r));
      ws.on('message', (d) => {
        const m = JSON.parse(d.toString());
        if (m.type !== 'au') return;
        got++;
        if (lat.length < 200_000) lat.push(nowMs() - m.decodedAt);
      });
      ws.send(JSON.stringify({ op: 'subscribe', streams: ['*'], channels: ['au'] }));
      return ws;
    }),
  );
  await sleep(200);
  const n = (quick ? 20_000 : 100_000) / Math.sqrt(clients);
  const t0 = performance.now();
  await paced(n, Number.POSITIVE_INFINITY, (i) => hub.publish(sample(i)));
  await waitFor(() => got >= n * clients - hub.stats().droppedAu, 60_000);
  const rate = (got / (performance.now() - t0)) * 1000;
  got = 0;
  lat.length = 0;
  const m = quick ? 500 : 2000;
  await paced(m, 200, (i) => hub.publish(sample(i)));
  await waitFor(() => got >= m * clients, 20_000);
  for (const s of sockets) s.close();
  await hub.close();
  await new Promise((r) => http.close(r));
  const tag = `ws.${clients}_client${clients > 1 ? 's' : ''}`;
  return [
    {
      name: `sink.${tag}.deliveries_per_s`,
      value: rate,
      unit: 'msg/s',
      metric: 'throughput',
      note: `${Math.round(n)} AU samples × ${clients}, burst`,
    },
    {
      name: `sink.${tag}.latency_p50`,
      value: pct(lat, 50),
      unit: 'ms',
      metric: 'latency',
      note: 'publish→receipt at 200 samples/s',
    },
    { name: `sink.${tag}.latency_p95`, value: pct(lat, 95), unit: 'ms', metric: 'latency' },
  ];
}

/**
 * The real thing: the sample video decoded at its native speed (as a camera delivers it) through the
 * whole pipeline into NATS; latency = a subscriber's receipt of an AU sample − its frame's decode time.
 */
async function pipelineToNats(quick: boolean): Promise<BenchResult[]> {
  const { createPipelineDeps } = await import('../src/compose.js');
  const { streamPipeline } = await import('../src/pipeline.js');
  const { withNats } = await import('./e2e-lib.js');
  const config = configSchema.parse({ logLevel: 'silent', ingest: { realtime: true, fps: 10 } });
  const deps = await createPipelineDeps(config);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aupipe-bench-e2e-'));
  const server = await startNatsServer({ storeDir: dir });
  const pub = (await createSinks(withNats(config, server.url))).nats!;
  await pub.whenReady();
  const nc = await connect({ servers: server.url });
  const lat: number[] = [];
  nc.subscribe('aupipe.bench.au', {
    callback: (_e, m) => {
      lat.push(Date.now() - (m.json() as AuSample).decodedAt);
    },
  });
  await nc.flush();
  const stop$ = new Subject<void>();
  const timer = setTimeout(() => stop$.next(), quick ? 6000 : 15_000);
  const source = { kind: 'file', path: path.resolve('assets/sample.mp4') } as const;
  await new Promise<void>((resolve, reject) =>
    streamPipeline('bench', source, deps, { stop$ }).subscribe({
      next: (m) => pub.publish(m),
      error: reject,
      complete: resolve,
    }),
  );
  clearTimeout(timer);
  await pub.flush();
  await sleep(100);
  await nc.close();
  await pub.close();
  await server.stop();
  await deps.close();
  rmSync(dir, { recursive: true, force: true });
  const note = `sample.mp4 at native speed, 10 fps analysis, ${lat.length} AU samples`;
  return [
    { name: 'sink.e2e.decode_to_nats_receipt_p50', value: pct(lat, 50), unit: 'ms', metric: 'latency', note },
    { name: 'sink.e2e.decode_to_nats_receipt_p95', value: pct(lat, 95), unit: 'ms', metric: 'latency' },
  ];
}

export async function run(opts: BenchOptions): Promise<BenchResult[]> {
  return [
    ...(await natsBench(opts.quick)),
    ...(await wsBench(1, opts.quick)),
    ...(await wsBench(100, opts.quick)),
    ...(await pipelineToNats(opts.quick)),
  ];
}
