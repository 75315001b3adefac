/**
 * Fuzz pass (property-based, fast-check) over the service's inputs: JSON bodies (random, oversized, deeply
 * nested, wrong types, unknown keys), random paths, methods and queries, random bytes as video uploads,
 * and WebSocket frames (random text and bytes, oversized, deeply nested). Every HTTP answer must be a
 * coded 4xx (or a success), never a 5xx or a hang; the WebSocket answers an `error` or closes with a code;
 * after each batch /healthz still answers and a fresh client can still subscribe.
 */
import path from 'node:path';
import fc from 'fast-check';
import { NEVER, takeUntil } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createSinks } from '../../src/compose.js';
import { type AupipeServer, createServer } from '../../src/server/index.js';
import { testConfig } from '../helpers/service.js';
import { tempDir } from '../helpers/videos.js';

const ADMIN = 'fuzz-admin-token-0123456789';
const RUNS = Number(process.env.AUPIPE_FUZZ_RUNS ?? 300);
const figures: Record<string, number> = {};

describe('fuzz: the service stays up and answers every malformed input with a coded 4xx', () => {
  const tmp = tempDir('aupipe-fuzz-');
  let srv: AupipeServer;
  let base: string;
  const t0 = Date.now();

  beforeAll(async () => {
    const config = testConfig(path.join(tmp.dir, 'state'), {
      server: {
        auth: { tokens: [{ token: ADMIN, scope: 'admin' }] },
        maxUploadBytes: 256 * 1024,
        maxStreams: 1000,
      },
    });
    const { hub } = await createSinks(config, undefined, { ws: true });
    // streams never connect anywhere: the fuzz is about the API, not about cameras
    srv = createServer({ config, hub: hub!, factory: (_i, _s, o) => NEVER.pipe(takeUntil(o.stop$)) });
    base = await srv.listen();
  });
  afterAll(async () => {
    await srv?.close();
    tmp.cleanup();
    figures.seconds = Math.round((Date.now() - t0) / 100) / 10;
    // the figures for the report
    console.log(`fuzz figures: ${JSON.stringify(figures)}`);
  });

  const auth = { authorization: `Bearer ${ADMIN}` };
  /** One request: never a 5xx, never a hang; a 4xx carries a string code and message. */
  async function check(res: Response, what: string): Promise<number> {
    const text = await res.text();
    expect(res.status, `${what} → ${res.status} ${text.slice(0, 200)}`).toBeLessThan(500);
    if (res.status >= 400) {
      const body = JSON.parse(text) as { error: unknown; message: unknown };
      expect(typeof body.error, what).toBe('string');
      expect(body.error, what).toMatch(/^[A-Z][A-Z0-9_]+$/);
      expect(typeof body.message, what).toBe('string');
    }
    figures.requests = (figures.requests ?? 0) + 1;
    return res.status;
  }
  async function alive(): Promise<void> {
    const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(5000) });
    expect(res.status).toBe(200);
  }
  const post = (p: string, body: BodyInit, type: string, headers: Record<string, string> = auth) =>
    fetch(`${base}${p}`, {
      method: 'POST',
      body,
      headers: { 'content-type': type, ...headers },
      signal: AbortSignal.timeout(15_000),
    });

  const deep = fc
    .tuple(fc.integer({ min: 1, max: 200_000 }), fc.constantFrom('[', '{"a":'))
    .map(([n, open]) => open.repeat(n) + (open === '[' ? ']'.repeat(n) : `1${'}'.repeat(n)}`));
  const jsonBody = fc.oneof(
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc
      .record({ url: fc.oneof(fc.string(), fc.webUrl(), fc.jsonValue()), id: fc.jsonValue() })
      .map((v) => JSON.stringify(v)),
    fc
      .dictionary(fc.string({ maxLength: 12 }), fc.jsonValue())
      .map((v) => JSON.stringify({ url: 'rtsp://8.8.8.8/x', ...v })),
    deep,
    fc.string({ maxLength: 300 }),
    fc.integer({ min: 1, max: 3 }).map((mb) => JSON.stringify({ url: 'x'.repeat(mb << 20) })),
  );

  it('POST /api/streams with random, oversized and deeply nested JSON', async () => {
    await fc.assert(
      fc.asyncProperty(jsonBody, async (body) => {
        figures.streamBodies = (figures.streamBodies ?? 0) + 1;
        const status = await check(
          await post('/api/streams', body, 'application/json'),
          `body ${body.slice(0, 80)}`,
        );
        expect([201, 400, 403, 409, 413, 429]).toContain(status);
      }),
      { numRuns: RUNS },
    );
    await alive();
  }, 120_000);

  it('random methods, paths, queries and tokens', async () => {
    const method = fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'HEAD', 'OPTIONS');
    const segment = fc.oneof(
      fc.constantFrom('api', 'streams', 'uploads', 'healthz', 'metrics', 'ws', '..', '%00', '%2e%2e'),
      fc.string({ maxLength: 20 }),
    );
    const query = fc.dictionary(
      fc.constantFrom('id', 'loop', 'name', 'token', 'x'),
      fc.string({ maxLength: 40 }),
    );
    const token = fc.oneof(fc.constant(undefined), fc.constant(ADMIN), fc.string({ maxLength: 40 }));
    await fc.assert(
      fc.asyncProperty(method, fc.array(segment, { maxLength: 5 }), query, token, async (m, segs, q, tok) => {
        figures.routes = (figures.routes ?? 0) + 1;
        const p = `/${segs.map(encodeURIComponent).join('/')}?${new URLSearchParams(q)}`;
        const headers: Record<string, string> =
          tok === undefined ? {} : { authorization: `Bearer ${tok.replace(/[^\x21-\x7e]/g, '')}` };
        const res = await fetch(`${base}${p}`, { method: m, headers, signal: AbortSignal.timeout(10_000) });
        if (m === 'HEAD' || res.status < 400) {
          expect(res.status, `${m} ${p}`).toBeLessThan(500);
          await res.arrayBuffer();
          figures.requests = (figures.requests ?? 0) + 1;
        } else await check(res, `${m} ${p}`);
      }),
      { numRuns: RUNS * 2 },
    );
    await alive();
  }, 120_000);

  it('random bytes as video uploads (raw and multipart) are refused with a code and leave no file', async () => {
    const bytes = fc.uint8Array({ minLength: 0, maxLength: 64 * 1024 });
    const type = fc.constantFrom(
      'video/mp4',
      'application/octet-stream',
      'text/plain',
      'image/png',
      'application/json',
    );
    await fc.assert(
      fc.asyncProperty(bytes, type, fc.boolean(), async (b, t, multipart) => {
        figures.uploads = (figures.uploads ?? 0) + 1;
        let res: Response;
        if (multipart) {
          const fd = new FormData();
          fd.append('file', new Blob([b]), 'x.mp4');
          res = await fetch(`${base}/api/uploads`, {
            method: 'POST',
            body: fd,
            headers: auth,
            signal: AbortSignal.timeout(20_000),
          });
        } else res = await post('/api/uploads', b, t);
        const status = await check(res, `upload ${b.length} bytes ${t} multipart=${multipart}`);
        expect([400, 413, 415]).toContain(status);
      }),
      { numRuns: Math.ceil(RUNS / 3) },
    );
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(path.join(tmp.dir, 'state', 'uploads'))).toEqual([]);
    // an upload just over the limit
    await check(await post('/api/uploads', new Uint8Array(300 * 1024), 'video/mp4'), 'oversize');
    await alive();
  }, 180_000);

  it('WebSocket upgrades to random request targets (e.g. //%2500, which once threw in the upgrade handler and killed the process)', async () => {
    const { connect } = await import('node:net');
    const port = Number(new URL(base).port);
    const target = fc.oneof(
      fc.constantFrom('//%2500', '//', '/ws?token=%zz', '//ws', '/ws/../ws', '*', 'http://x/ws'),
      fc.string({ maxLength: 40 }).map((t) => `/${t.replace(/[^\x21-\x7e]/g, '')}`),
    );
    await fc.assert(
      fc.asyncProperty(target, async (t) => {
        figures.upgrades = (figures.upgrades ?? 0) + 1;
        const sock = connect(port, '127.0.0.1');
        sock.on('error', () => {});
        await new Promise((r) => sock.once('connect', r));
        sock.write(
          `GET ${t} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
        );
        await new Promise<void>((r) => {
          sock.once('close', () => r());
          setTimeout(() => {
            sock.destroy();
            r();
          }, 300);
        });
      }),
      { numRuns: Math.ceil(RUNS / 3) },
    );
    await alive();
  }, 120_000);

  it('WebSocket: random, oversized and deeply nested frames get an error or a coded close; the hub keeps serving', async () => {
    const ws = base.replace(/^http/, 'ws');
    const frame = fc.oneof(
      fc.string({ maxLength: 500 }),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc
        .record({
          op: fc.constantFrom('subscribe', 'unsubscribe', 'ping', 'x'),
          streams: fc.jsonValue(),
          channels: fc.jsonValue(),
        })
        .map((v) => JSON.stringify(v)),
      fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b)),
      fc.integer({ min: 1, max: 20_000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`),
      fc.integer({ min: 65 * 1024, max: 200 * 1024 }).map((n) => 'x'.repeat(n)),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 5 }), async (frames) => {
        figures.wsSessions = (figures.wsSessions ?? 0) + 1;
        figures.wsFrames = (figures.wsFrames ?? 0) + frames.length;
        const c = new WebSocket(`${ws}/ws?token=${ADMIN}`);
        const got: string[] = [];
        let closeCode = 0;
        const closed = new Promise<void>((r) =>
          c.on('close', (code) => {
            closeCode = code;
            r();
          }),
        );
        c.on('error', () => {});
        c.on('message', (d) => got.push(String(d)));
        await new Promise<void>((r, j) => {
          c.once('open', () => r());
          c.once('error', j);
        });
        for (const f of frames) if (c.readyState === WebSocket.OPEN) c.send(f);
        // a ping answered means every frame before it was handled (frames are handled in order)
        if (c.readyState === WebSocket.OPEN) c.send('{"op":"ping"}');
        const t = Date.now();
        while (
          c.readyState === WebSocket.OPEN &&
          !got.some((m) => m.includes('"pong"')) &&
          Date.now() - t < 5000
        )
          await new Promise((r) => setTimeout(r, 5));
        if (c.readyState === WebSocket.OPEN) {
          expect(got.some((m) => m.includes('"pong"'))).toBe(true);
          c.close();
        }
        await closed;
        // either it stayed open (and answered), or the server closed it with a code saying why
        expect(closeCode === 1005 || closeCode === 1000 || closeCode === 1009 || closeCode >= 4000).toBe(
          true,
        );
        for (const m of got) {
          const o = JSON.parse(m) as { type: string };
          expect(typeof o.type).toBe('string');
        }
      }),
      { numRuns: RUNS },
    );
    // a fresh client still gets its hello and can subscribe
    const c = new WebSocket(`${ws}/ws?token=${ADMIN}`);
    const msgs: { type: string }[] = [];
    c.on('message', (d) => msgs.push(JSON.parse(String(d))));
    await new Promise((r) => c.once('open', r));
    c.send(JSON.stringify({ op: 'subscribe', streams: ['*'], channels: ['status'] }));
    const t = Date.now();
    while (!msgs.some((m) => m.type === 'subscribed') && Date.now() - t < 5000)
      await new Promise((r) => setTimeout(r, 10));
    expect(msgs.map((m) => m.type)).toContain('subscribed');
    c.close();
    await alive();
  }, 120_000);
});
