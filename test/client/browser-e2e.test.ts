/**
 * The student page end to end, with real parts: the client bundle built with esbuild, served with its models
 * and ORT-web's WASM by the real server; headless Chromium with a fake camera fed a real face video (y4m made
 * here from the bundled sample with ffmpeg); the pipeline runs in the page on ORT-web and only signals reach
 * /ingest. The server publishes them into its sinks (a recorder, the /ws dashboard channel) under the page's
 * stream id. Every frame the page sends is checked: JSON text, the ingest schema, the exported JSON Schema, no
 * image data. Prints the page's own fps, per-stage ms and bytes/s (software WASM on this machine's cores).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ClientState } from '../../src/client/main.js';
import { checkIngestMessage, imageDataProblem } from '../../src/schemas/index.js';
import { type AupipeServer, createServer } from '../../src/server/index.js';
import { WsHub } from '../../src/sink/index.js';
import type { Publisher } from '../../src/sink/publisher.js';
import type { Message } from '../../src/types.js';
import { until } from '../helpers/nats.js';
import { ingestOnlyFactory, testConfig } from '../helpers/service.js';
import { tempDir } from '../helpers/videos.js';
import { validateMessage } from '../schemas/validate.js';

const SAMPLE = path.resolve('assets/sample.mp4');

/** Chromium with a fake camera that plays `y4m` (looped). */
export function launchWithCamera(y4m: string): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-video-capture=${y4m}`,
    ],
  });
}

/** Builds the client bundle into `dir` (the same script as `npm run build:client`). */
export function buildClient(dir: string): void {
  const r = spawnSync(process.execPath, ['scripts/build-client.mjs', dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`build:client failed: ${r.stderr}`);
}

/** A y4m (Chromium's fake-capture format) of the first `seconds` of `video`, at `fps`. */
export function makeY4m(video: string, out: string, seconds: number, fps: number): void {
  const r = spawnSync(
    'ffmpeg',
    ['-v', 'error', '-y', '-i', video, '-t', String(seconds), '-r', String(fps), '-pix_fmt', 'yuv420p', out],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`ffmpeg failed: ${r.stderr}`);
}

describe('student page: the pipeline in the browser, only signals leave it', () => {
  const tmp = tempDir('aupipe-client-');
  const seen: Message[] = [];
  const recorder: Publisher = { publish: (m) => void seen.push(m), flush: async () => {}, close: async () => {} };
  let server: AupipeServer;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    const bundle = path.join(tmp.dir, 'client');
    buildClient(path.relative(process.cwd(), bundle));
    const y4m = path.join(tmp.dir, 'camera.y4m');
    makeY4m(SAMPLE, y4m, 8, 15);
    const config = testConfig(path.join(tmp.dir, 'state'), { browser: { bundleDir: bundle } });
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
    const s = await state();
    expect(s.phase).toBe('running');
    const streamId = seen.find((m) => m.type === 'au')!.streamId;
    expect(streamId).toMatch(/^web-/);
    expect(seen.filter((m) => m.streamId !== streamId)).toEqual([]);
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
    const ingest = server.ingest!.stats();
    expect(ingest.refused).toEqual({});

    const bytesPerSec = s.sender!.bytes / s.runningSec;
    console.log(
      `browser client: ${s.fps.toFixed(1)} fps analysed (${s.frames} frames, ${s.dropped} dropped), ` +
        `threads ${s.threads}, provider ${s.provider}; per frame detect ${s.stageMs.detect.toFixed(1)} ms, ` +
        `AU ${s.stageMs.au.toFixed(1)} ms, emotion ${s.stageMs.emotion.toFixed(2)} ms; sent ${s.sender!.sent} ` +
        `messages ${JSON.stringify(s.sender!.byType)}, ${(bytesPerSec / 1024).toFixed(2)} KB/s`,
    );
    expect(s.threads).toBe(true);
    expect(s.fps).toBeGreaterThan(0);
    sub.close();
    await page.close();
  }, 240_000);
});
