import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect } from '@nats-io/transport-node';
import { afterAll, describe, expect, it } from 'vitest';
import { type EmbeddedNats, startNatsServer } from '../../src/sink/nats-server.js';
import { lastJsonLine, runCli } from '../helpers/cli.js';

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
