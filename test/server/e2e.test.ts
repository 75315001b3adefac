/**
 * End to end with real parts: the real pipeline (face models, AU estimator, emotion rules) on the
 * bundled sample video, uploaded over HTTP; a real nats-server that is killed mid-run and restarted
 * on the same port; the WebSocket dashboard in headless Chromium; a JSONL record of the same run.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPipelineDeps } from '../../src/compose.js';
import { pipelineFactory } from '../../src/server/factory.js';
import { type Service, startService } from '../../src/server/service.js';
import type { Publisher } from '../../src/sink/publisher.js';
import type { EmotionEvent, Message } from '../../src/types.js';
import { launchChromium } from '../helpers/browser.js';
import { collect, replayStream, startTestNats, type TestNats, until } from '../helpers/nats.js';
import { testConfig } from '../helpers/service.js';
import { tempDir } from '../helpers/videos.js';
import { validateMessage } from '../schemas/validate.js';

const SAMPLE = path.resolve('assets/sample.mp4');
const ARTIFACTS = path.resolve('artifacts');

describe('live service end to end (real video, real nats-server, Chromium)', () => {
  const tmp = tempDir('aupipe-e2e-');
  const record = path.join(tmp.dir, 'record.jsonl');
  const seen: { m: Message; at: number }[] = [];
  const recorder: Publisher = {
    publish: (m) => seen.push({ m, at: Date.now() }),
    flush: async () => {},
    close: async () => {},
  };
  let nats: TestNats;
  let service: Service;
  let deps: Awaited<ReturnType<typeof createPipelineDeps>>;
  let browser: Browser;

  beforeAll(async () => {
    nats = await startTestNats();
    const config = testConfig(path.join(tmp.dir, 'state'), {
      ingest: { fps: 5 },
      sink: { nats: { enabled: true, url: nats.url, reconnectWaitMs: 100 } },
    });
    [deps, browser] = await Promise.all([createPipelineDeps(config), launchChromium()]);
    service = await startService({
      config,
      factory: pipelineFactory(deps),
      jsonl: record,
      publishers: [recorder],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await service?.close();
    await deps?.close();
    await nats?.stop();
    tmp.cleanup();
  });

  it('an uploaded video reaches NATS and the dashboard; an outage loses no emotion event', async () => {
    const core = await collect(nats.url, 'aupipe.>');
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(service.url);

    const res = await fetch(`${service.url}/api/uploads?name=sample.mp4`, {
      method: 'POST',
      body: readFileSync(SAMPLE),
      headers: { 'content-type': 'video/mp4' },
    });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };

    // The dashboard shows the stream and a tracked face with live AU bars.
    await page.waitForSelector(`[data-stream-id="${id}"]`, { timeout: 30_000 });
    await page.waitForSelector('.face[data-track-id]', { timeout: 120_000 });

    // Broker outage: kill nats-server once events flow, keep it down until an emotion event is produced.
    const isEmotion = (r: { m: Message }) => r.m.type === 'emotion' && r.m.streamId === id;
    await until(() => seen.some(isEmotion), 120_000, 'first emotion event');
    await nats.kill();
    const killedAt = Date.now();
    await until(
      () => seen.some((r) => isEmotion(r) && r.at > killedAt),
      120_000,
      'emotion event during outage',
    );
    const duringOutage = seen.filter((r) => isEmotion(r) && r.at > killedAt).length;
    await nats.restart();

    await page.waitForSelector('.ev-emotion', { timeout: 30_000 });
    // For the artefact, give the page a moment with several faces on screen if the video gets there.
    await page.waitForSelector('.lane:nth-child(2)', { timeout: 30_000 }).catch(() => undefined);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard.png') });

    // The page reconnects by itself when its WebSocket drops.
    for (const c of service.server.hub.wss.clients) c.terminate();
    await page.waitForSelector('#conn.conn-wait', { timeout: 10_000 });
    await page.waitForSelector('#conn.conn-ok', { timeout: 20_000 });
    // The replay after reconnecting is not logged twice: at most one log line per start/end produced.
    await new Promise((r) => setTimeout(r, 500));
    const logged = await page.$$eval('.ev-emotion', (els) => els.length);
    const produced = seen.filter((r) => isEmotion(r) && (r.m as EmotionEvent).phase !== 'update').length;
    expect(logged).toBeGreaterThan(0);
    expect(logged).toBeLessThanOrEqual(produced);

    await until(() => service.server.manager.get(id)?.state === 'ended', 180_000, 'stream end');
    await until(() => service.nats!.stats().buffered === 0, 30_000, 'NATS outbox drained');

    // Every emotion event of the run, in order, as the JSONL record has it: none lost in the outage.
    await service.server.app.inject({ method: 'GET', url: '/healthz' });
    const recorded = readFileSync(record, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Message)
      .filter((m): m is EmotionEvent => m.type === 'emotion' && m.streamId === id);
    expect(recorded.length).toBeGreaterThan(duringOutage);
    // A consumer that connects after the run replays them from JetStream.
    const replayed = await replayStream(nats.url, 'AUPIPE_EVENTS', `aupipe.${id}.emotion`, {
      min: recorded.length,
      timeoutMs: 20_000,
    });
    expect(replayed).toEqual(recorded);
    expect(duringOutage).toBeGreaterThan(0);

    // What subscribers saw live is schema-valid, per subject.
    const live = core.msgs as Message[];
    expect(live.some((m) => m.type === 'au')).toBe(true);
    expect(live.some((m) => m.type === 'track')).toBe(true);
    for (const m of live) expect(validateMessage(m)).toEqual([]);
    await core.nc.close();
    await page.close();
  }, 420_000);
});
