import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { configSchema } from '../../src/config/index.js';
import { type WsConfig, WsHub } from '../../src/sink/ws-hub.js';
import { parseClientRequest } from '../../src/sink/ws-protocol.js';
import { auSample, emotionEvent } from '../helpers/messages.js';
import { until } from '../helpers/nats.js';

const wsCfg = (over: Partial<WsConfig> = {}): WsConfig => ({ ...configSchema.parse({}).sink.ws, ...over });

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

let server: Server | undefined;
let hub: WsHub | undefined;

async function startHub(cfg: WsConfig): Promise<string> {
  hub = new WsHub(cfg);
  server = createServer();
  server.on('upgrade', (req, socket, head) => hub!.handleUpgrade(req, socket, head));
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws`;
}

/** A client that records every message and can subscribe. */
async function client(
  url: string,
): Promise<{ ws: WebSocket; got: { type: string; [k: string]: unknown }[] }> {
  const ws = new WebSocket(url);
  const got: { type: string }[] = [];
  // AU samples are only counted so the test's own memory does not blur the server's.
  ws.on('message', (d) => {
    const m = JSON.parse(d.toString());
    if (m.type !== 'au') got.push(m);
  });
  await new Promise((r, j) => ws.once('open', r).once('error', j));
  return { ws, got };
}

afterEach(async () => {
  await hub?.close();
  if (server) await new Promise((r) => server!.close(r));
  hub = undefined;
  server = undefined;
});

describe('ws protocol parsing', () => {
  it('accepts valid requests and explains bad ones', () => {
    expect(parseClientRequest('{"op":"subscribe","streams":["*"],"channels":["au"]}').ok).toBe(true);
    const bad = parseClientRequest('{"op":"subscribe","streams":["*"],"channels":["video"]}');
    expect(bad.ok === false && bad.error).toMatch(/unknown channel "video"/);
    const badId = parseClientRequest('{"op":"subscribe","streams":["a.b"],"channels":["au"]}');
    expect(badId.ok === false && badId.error).toMatch(/bad stream id/);
    expect(parseClientRequest('nope').ok).toBe(false);
  });
});

describe('WsHub (real ws over loopback)', () => {
  it('rejects a client without the token with close code 4401 and a reason', async () => {
    const url = await startHub(wsCfg({ token: 's3cret' }));
    const ws = new WebSocket(url);
    const [code, reason] = await new Promise<[number, string]>((r) =>
      ws.on('close', (c, why) => r([c, why.toString()])),
    );
    expect(code).toBe(4401);
    expect(reason).toMatch(/unauthorized/);
    const ok = await client(`${url}?token=s3cret`);
    await until(() => ok.got.some((m) => m.type === 'hello'), 2000, 'hello');
    ok.ws.close();
  });

  it('delivers subscribed channels of subscribed streams, replays recent events, honours unsubscribe', async () => {
    const url = await startHub(wsCfg());
    hub!.publish(emotionEvent('a', 0)); // before anyone listens: replayed on subscribe
    const c = await client(url);
    c.ws.send(JSON.stringify({ op: 'subscribe', streams: ['a'], channels: ['emotion'] }));
    await until(() => c.got.some((m) => m.type === 'subscribed'), 2000, 'subscribed');
    hub!.publish(emotionEvent('a', 1));
    hub!.publish(emotionEvent('b', 2));
    hub!.publish(auSample('a', 1));
    await until(() => c.got.filter((m) => m.type === 'emotion').length >= 2, 2000, 'events');
    c.ws.send(JSON.stringify({ op: 'unsubscribe', streams: ['a'] }));
    await until(() => c.got.filter((m) => m.type === 'subscribed').length === 2, 2000, 'unsubscribed');
    hub!.publish(emotionEvent('a', 3));
    c.ws.send(JSON.stringify({ op: 'ping' }));
    await until(() => c.got.some((m) => m.type === 'pong'), 2000, 'pong');
    const ids = c.got.filter((m) => m.type === 'emotion').map((m) => m.id);
    expect(ids).toEqual(['e0', 'e1']);
    c.ws.close();
  });

  it('bounds a client that never reads, then cuts it off; other clients keep receiving', async () => {
    const max = 256 * 1024;
    const url = await startHub(wsCfg({ maxBufferedBytes: max, pingIntervalMs: 60_000, stallMs: 3000 }));
    const slow = await client(url);
    const fast = await client(url);
    for (const c of [slow, fast])
      c.ws.send(JSON.stringify({ op: 'subscribe', streams: ['*'], channels: ['au', 'emotion'] }));
    await until(() => slow.got.length >= 2 && fast.got.length >= 2, 2000, 'subscribed');
    const closed = new Promise<number>((r) => slow.ws.on('close', (code) => r(code)));
    // Stop reading: the kernel buffers fill, then the server's per-client buffer.
    const sock = (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    sock.pause();
    let sentBytes = 0;
    let events = 0;
    const flood = async (rounds: number, untilCut = true) => {
      for (let round = 0; round < rounds && !(untilCut && hub!.stats().slowDisconnects > 0); round++) {
        for (let i = 0; i < 200; i++) {
          const m = auSample('s', i);
          sentBytes += JSON.stringify(m).length;
          hub!.publish(m);
        }
        hub!.publish(emotionEvent('s', events++));
        await new Promise((r) => setTimeout(r, 1));
      }
    };
    // Phase 1: fill the kernel buffers and the client's send buffer. Phase 2: keep flooding while it
    // stays stalled: server memory must stay flat although far more than the bound goes out.
    await flood(60);
    gc();
    const before = process.memoryUsage();
    const sentBefore = sentBytes;
    await flood(300, false);
    gc();
    const after = process.memoryUsage();
    const grew = after.heapUsed + after.external - (before.heapUsed + before.external);
    const phase2 = sentBytes - sentBefore;
    console.log(
      `heap+external grew ${(grew / 1e6).toFixed(1)} MB while ${(phase2 / 1e6).toFixed(1)} MB went out`,
    );
    // A client that held on to what it was sent would add at least `phase2`.
    expect(grew).toBeLessThan(phase2 / 2);
    await flood(10_000); // until the stall window has passed and the client is cut off
    const stats = hub!.stats();
    expect(stats.maxBuffered).toBeLessThanOrEqual(max);
    expect(stats.droppedAu).toBeGreaterThan(0);
    expect(stats.slowDisconnects).toBe(1);
    sock.resume(); // let the client see the end of its connection
    expect(await closed).toBeGreaterThan(1000);
    // The fast client got every emotion event even though AU samples flooded both sockets.
    await until(
      () => fast.got.filter((m) => m.type === 'emotion').length === events,
      5000,
      'fast client events',
    );
    expect(hub!.stats().clients).toBe(1);
    fast.ws.close();
  });

  it('tells a client that fell behind how many AU samples it missed (gap), then resumes', async () => {
    const max = 128 * 1024;
    const url = await startHub(wsCfg({ maxBufferedBytes: max, pingIntervalMs: 60_000, stallMs: 60_000 }));
    const c = await client(url);
    let au = 0;
    c.ws.on('message', (d) => {
      if (JSON.parse(d.toString()).type === 'au') au++;
    });
    c.ws.send(JSON.stringify({ op: 'subscribe', streams: ['*'], channels: ['au'] }));
    await until(() => c.got.some((m) => m.type === 'subscribed'), 2000, 'subscribed');
    const sock = (c.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    sock.pause();
    let sent = 0;
    for (let round = 0; round < 2000 && hub!.stats().droppedAu === 0; round++) {
      for (let i = 0; i < 100; i++, sent++) hub!.publish(auSample('s', i));
      await new Promise((r) => setTimeout(r, 1));
    }
    const dropped = hub!.stats().droppedAu;
    expect(dropped).toBeGreaterThan(0);
    sock.resume();
    await until(() => au >= sent - dropped, 10_000, 'backlog read');
    hub!.publish(auSample('s', 0)); // the next sample goes out after the gap notice
    await until(() => c.got.some((m) => m.type === 'gap'), 5000, 'gap notice');
    const gap = c.got.find((m) => m.type === 'gap') as unknown as { channel: string; dropped: number };
    expect(gap).toMatchObject({ channel: 'au', dropped });
    await until(() => au === sent - dropped + 1, 5000, 'delivery resumed');
    expect(hub!.stats().slowDisconnects).toBe(0);
    c.ws.close();
  });
});
