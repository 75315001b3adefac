/**
 * The student page end to end, with real parts: the client bundle built with esbuild, served with its models
 * and ORT-web's WASM by the real server; headless Chromium with a fake camera fed a real face video (y4m made
 * here from the bundled sample with ffmpeg); the pipeline runs in the page on ORT-web and only signals reach
 * /ingest. The server publishes them into its sinks (a recorder, the /ws dashboard channel) under the page's
 * stream id. Every frame the page sends is checked: JSON text, the ingest schema, the exported JSON Schema, no
 * image data. Prints the page's own fps, per-stage ms and bytes/s (software WASM on this machine's cores).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { firstValueFrom, from, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { AuBatcher, classifyFaces } from '../../src/classify/index.js';
import type { ClientState } from '../../src/client/index.js';
import { createModels } from '../../src/compose.js';
import type { Config } from '../../src/config/index.js';
import { detectAndTrack } from '../../src/detect/index.js';
import { checkIngestMessage, imageDataProblem } from '../../src/schemas/index.js';
import { type AupipeServer, createServer } from '../../src/server/index.js';
import { WsHub } from '../../src/sink/index.js';
import type { Publisher } from '../../src/sink/publisher.js';
import type { Frame, Message } from '../../src/types.js';
import { buildClient, decodeFrames, launchWithCamera, makeY4m } from '../helpers/client.js';
import { until } from '../helpers/nats.js';
import { ingestOnlyFactory, testConfig } from '../helpers/service.js';
import { tempDir } from '../helpers/videos.js';
import { validateMessage } from '../schemas/validate.js';

const SAMPLE = path.resolve('assets/sample.mp4');

const W = 640;
const H = 480;

/** AU samples per frame from the server's own stages (ORT-node): createModels → detectAndTrack → classifyFaces. */
async function nodeAus(config: Config, frames: readonly Uint8Array[], fps: number) {
  const models = await createModels(config);
  const batcher = new AuBatcher(models.estimator, config.classify);
  try {
    const src: Frame[] = frames.map((rgb, seq) => ({
      streamId: 'parity',
      seq,
      ptsMs: (seq * 1000) / fps,
      width: W,
      height: H,
      rgb,
      decodedAt: 0,
      release: () => {},
    }));
    const out = await firstValueFrom(
      from(src).pipe(detectAndTrack(models.detector, config.detect), classifyFaces(batcher), toArray()),
    );
    // the last item ends the open tracks after the last frame
    return out.slice(0, frames.length);
  } finally {
    await batcher.close();
    await models.close();
  }
}

describe('student page: the pipeline in the browser, only signals leave it', () => {
  const tmp = tempDir('aupipe-client-');
  const seen: Message[] = [];
  const recorder: Publisher = {
    publish: (m) => void seen.push(m),
    flush: async () => {},
    close: async () => {},
  };
  let server: AupipeServer;
  let base: string;
  let browser: Browser;
  let config: Config;

  beforeAll(async () => {
    const bundle = path.join(tmp.dir, 'client');
    buildClient(path.relative(process.cwd(), bundle));
    const y4m = path.join(tmp.dir, 'camera.y4m');
    makeY4m(SAMPLE, y4m, 8, 15);
    config = testConfig(path.join(tmp.dir, 'state'), { browser: { bundleDir: bundle } });
    server = createServer({
      config,
      factory: ingestOnlyFactory(config),
      hub: new WsHub(config.sink.ws),
      publishers: [recorder],
    });
    base = await server.listen();
    browser = await launchWithCamera(y4m);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    tmp.cleanup();
  });

  it('sends schema-valid AU samples and emotion events, never image data; the server publishes them', async () => {
    const page: Page = await browser.newPage();
    const sent: (string | Buffer)[] = [];
    page.on('websocket', (ws) => {
      if (ws.url().includes('/ingest')) ws.on('framesent', (f) => sent.push(f.payload));
    });
    page.on('pageerror', (e) => console.error('page error:', e.message));
    // the dashboard's channel: browser streams reach /ws subscribers like server-side ones
    const dash: Message[] = [];
    const sub = new WebSocket(`${base.replace('http', 'ws')}/ws`);
    sub.on('message', (d) => dash.push(JSON.parse(d.toString()) as Message));
    await new Promise((r) => sub.once('open', r));
    sub.send(JSON.stringify({ op: 'subscribe', streams: ['*'], channels: ['au', 'emotion', 'status'] }));

    await page.goto(`${base}/student?consent=1`);
    const state = () => page.evaluate(() => window.aupipeClient) as Promise<ClientState>;
    await until(() => seen.some((m) => m.type === 'emotion'), 150_000, 'an emotion event from the browser');
    await until(() => seen.filter((m) => m.type === 'au').length >= 10, 30_000, 'ten AU samples');
    // attention on the device: readings in the AU samples (head pose from the mesh fit), and attention events
    // (the clip shows one to four faces: multiple_faces at least)
    await until(
      () => seen.some((m) => m.type === 'attention'),
      60_000,
      'an attention event from the browser',
    );
    // the sender thins attention readings to attentionRateHz per face: wait for more than five samples that carry one
    const withReading = () => seen.flatMap((m) => (m.type === 'au' && m.attention ? [m.attention] : []));
    await until(() => withReading().length > 5, 60_000, 'six AU samples with an attention reading');
    const readings = withReading();
    expect(readings.length).toBeGreaterThan(5);
    for (const a of readings) {
      expect(a.faces).toBeGreaterThanOrEqual(1);
      expect(Number.isFinite(a.pose!.yaw)).toBe(true);
      expect(typeof a.onScreen).toBe('boolean');
    }
    const kinds = new Set(seen.flatMap((m) => (m.type === 'attention' ? [m.kind] : [])));
    console.log(`browser attention events: ${[...kinds].join(', ')}`);
    const s = await state();
    expect(s.phase).toBe('running');
    const streamId = seen.find((m) => m.type === 'au')!.streamId;
    expect(streamId).toMatch(/^web-/);
    expect(seen.filter((m) => !('streamId' in m) || m.streamId !== streamId)).toEqual([]);
    expect(seen.find((m) => m.type === 'status')).toMatchObject({ streamId, state: 'live' });
    expect(dash.some((m) => m.type === 'au' && m.streamId === streamId)).toBe(true);
    expect(dash.some((m) => m.type === 'emotion' && m.streamId === streamId)).toBe(true);

    // every frame the page sent: text JSON, the ingest schema, the exported JSON Schema, no image data
    expect(sent.length).toBeGreaterThan(10);
    for (const p of sent) {
      expect(typeof p).toBe('string');
      const msg = JSON.parse(p as string) as unknown;
      expect(imageDataProblem(msg)).toBeNull();
      expect(checkIngestMessage(msg).ok).toBe(true);
      expect(validateMessage(msg)).toEqual([]);
      expect((p as string).length).toBeLessThan(2048);
    }
    // the teacher view lists the browser client next to a server-side stream (an upload, ingest only here)
    const up = await fetch(`${base}/api/uploads?name=sample.mp4`, {
      method: 'POST',
      body: readFileSync(SAMPLE),
      headers: { 'content-type': 'video/mp4' },
    });
    expect(up.status).toBe(201);
    const { id: serverStream } = (await up.json()) as { id: string };
    const teacher = await browser.newPage();
    await teacher.goto(base);
    await teacher.waitForSelector(`[data-stream-id="${streamId}"]`, { timeout: 20_000 });
    await teacher.waitForSelector(`[data-stream-id="${serverStream}"]`, { timeout: 20_000 });
    await teacher.close();

    const ingest = server.ingest!.stats();
    expect(ingest.refused).toEqual({});

    const bytesPerSec = s.sender!.bytes / s.runningSec;
    console.log(
      `browser client: ${s.fps.toFixed(1)} fps analysed (${s.frames} frames, ${s.dropped} dropped), ` +
        `threads ${s.threads}, provider ${s.provider}; per frame detect ${s.stageMs.detect.toFixed(1)} ms, ` +
        `AU ${s.stageMs.au.toFixed(1)} ms, attention ${s.stageMs.attention.toFixed(2)} ms, ` +
        `emotion ${s.stageMs.emotion.toFixed(2)} ms; sent ${s.sender!.sent} ` +
        `messages ${JSON.stringify(s.sender!.byType)}, ${(bytesPerSec / 1024).toFixed(2)} KB/s`,
    );
    expect(s.threads).toBe(true);
    expect(s.fps).toBeGreaterThan(0);
    sub.close();
    await page.close();
  }, 240_000);

  it('gives the AU probabilities of the Node pipeline on the same frames, within 1e-3 (ORT-web in the page); sends nothing before consent', async () => {
    const FPS = 15;
    const frames = decodeFrames(SAMPLE, 24, FPS, W, H);
    expect(frames).toHaveLength(24);
    // the page's settings: the same detector schedule on both sides, and the page's short-range detector
    const nodeConfig: Config = {
      ...config,
      detect: { ...config.detect, every: config.browser.detectEvery, range: 'short', tileSide: 0 },
    };
    const node = await nodeAus(nodeConfig, frames, FPS);
    const page = await browser.newPage();
    const sockets: string[] = [];
    page.on('websocket', (ws) => sockets.push(ws.url()));
    await page.goto(`${base}/student`); // no consent: the camera stays off, nothing is sent
    await page.waitForFunction(() => typeof window.aupipeParity === 'function');
    const payload = frames.map((rgb, i) => ({
      width: W,
      height: H,
      ptsMs: (i * 1000) / FPS,
      rgb: Buffer.from(rgb).toString('base64'),
    }));
    const web = (await page.evaluate((f) => window.aupipeParity(f), payload)) as {
      trackId: number;
      au: Record<string, number>;
    }[][];
    // without consent the page never opened the camera nor the ingest socket
    expect(await page.evaluate(() => window.aupipeClient.phase)).toBe('consent');
    expect(sockets).toEqual([]);
    await page.close();
    expect(web).toHaveLength(frames.length);
    let faces = 0;
    let worst = 0;
    node.forEach((f, i) => {
      const w = web[i]!;
      expect(w.map((s) => s.trackId)).toEqual(f.samples.map((s) => s.trackId));
      f.samples.forEach((s, k) => {
        for (const [au, p] of Object.entries(s.au)) worst = Math.max(worst, Math.abs(p - w[k]!.au[au]!));
        faces++;
      });
    });
    console.log(
      `parity: ${faces} faces over ${frames.length} frames, largest AU difference ${worst.toExponential(2)}`,
    );
    expect(faces).toBeGreaterThanOrEqual(frames.length);
    expect(worst).toBeLessThan(1e-3);
  }, 240_000);
});
