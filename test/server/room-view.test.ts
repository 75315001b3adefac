/**
 * The teacher's view end to end: the real pipeline on four uploaded videos (the bundled sample and 4-face sample,
 * two real clips), all in one room, shown in headless Chromium; counts checked against the videos' faces and the
 * server's room aggregate; a screenshot for a person to look at; the drill-down to the per-face view.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPipelineDeps } from '../../src/compose.js';
import { pipelineFactory } from '../../src/server/factory.js';
import { type Service, startService } from '../../src/server/service.js';
import type { RoomAggregate } from '../../src/types.js';
import { launchChromium } from '../helpers/browser.js';
import { testConfig } from '../helpers/service.js';
import { MEDIA_DIR, sharedAvailable } from '../helpers/shared.js';
import { tempDir } from '../helpers/videos.js';

const ARTIFACTS = path.resolve('artifacts');
/** Stream id → file and how many faces it shows (measured with the detector at 5 fps, every frame). */
const CLASS = {
  sample: { file: path.resolve('assets/sample.mp4'), faces: [1, 2, 4] },
  four: { file: path.resolve('assets/sample-4faces.mp4'), faces: [3, 4] },
  webcam: { file: path.join(MEDIA_DIR, 'webcam_talking_1.mp4'), faces: [1] },
  single: { file: path.join(MEDIA_DIR, 'single_face.mp4'), faces: [1] },
} as const;
const haveMedia = sharedAvailable('media', ['webcam_talking_1.mp4', 'single_face.mp4']);

describe.skipIf(!haveMedia)("teacher's view (real pipeline, 4 streams in a room, Chromium)", () => {
  const tmp = tempDir('aupipe-room-view-');
  let service: Service;
  let deps: Awaited<ReturnType<typeof createPipelineDeps>>;
  let browser: Browser;

  beforeAll(async () => {
    const config = testConfig(path.join(tmp.dir, 'state'), {
      ingest: { fps: 5 },
      rooms: { intervalMs: 500 },
    });
    [deps, browser] = await Promise.all([createPipelineDeps(config), launchChromium()]);
    service = await startService({ config, factory: pipelineFactory(deps) });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await service?.close();
    await deps?.close();
    tmp.cleanup();
  });

  it('shows every stream of the room with its faces, counts that add up, and drills down to a stream', async () => {
    const base = service.url;
    const post = (p: string, body?: unknown) =>
      fetch(`${base}${p}`, {
        method: 'POST',
        ...(body ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
      });
    expect((await post('/api/rooms', { id: 'class-7', name: 'Class 7 · optics' })).status).toBe(201);
    for (const [id, c] of Object.entries(CLASS)) {
      const res = await fetch(
        `${base}/api/uploads?id=${id}&room=class-7&loop=true&name=${path.basename(c.file)}`,
        {
          method: 'POST',
          body: readFileSync(c.file),
          headers: { 'content-type': 'video/mp4' },
        },
      );
      expect(res.status).toBe(201);
      expect(((await res.json()) as { room: string }).room).toBe('class-7');
    }
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    await page.goto(`${base}/room?id=class-7`);
    await page.waitForSelector('.student-stream[data-stream="webcam"] .student', { timeout: 120_000 });

    /** What the page shows: per-stream face rows and the header's present count. */
    const shown = () =>
      page.evaluate(() => {
        const per: Record<string, number> = {};
        for (const c of Array.from(document.querySelectorAll<HTMLElement>('.student-stream')))
          per[c.dataset.stream!] = c.querySelectorAll('.student[data-student]').length;
        return { per, present: Number(document.getElementById('stat-present')!.textContent) };
      });
    // wait until every stream shows a plausible face count (the models warm up on a loaded machine)
    let view = await shown();
    const deadline = Date.now() + 120_000;
    const plausible = (v: typeof view) =>
      Object.entries(CLASS).every(([id, c]) => (c.faces as readonly number[]).includes(v.per[id] ?? -1)) &&
      v.present === Object.values(v.per).reduce((a, b) => a + b, 0);
    while (!plausible(view) && Date.now() < deadline) {
      await page.waitForTimeout(500);
      view = await shown();
    }
    expect(Object.keys(view.per).sort()).toEqual(['four', 'sample', 'single', 'webcam']);
    expect(plausible(view), JSON.stringify(view)).toBe(true);
    // the server's own aggregate agrees with the page (one tick apart at most)
    const room = (await (await fetch(`${base}/api/rooms/class-7`)).json()) as { aggregate: RoomAggregate };
    expect(Math.abs(room.aggregate.present - view.present)).toBeLessThanOrEqual(2);
    expect(await page.textContent('#room-title')).toBe('Class 7 · optics');
    // engagement scores arrive after emotion.engagementIntervalMs of a track's time (a looping clip's new tracks
    // start again): wait until the header and several cards show one
    await page.waitForFunction(
      () =>
        document.querySelectorAll('#room-chart path').length >= 2 &&
        /%/.test(document.getElementById('stat-engagement')?.textContent ?? '') &&
        Array.from(document.querySelectorAll('.student .eng')).filter((e) => /%/.test(e.textContent ?? ''))
          .length >= 3,
      undefined,
      { timeout: 60_000 },
    );
    await page.waitForTimeout(3000); // a few more ticks on the timeline
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'teacher-view.png'), fullPage: true });

    // drill-down: a student's card opens the per-face view of that stream
    await page.click('.student-stream[data-stream="four"]');
    await page.waitForURL(/\/\?stream=four/);
    await page.waitForFunction(
      () => document.getElementById('stream-title')?.textContent === 'four',
      undefined,
      {
        timeout: 20_000,
      },
    );
    await page.close();
  }, 300_000);
});
