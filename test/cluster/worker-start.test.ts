import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli } from '../helpers/cli.js';
import { startTestNats } from '../helpers/nats.js';

type Nats = Awaited<ReturnType<typeof startTestNats>>;
let nats: Nats;

beforeAll(async () => {
  nats = await startTestNats();
});
afterAll(async () => {
  await nats?.stop();
});

describe('aupipe worker start-up', () => {
  // Once a defect: the signal handlers were installed only once the worker was ready (models and detector threads
  // loaded), so a SIGTERM during start-up killed it by the default action (exit code null in the cluster test's drain).
  it('drains with exit 0 on a SIGTERM that arrives while it is still starting', async () => {
    const p = startCli(['worker', '--nats', nats.url, '--worker-id', 'early'], { AUPIPE_LOG_LEVEL: 'info' });
    // 'worker starting' comes before NATS, the buckets and the models (seconds of start-up): signal then
    const t0 = Date.now();
    const said = (m: string) => (p.out.stdout + p.out.stderr).includes(m);
    while (!said('worker starting') && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 20));
    expect(said('worker starting'), 'the worker never logged its start').toBe(true);
    p.signalGroup('SIGTERM');
    const code = await p.exited;
    const log = p.out.stdout + p.out.stderr;
    expect(code, log.slice(-2000)).toBe(0);
    expect(log).toContain('draining');
    expect(log).toContain('worker drained');
    expect(log, 'a worker signalled while starting claims nothing').not.toContain('worker ready');
  }, 60_000);
});
