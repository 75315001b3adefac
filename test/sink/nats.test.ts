import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/index.js';
import { type NatsConfig, NatsPublisher } from '../../src/sink/nats.js';
import type { EmotionEvent, StreamStatus } from '../../src/types.js';
import { auSample, emotionEvent, status } from '../helpers/messages.js';
import { collect, replayStream, startTestNats, type TestNats, until } from '../helpers/nats.js';

const natsCfg = (over: Partial<NatsConfig> = {}): NatsConfig => ({
  ...configSchema.parse({}).sink.nats,
  reconnectWaitMs: 100,
  ...over,
});

describe('NatsPublisher (real nats-server)', () => {
  let nats: TestNats;
  beforeAll(async () => {
    nats = await startTestNats();
  });
  afterAll(async () => {
    await nats.stop();
  });

  it('publishes per stream and type; a late JetStream consumer replays emotion events', async () => {
    const cfg = natsCfg({ subjectPrefix: 'p1', stream: 'P1' });
    const pub = new NatsPublisher(cfg, nats.url);
    await pub.whenReady();
    const sub = await collect(nats.url, 'p1.cam-1.>');
    pub.publish(status('cam-1', 'live'));
    for (let i = 0; i < 20; i++) pub.publish(auSample('cam-1', i));
    for (let i = 0; i < 5; i++) pub.publish(emotionEvent('cam-1', i));
    pub.publish(auSample('other', 0));
    await pub.flush();
    await until(() => sub.msgs.length >= 26, 5000, 'core messages');
    const types = (sub.msgs as { type: string }[]).map((m) => m.type);
    expect(types.filter((t) => t === 'au')).toHaveLength(20);
    expect(types.filter((t) => t === 'emotion')).toHaveLength(5);
    expect((sub.msgs as { streamId: string }[]).every((m) => m.streamId === 'cam-1')).toBe(true);
    await sub.nc.close();
    // A consumer that connects after the fact replays the stored events (AU samples are not stored).
    const replay = (await replayStream(nats.url, 'P1', 'p1.*.emotion', { min: 5 })) as EmotionEvent[];
    expect(replay.map((e) => e.id)).toEqual(['e0', 'e1', 'e2', 'e3', 'e4']);
    const st = (await replayStream(nats.url, 'P1', 'p1.*.status', { min: 1 })) as StreamStatus[];
    expect(st[0]?.state).toBe('live');
    await pub.close();
    expect(pub.stats().published).toBe(27);
  });

  it('survives a broker crash: events produced during the outage arrive after restart, in order', async () => {
    const cfg = natsCfg({ subjectPrefix: 'p2', stream: 'P2' });
    const pub = new NatsPublisher(cfg, nats.url);
    await pub.whenReady();
    let n = 0;
    for (; n < 10; n++) pub.publish(emotionEvent('s', n));
    await pub.flush();
    await nats.kill();
    await until(() => !pub.stats().connected, 5000, 'disconnect');
    for (; n < 60; n++) {
      pub.publish(emotionEvent('s', n));
      pub.publish(auSample('s', n));
    }
    expect(pub.stats().buffered).toBeGreaterThanOrEqual(100);
    await nats.restart();
    await until(() => pub.stats().buffered === 0, 15_000, 'outbox drained');
    const replay = (await replayStream(nats.url, 'P2', 'p2.*.emotion', { min: 60 })) as EmotionEvent[];
    expect(replay.map((e) => e.id)).toEqual(Array.from({ length: 60 }, (_, i) => `e${i}`));
    expect(pub.stats().reconnects).toBe(1);
    await pub.close();
  });

  it('reports an outbox overflow on the status channel, dropping AU samples first', async () => {
    const cfg = natsCfg({ subjectPrefix: 'p3', stream: 'P3', outboxMax: 50 });
    const logs: string[] = [];
    const pub = new NatsPublisher(cfg, nats.url, (_l, m) => logs.push(m));
    await pub.whenReady();
    await nats.kill();
    await until(() => !pub.stats().connected, 5000, 'disconnect');
    for (let i = 0; i < 40; i++) pub.publish(emotionEvent('s', i));
    for (let i = 0; i < 100; i++) pub.publish(auSample('s', i));
    expect(pub.stats().buffered).toBe(50);
    expect(pub.stats().dropped).toBe(90);
    await nats.restart();
    await until(() => pub.stats().buffered === 0, 15_000, 'outbox drained');
    const events = (await replayStream(nats.url, 'P3', 'p3.*.emotion', { min: 40 })) as EmotionEvent[];
    expect(events).toHaveLength(40);
    const st = (await replayStream(nats.url, 'P3', 'p3.*.status', { min: 1 })) as StreamStatus[];
    expect(st.find((s) => s.code === 'SINK_OVERFLOW')?.detail).toMatch(/dropped 90 AU/);
    expect(logs.some((l) => /outbox full/.test(l))).toBe(true);
    await pub.close();
  });
});

describe('NatsPublisher without a broker at start', () => {
  it('buffers until the broker comes up, then delivers in order; close() ends the retries', async () => {
    const { startNatsServer } = await import('../../src/sink/nats-server.js');
    const { mkdtempSync, rmSync } = await import('node:fs');
    const os = await import('node:os');
    const net = await import('node:net');
    const port = await new Promise<number>((r) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => r(p));
      });
    });
    const pub = new NatsPublisher(natsCfg({ subjectPrefix: 'p4', stream: 'P4' }), `nats://127.0.0.1:${port}`);
    for (let i = 0; i < 5; i++) pub.publish(emotionEvent('s', i));
    await new Promise((r) => setTimeout(r, 300));
    expect(pub.stats()).toMatchObject({ connected: false, buffered: 5 });
    const dir = mkdtempSync(`${os.tmpdir()}/aupipe-nats-late-`);
    const server = await startNatsServer({ storeDir: dir, port });
    try {
      await pub.whenReady();
      await until(() => pub.stats().buffered === 0, 10_000, 'drained');
      const replay = (await replayStream(server.url, 'P4', 'p4.*.emotion', { min: 5 })) as EmotionEvent[];
      expect(replay.map((e) => e.id)).toEqual(['e0', 'e1', 'e2', 'e3', 'e4']);
      await pub.close();
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
    // A publisher that never reaches a broker still closes.
    const lost = new NatsPublisher(natsCfg(), 'nats://127.0.0.1:1');
    lost.publish(emotionEvent('s', 0));
    await lost.close();
    await lost.whenReady();
  });
});

describe('NatsPublisher credentials', () => {
  it('passes the configured token through to a broker that requires one', async () => {
    const { startNatsServer } = await import('../../src/sink/nats-server.js');
    const { mkdtempSync, rmSync } = await import('node:fs');
    const os = await import('node:os');
    const dir = mkdtempSync(`${os.tmpdir()}/aupipe-nats-auth-`);
    const server = await startNatsServer({ storeDir: dir, extraArgs: ['--auth', 's3cret'] });
    try {
      const denied = new NatsPublisher(natsCfg({ subjectPrefix: 'p5', stream: 'P5' }), server.url);
      const ok = new NatsPublisher(
        natsCfg({ subjectPrefix: 'p5', stream: 'P5', token: 's3cret' }),
        server.url,
      );
      await ok.whenReady();
      ok.publish(emotionEvent('s', 0));
      await ok.flush();
      expect(ok.stats()).toMatchObject({ connected: true, published: 1 });
      await new Promise((r) => setTimeout(r, 300));
      expect(denied.stats().connected).toBe(false);
      await Promise.all([ok.close(), denied.close()]);
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
