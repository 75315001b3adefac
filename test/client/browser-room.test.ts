/**
 * A room that mixes a browser client and a server-side stream, with real parts: the student page in headless
 * Chromium (fake camera fed a real one-face clip, the pipeline on ORT-web in the page, signals over /ingest with
 * `?room=`) and an uploaded real one-face clip analysed by the server's own pipeline, both in room `mix`. The
 * teacher's view (/room?id=mix) shows both streams with one face each, its header's count adds up and agrees
 * with the server's aggregate; a screenshot for a person to look at. When the page goes, its stream leaves.
 * API auth is on: the student holds only a room token issued through the API (`/student?token=rt_…`, no room
 * in the link), which loads the page and binds its stream to the room.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPipelineDeps } from '../../src/compose.js';
import { pipelineFactory } from '../../src/server/factory.js';
import { type AupipeServer, createServer } from '../../src/server/index.js';
import { WsHub } from '../../src/sink/index.js';
import type { Publisher } from '../../src/sink/publisher.js';
import type { Message, RoomAggregate } from '../../src/types.js';
import { buildClient, launchWithCamera, makeY4m } from '../helpers/client.js';
import { until } from '../helpers/nats.js';
import { testConfig } from '../helpers/service.js';
import { MEDIA_DIR, sharedAvailable } from '../helpers/shared.js';
import { tempDir } from '../helpers/videos.js';

const ARTIFACTS = path.resolve('artifacts');
const CAMERA = path.join(MEDIA_DIR, 'single_face.mp4');
const UPLOAD = path.join(MEDIA_DIR, 'webcam_talking_1.mp4');
const ADMIN = 'admin-token-for-the-teacher';
const haveMedia = sharedAvailable('media', ['single_face.mp4', 'webcam_talking_1.mp4']);

describe.skipIf(!haveMedia)('a room with a browser client and a server-side stream (Chromium)', () => {
  const tmp = tempDir('aupipe-browser-room-');
  const seen: Message[] = [];
  const recorder: Publisher = {
    publish: (m) => void seen.push(m),
    flush: async () => {},
    close: async () => {},
  };
  let server: AupipeServer;
  let deps: Awaited<ReturnType<typeof createPipelineDeps>>;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    const bundle = path.join(tmp.dir, 'client');
    buildClient(path.relative(process.cwd(), bundle));
    const y4m = path.join(tmp.dir, 'camera.y4m');
    makeY4m(CAMERA, y4m, 8, 15);
    const config = testConfig(path.join(tmp.dir, 'state'), {
      ingest: { fps: 5 },
      rooms: { intervalMs: 500 },
      browser: { bundleDir: bundle },
      server: { auth: { tokens: [{ token: ADMIN, scope: 'admin' }] } },
    });
    [deps, browser] = await Promise.all([createPipelineDeps(config), launchWithCamera(y4m)]);
    server = createServer({
      config,
      factory: pipelineFactory(deps),
      hub: new WsHub(config.sink.ws),
      publishers: [recorder],
    });
    base = await server.listen();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await deps?.close();
    tmp.cleanup();
  });

  it('shows both streams in the teacher view with their faces; counts add up; the page leaves on close', async () => {
    const admin = { authorization: `Bearer ${ADMIN}` };
    const post = (p: string, body: unknown) =>
      fetch(`${base}${p}`, {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { ...admin, 'content-type': 'application/json' },
      });
    expect((await post('/api/rooms', { id: 'mix', name: 'Mixed class' })).status).toBe(201);
    const issued = await post('/api/rooms/mix/tokens', { student: 'Ada' });
    expect(issued.status).toBe(201);
    const { token } = (await issued.json()) as { token: string };
    const student = await browser.newPage();
    student.on('pageerror', (e) => console.error('page error:', e.message));
    await student.goto(`${base}/student?token=${token}&consent=1`);
    const up = await fetch(`${base}/api/uploads?id=upload&room=mix&loop=true&name=webcam_talking_1.mp4`, {
      method: 'POST',
      body: readFileSync(UPLOAD),
      headers: { ...admin, 'content-type': 'video/mp4' },
    });
    expect(up.status).toBe(201);
    await until(
      () => seen.some((m) => m.type === 'au' && m.streamId.startsWith('web-')),
      150_000,
      'browser AU',
    );
    const web = seen.find((m) => m.type === 'au' && m.streamId.startsWith('web-'))!;
    const webId = (web as { streamId: string }).streamId;
    // the room lists the browser client next to the upload
    const room = async () =>
      (await (await fetch(`${base}/api/rooms/mix`, { headers: admin })).json()) as {
        streams: string[];
        streamInfo: { id: string; kind: string; state: string }[];
        aggregate?: RoomAggregate;
      };
    const r = await room();
    expect(r.streams).toEqual([webId, 'upload'].sort());
    expect(r.streamInfo.find((s) => s.id === webId)).toMatchObject({ kind: 'browser', state: 'live' });
    expect(server.ingest!.list()).toMatchObject([{ streamId: webId, room: 'mix', student: 'Ada' }]);

    const teacher = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await teacher.goto(`${base}/room?id=mix&token=${ADMIN}`);
    const shown = () =>
      teacher.evaluate(() => {
        const per: Record<string, number> = {};
        for (const c of Array.from(document.querySelectorAll<HTMLElement>('.student-stream')))
          per[c.dataset.stream!] = c.querySelectorAll('.student[data-student]').length;
        return { per, present: Number(document.getElementById('stat-present')!.textContent) };
      });
    let view = await shown();
    const deadline = Date.now() + 120_000;
    const right = (v: typeof view) => v.per[webId] === 1 && v.per.upload === 1 && v.present === 2;
    while (!right(view) && Date.now() < deadline) {
      await teacher.waitForTimeout(500);
      view = await shown();
    }
    expect(view, JSON.stringify(view)).toEqual({ per: { [webId]: 1, upload: 1 }, present: 2 });
    const agg = (await room()).aggregate!;
    expect(Math.abs(agg.present - view.present)).toBeLessThanOrEqual(1);
    expect(await teacher.textContent(`.student-stream[data-stream="${webId}"] .muted`)).toMatch(
      /^browser · live/,
    );
    await teacher.waitForTimeout(2000);
    mkdirSync(ARTIFACTS, { recursive: true });
    await teacher.screenshot({ path: path.join(ARTIFACTS, 'teacher-view-mixed.png'), fullPage: true });

    // the student closes the page: the stream leaves the room, the upload stays
    await student.close({ runBeforeUnload: true });
    await until(() => server.rooms.get('mix')?.streams.length === 1, 20_000, 'the page left the room');
    expect(server.rooms.get('mix')!.streams).toEqual(['upload']);
    await teacher.waitForSelector(`.student-stream[data-stream="${webId}"]`, {
      state: 'detached',
      timeout: 20_000,
    });
    await teacher.close();
  }, 300_000);
});
