import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect } from '@nats-io/transport-node';
import { afterAll, describe, expect, it } from 'vitest';
import { type EmbeddedNats, startNatsServer } from '../../src/sink/nats-server.js';
import { lastJsonLine, runCli, startCli } from '../helpers/cli.js';

let server: EmbeddedNats | undefined;
afterAll(async () => {
  await server?.stop();
});

describe('aupipe run --nats', () => {
  it('publishes every message of a real video to a real nats-server subscriber', async () => {
    server = await startNatsServer({ storeDir: mkdtempSync(path.join(tmpdir(), 'aupipe-nats-')) });
    const nc = await connect({ servers: server.url });
    const received: { subject: string; msg: { type: string; streamId: string } }[] = [];
    const sub = nc.subscribe('aupipe.>');
    (async () => {
      for await (const m of sub) received.push({ subject: m.subject, msg: m.json() });
    })();
    await nc.flush();
    const r = await runCli([
      'run',
      '--source',
      'assets/sample.mp4',
      '--fps',
      '2',
      '--nats',
      server.url,
      '--stream-id',
      'lecture-7',
    ]);
    expect(r.code, r.stderr).toBe(0);
    await nc.flush();
    await new Promise((r) => setTimeout(r, 300));
    const summary = lastJsonLine(r.stdout);
    const au = received.filter((r) => r.msg.type === 'au');
    expect(summary.auSamples).toBeGreaterThan(0);
    expect(au).toHaveLength(summary.auSamples);
    expect(au.every((r) => r.subject === 'aupipe.lecture-7.au' && r.msg.streamId === 'lecture-7')).toBe(true);
    const statuses = received
      .filter((r) => r.msg.type === 'status')
      .map((r) => (r.msg as { state?: string }).state);
    expect(statuses).toEqual(['connecting', 'live', 'ended']);
    await nc.close();
  });
});

describe('aupipe run --nats when the broker dies before the file ends (issue #18, item 1)', () => {
  it('exits within the flush bound, non-zero, and says how many events were not delivered', async () => {
    const broker = await startNatsServer({ storeDir: mkdtempSync(path.join(tmpdir(), 'aupipe-nats-dies-')) });
    const jsonl = path.join(mkdtempSync(path.join(tmpdir(), 'aupipe-dies-')), 'run.jsonl');
    // Paced like a camera (15 s of video), so the broker is gone well before the end.
    const p = startCli(
      ['run', '--source', 'assets/sample.mp4', '--fps', '5', '--nats', broker.url, '--jsonl', jsonl],
      { AUPIPE_INGEST_REALTIME: 'true', AUPIPE_SINK_NATS_FLUSH_TIMEOUT_MS: '2000' },
    );
    await new Promise((r) => setTimeout(r, 4000));
    await broker.stop();
    const t0 = Date.now();
    const code = await p.exited;
    const tail = Date.now() - t0;
    expect(code, p.out.stderr).toBe(1);
    // the rest of the 15 s file, then at most the 2 s flush bound and shutdown (it hung forever before)
    expect(tail).toBeLessThan(25_000);
    const summary = lastJsonLine(p.out.stdout);
    expect(summary.undelivered?.events).toBeGreaterThan(0);
    expect(p.out.stderr).toMatch(/SINK_UNDELIVERED: \d+ event\/status message\(s\)/);
    // the JSONL record beside still has every event (emotion and attention events, status): nothing was lost locally
    const events = readFileSync(jsonl, 'utf8')
      .trim()
      .split('\n')
      .filter((l) => /"type":"(emotion|attention|status)"/.test(l)).length;
    expect(events).toBeGreaterThanOrEqual(summary.undelivered?.events ?? 0);
  }, 60_000);
});
