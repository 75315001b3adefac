/**
 * The student page in headless Chromium (software WASM, threads on, no GPU) on a fake camera playing the
 * bundled sample clip: frames analysed per second, per-stage ms per frame (the page's own counters), and bytes
 * per second sent per student against the video bitrate it replaces (the same clip as H.264 at webcam
 * settings). On this machine the cores are shared with everything else running: say so when quoting it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { EMPTY } from 'rxjs';
import type { ClientState } from '../src/client/index.js';
import { configSchema } from '../src/config/index.js';
import { createServer } from '../src/server/index.js';
import { WsHub } from '../src/sink/index.js';
import type { BenchOptions, BenchResult } from './harness.js';

const SAMPLE = path.resolve('assets/sample.mp4');
const FPS = 15;

function run(cmd: string, args: readonly string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
}

export async function run_(o: BenchOptions): Promise<BenchResult[]> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'aupipe-bench-browser-'));
  const warmS = 6;
  const measureS = o.quick ? 10 : 30;
  try {
    const bundle = path.join(tmp, 'client');
    run(process.execPath, ['scripts/build-client.mjs', path.relative(process.cwd(), bundle)]);
    const y4m = path.join(tmp, 'camera.y4m');
    run('ffmpeg', ['-v', 'error', '-i', SAMPLE, '-t', '10', '-r', String(FPS), '-pix_fmt', 'yuv420p', y4m]);
    // the video this replaces: the same seconds as H.264 at webcam-call settings
    const h264 = path.join(tmp, 'camera.mp4');
    run('ffmpeg', [
      '-v',
      'error',
      '-i',
      y4m,
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-crf',
      '23',
      '-an',
      h264,
    ]);
    const videoBytesPerS = statSync(h264).size / 10;

    const config = configSchema.parse({
      server: { port: 0, dataDir: path.join(tmp, 'state') },
      sink: { nats: { enabled: false } },
      browser: { bundleDir: bundle },
      logLevel: 'silent',
    });
    const server = createServer({ config, factory: () => EMPTY, hub: new WsHub(config.sink.ws) });
    const base = await server.listen();
    const browser = await chromium.launch({
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
    try {
      const page = await browser.newPage();
      await page.goto(`${base}/student?consent=1`);
      await page.waitForFunction(
        () => window.aupipeClient.phase === 'running' && window.aupipeClient.frames > 0,
        null,
        {
          timeout: 120_000,
        },
      );
      const read = () => page.evaluate(() => window.aupipeClient) as Promise<ClientState>;
      await page.waitForTimeout(warmS * 1000);
      const a = await read();
      const t0 = performance.now();
      await page.waitForTimeout(measureS * 1000);
      const b = await read();
      const dt = (performance.now() - t0) / 1000;
      if (b.phase !== 'running') throw new Error(`page stopped: ${b.error ?? b.phase}`);
      const frames = b.frames - a.frames;
      const bytes = b.sender!.bytes - a.sender!.bytes;
      // per-stage means over the window, from the running means and frame counts
      const stage = (k: keyof ClientState['stageMs']) =>
        (b.stageMs[k] * b.frames - a.stageMs[k] * a.frames) / frames;
      const note = `headless Chromium, ${b.provider}, threads ${b.threads}, ${os.cpus().length} cores shared, load ${os.loadavg()[0]!.toFixed(1)}`;
      const sentPerS = bytes / dt;
      const byType = Object.entries(b.sender!.bytesByType)
        .map(([k, v]) => `${k} ${((v - (a.sender!.bytesByType[k] ?? 0)) / dt).toFixed(0)}`)
        .join(', ');
      return [
        { name: 'browser.frames_per_s', value: frames / dt, unit: 'fps', target: '>= 10', note },
        {
          name: 'browser.dropped_per_s',
          value: (b.dropped - a.dropped) / dt,
          unit: 'frames/s',
          note: `camera slots at ${config.browser.fps} fps not analysed`,
        },
        {
          name: 'browser.detect_ms',
          value: stage('detect'),
          unit: 'ms/frame',
          note: `detector every ${config.browser.detectEvery} frames, mesh follow between`,
        },
        {
          name: 'browser.au_ms',
          value: stage('au'),
          unit: 'ms/frame',
          note: 'mesh estimator + crop nets (on detections)',
        },
        { name: 'browser.emotion_ms', value: stage('emotion'), unit: 'ms/frame' },
        {
          name: 'browser.sent_bytes_per_s',
          value: sentPerS,
          unit: 'B/s',
          target: '<= 2048',
          baseline: videoBytesPerS,
          ratio: sentPerS / videoBytesPerS,
          note: `per student at ${config.browser.auRateHz} AU samples/s (${byType}); baseline: the clip as H.264 (crf 23, veryfast)`,
        },
      ];
    } finally {
      await browser.close();
      await server.close();
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

export { run_ as run };
