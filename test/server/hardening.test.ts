import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSinks } from '../../src/compose.js';
import { ServerError } from '../../src/errors.js';
import { type AupipeServer, createServer } from '../../src/server/index.js';
import type { StreamFactory } from '../../src/server/stream-manager.js';
import { ingestOnlyFactory, testConfig } from '../helpers/service.js';
import { tempDir } from '../helpers/videos.js';

const SAMPLE = readFileSync(path.resolve('assets/sample.mp4'));

describe('uploads leave nothing behind; bodies are strict; errors say what happened', () => {
  const tmp = tempDir('aupipe-hard-');
  const dataDir = path.join(tmp.dir, 'state');
  const uploads = path.join(dataDir, 'uploads');
  let srv: AupipeServer;
  let base: string;
  const connects: string[] = [];

  beforeAll(async () => {
    // an orphan from an earlier run, there before the server starts
    mkdirSync(uploads, { recursive: true });
    writeFileSync(path.join(uploads, 'left-over.mp4'), SAMPLE);
    const config = testConfig(dataDir, { server: { maxStreams: 2 }, ingest: { fps: 5 } });
    const { hub } = await createSinks(config, undefined, { ws: true });
    const real = ingestOnlyFactory(config);
    const factory: StreamFactory = (id, spec, o) => {
      if (spec.kind === 'rtsp') connects.push(spec.url);
      return real(id, spec, o);
    };
    srv = createServer({ config, factory, hub: hub! });
    base = await srv.listen();
  });
  afterAll(async () => {
    if (srv) await srv.close().catch(() => {});
    tmp.cleanup();
  });

  const files = () => readdirSync(uploads).length;
  const upload = (query: string) =>
    fetch(`${base}/api/uploads${query}`, {
      method: 'POST',
      body: new Blob([SAMPLE]),
      headers: { 'content-type': 'video/mp4' },
    });
  const json = (p: string, body: string, method = 'POST') =>
    fetch(`${base}${p}`, { method, headers: { 'content-type': 'application/json' }, body });

  it('removes orphaned uploads of an earlier run at start-up', () => {
    expect(existsSync(path.join(uploads, 'left-over.mp4'))).toBe(false);
    expect(files()).toBe(0);
  });

  it('deletes an upload refused with 409 (id exists) and with 429 (max streams), and counts them', async () => {
    expect((await upload('?id=one&loop=true')).status).toBe(201);
    expect(files()).toBe(1);
    const dup = await upload('?id=one');
    expect(dup.status).toBe(409);
    expect(((await dup.json()) as { error: string }).error).toBe('STREAM_EXISTS');
    expect(files()).toBe(1);
    expect((await upload('?id=two&loop=true')).status).toBe(201);
    expect(files()).toBe(2);
    const full = await upload('?id=three');
    expect(full.status).toBe(429);
    expect(((await full.json()) as { error: string }).error).toBe('TOO_MANY_STREAMS');
    expect(files()).toBe(2);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/aupipe_uploads_total\{result="conflict"\} 1/);
    expect(metrics).toMatch(/aupipe_uploads_total\{result="too_many"\} 1/);
    expect((await fetch(`${base}/api/streams/two`, { method: 'DELETE' })).status).toBe(204);
  });

  it('answers an unknown key in a JSON body or query with 400 naming it', async () => {
    const res = await json(
      '/api/streams',
      JSON.stringify({ url: 'rtsp://8.8.8.8/x', id: 'k1', sneaky: true }),
    );
    expect(res.status).toBe(400);
    const b = (await res.json()) as { error: string; message: string };
    expect(b.error).toBe('BAD_REQUEST');
    expect(b.message).toMatch(/"sneaky"/);
    const q = await upload('?id=q1&evil=1');
    expect(q.status).toBe(400);
    expect(((await q.json()) as { message: string }).message).toMatch(/"evil"/);
    expect(connects).toHaveLength(0);
  });

  it('answers a 2 MiB JSON body with 413 BODY_TOO_LARGE and bad JSON with 400 BAD_JSON', async () => {
    const big = await json('/api/streams', JSON.stringify({ url: `rtsp://x/${'a'.repeat(2 << 20)}` }));
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: string }).error).toBe('BODY_TOO_LARGE');
    const bad = await json('/api/streams', '{"url": ');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toBe('BAD_JSON');
  });

  it('refuses a stream to a loopback or private host with 403 SOURCE_HOST_FORBIDDEN before any connection', async () => {
    for (const url of [
      'rtsp://127.0.0.1:8554/cam',
      'rtsp://localhost/cam',
      'rtsp://192.168.1.20/cam',
      'rtsp://[::1]/x',
    ]) {
      const res = await json('/api/streams', JSON.stringify({ url }));
      expect(res.status, url).toBe(403);
      expect(((await res.json()) as { error: string }).error).toBe('SOURCE_HOST_FORBIDDEN');
    }
    expect(connects).toHaveLength(0);
    expect(srv.manager.list().filter((s) => s.kind === 'rtsp')).toHaveLength(0);
  });

  it('says why a non-video is refused (415) without the server paths, and keeps nothing', async () => {
    const before = files();
    const res = await fetch(`${base}/api/uploads`, {
      method: 'POST',
      body: new Uint8Array(4096).fill(7),
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(res.status).toBe(415);
    const { message } = (await res.json()) as { message: string };
    expect(message).toMatch(/not a video/);
    expect(message).not.toContain(tmp.dir);
    expect(message).not.toContain('uploads');
    expect(files()).toBe(before);
    const asJson = await json('/api/uploads', '{"a":1}');
    expect(asJson.status).toBe(415);
  });

  it('serves a favicon (no 404)', async () => {
    const res = await fetch(`${base}/favicon.ico`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/svg/);
  });

  it('removes the files of streams still present at shutdown', async () => {
    expect(files()).toBe(1); // stream "one" still loops
    await srv.close();
    expect(files()).toBe(0);
  });
});

describe('a busy port', () => {
  it('is a coded SERVER_PORT_IN_USE error, not a raw EADDRINUSE', async () => {
    const blocker = createNetServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    const tmp = tempDir('aupipe-port-');
    const config = testConfig(tmp.dir, { server: { port } });
    const { hub } = await createSinks(config, undefined, { ws: true });
    const srv = createServer({ config, hub: hub!, factory: ingestOnlyFactory(config) });
    const err = await srv.listen().catch((e: unknown) => e);
    await srv.close();
    blocker.close();
    tmp.cleanup();
    expect(err).toBeInstanceOf(ServerError);
    expect((err as ServerError).code).toBe('SERVER_PORT_IN_USE');
    expect((err as Error).message).toMatch(new RegExp(`port ${port}`));
  });
});
