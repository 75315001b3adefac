import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSinks } from '../../src/compose.js';
import { type AupipeServer, createServer } from '../../src/server/index.js';
import { until } from '../helpers/nats.js';
import { ingestOnlyFactory, testConfig } from '../helpers/service.js';
import { tempDir } from '../helpers/videos.js';

const SAMPLE = path.resolve('assets/sample.mp4');

describe('HTTP API (real ffmpeg/ffprobe, ingest-only streams)', () => {
  const tmp = tempDir('aupipe-api-');
  const dataDir = path.join(tmp.dir, 'state');
  let srv: AupipeServer;
  let base: string;

  beforeAll(async () => {
    const config = testConfig(dataDir, {
      server: { maxUploadBytes: 4 * 1024 * 1024, rtspAllowHosts: ['127.0.0.1'] },
      ingest: { fps: 5 },
    });
    const { hub } = await createSinks(config, undefined, { ws: true });
    srv = createServer({ config, factory: ingestOnlyFactory(config), hub: hub! });
    base = await srv.listen();
  });
  afterAll(async () => {
    await srv.close();
    tmp.cleanup();
  });

  const upload = (body: BodyInit, query = '', type = 'video/mp4') =>
    fetch(`${base}/api/uploads${query}`, { method: 'POST', body, headers: { 'content-type': type } });

  it('accepts a real video upload, starts its stream, and lists it', async () => {
    const res = await upload(new Blob([readFileSync(SAMPLE)]), '?name=clip.mp4');
    expect(res.status).toBe(201);
    const info = (await res.json()) as { id: string; kind: string; video: { width: number } };
    expect(info.kind).toBe('upload');
    expect(info.video.width).toBe(640);
    await until(() => (srv.manager.get(info.id)?.frames ?? 0) > 5, 20_000, 'frames');
    const one = (await (await fetch(`${base}/api/streams/${info.id}`)).json()) as {
      state: string;
      frames: number;
    };
    expect(['live', 'ended']).toContain(one.state);
    const list = (await (await fetch(`${base}/api/streams`)).json()) as { streams: { id: string }[] };
    expect(list.streams.map((s) => s.id)).toContain(info.id);
    const stored = (srv.manager.get(info.id) as { source: string }).source;
    expect(existsSync(stored)).toBe(true);
    expect((await fetch(`${base}/api/streams/${info.id}`, { method: 'DELETE' })).status).toBe(204);
    expect(existsSync(stored)).toBe(false);
    expect((await fetch(`${base}/api/streams/${info.id}`)).status).toBe(404);
  });

  it('accepts multipart uploads too', async () => {
    const fd = new FormData();
    fd.append('file', new Blob([readFileSync(SAMPLE)]), 'lesson.mp4');
    const res = await fetch(`${base}/api/uploads?id=multi-1`, { method: 'POST', body: fd });
    expect(res.status).toBe(201);
    expect(((await res.json()) as { id: string }).id).toBe('multi-1');
    await srv.manager.remove('multi-1');
  });

  it('refuses a text file with 415 and keeps nothing', async () => {
    const before = readdirSync(path.join(dataDir, 'uploads')).length;
    const res = await upload('just some notes, not a video\n'.repeat(50), '?name=notes.txt', 'text/plain');
    expect(res.status).toBe(415);
    expect(((await res.json()) as { message: string }).message).toMatch(/not a video/);
    expect(readdirSync(path.join(dataDir, 'uploads')).length).toBe(before);
  });

  it('refuses an oversize upload with 413', async () => {
    const res = await upload(new Uint8Array(5 * 1024 * 1024));
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: string }).error).toBe('UPLOAD_TOO_LARGE');
  });

  it('refuses an oversize streamed upload (no content-length) with 413', async () => {
    const chunk = new Uint8Array(256 * 1024);
    let sent = 0;
    const body = new ReadableStream({
      pull(c) {
        if (sent >= 6 * 1024 * 1024) c.close();
        else {
          sent += chunk.length;
          c.enqueue(chunk);
        }
      },
    });
    const res = await fetch(`${base}/api/uploads`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/octet-stream' },
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
  });

  it('stores a "../" file name under a generated name inside the data dir', async () => {
    const evil = path.join(tmp.dir, 'escaped.mp4');
    const fd = new FormData();
    fd.append('file', new Blob([readFileSync(SAMPLE)]), '../../escaped.mp4');
    const res = await fetch(`${base}/api/uploads?name=../../../escaped.mp4`, { method: 'POST', body: fd });
    expect(res.status).toBe(201);
    const info = (await res.json()) as { id: string; source: string };
    expect(existsSync(evil)).toBe(false);
    expect(path.dirname(info.source)).toBe(path.join(dataDir, 'uploads'));
    expect(path.basename(info.source)).toMatch(/^[0-9a-f-]{36}\.mp4$/);
    await srv.manager.remove(info.id);
  });

  it('accepts only rtsp:/rtsps: stream URLs (400 otherwise)', async () => {
    for (const url of ['file:///etc/passwd', 'http://example.com/a.mp4', '/etc/passwd', 'concat:a|b']) {
      const res = await fetch(`${base}/api/streams`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ url }),
      });
      expect(res.status, url).toBe(400);
      expect(((await res.json()) as { message: string }).message).toMatch(/rtsp/);
    }
    const bad = await fetch(`${base}/api/streams`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ nope: 1 }),
    });
    expect(bad.status).toBe(400);
    const ok = await fetch(`${base}/api/streams`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'rtsp://127.0.0.1:1/none', id: 'cam-x' }),
    });
    expect(ok.status).toBe(201);
    await srv.manager.remove('cam-x');
  });

  it('answers 404 for unknown streams, and serves health, metrics and the dashboard', async () => {
    expect((await fetch(`${base}/api/streams/nope`)).status).toBe(404);
    expect((await fetch(`${base}/api/streams/nope`, { method: 'DELETE' })).status).toBe(404);
    const health = (await (await fetch(`${base}/healthz`)).json()) as { ok: boolean };
    expect(health.ok).toBe(true);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/aupipe_frames_total\{stream="[^"]+"\} \d+/);
    expect(metrics).toMatch(/aupipe_uploads_total\{result="not_video"\} 1/);
    const page = await fetch(`${base}/`);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
  });
});
