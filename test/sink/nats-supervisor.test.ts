import { describe, expect, it } from 'vitest';
import type { EmbeddedNats } from '../../src/sink/nats-server.js';
import { NatsSupervisor, nextAttempt, type SupervisorTimers } from '../../src/sink/nats-supervisor.js';

/** Virtual time: timers fire only when the test advances the clock. */
class VirtualTimers implements SupervisorTimers {
  t = 0;
  private q: { at: number; fn: () => void; id: number }[] = [];
  private n = 0;
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => {
    const id = ++this.n;
    this.q.push({ at: this.t + ms, fn, id });
    return id;
  };
  clearTimeout = (id: unknown) => {
    this.q = this.q.filter((e) => e.id !== id);
  };
  pending = () => this.q.map((e) => e.at - this.t);
  async advance(ms: number) {
    const end = this.t + ms;
    for (;;) {
      this.q.sort((a, b) => a.at - b.at);
      const next = this.q[0];
      if (!next || next.at > end) break;
      this.q.shift();
      this.t = next.at;
      next.fn();
      await flush();
    }
    this.t = end;
    await flush();
  }
}
const flush = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

function fakeServer(pid: number) {
  let die!: (why: string) => void;
  const exited = new Promise<string>((r) => (die = r));
  const s: EmbeddedNats & { die: (why: string) => void; stopped: boolean } = {
    url: 'nats://127.0.0.1:4222',
    port: 4222,
    pid,
    exited,
    stopped: false,
    die,
    async stop() {
      s.stopped = true;
      die('exited with 0');
    },
    async kill() {
      die('killed by SIGKILL');
    },
  };
  return s;
}

const policy = { initialMs: 100, maxMs: 1000, factor: 2, jitter: 0 };

describe('nats-server supervision (virtual time)', () => {
  it('counts a death young as another failed attempt, and a death after a stable life as the first', () => {
    expect(nextAttempt(0, 5, 1000)).toBe(1);
    expect(nextAttempt(3, 5, 1000)).toBe(4);
    expect(nextAttempt(3, 1000, 1000)).toBe(1);
  });

  it('restarts a dead server after the backoff delay on the same port, and backs off while it keeps dying', async () => {
    const timers = new VirtualTimers();
    const servers = [fakeServer(1)];
    const ports: number[] = [];
    const sup = new NatsSupervisor(
      servers[0]!,
      async (port) => {
        ports.push(port);
        const s = fakeServer(servers.length + 1);
        servers.push(s);
        return s;
      },
      { backoff: policy, stableMs: 10_000, timers },
    );
    expect(sup.state().up).toBe(true);
    servers[0]!.die('killed by SIGKILL');
    await flush();
    expect(sup.state()).toMatchObject({
      up: false,
      attempt: 1,
      lastExit: 'killed by SIGKILL',
      downSinceMs: 0,
    });
    expect(timers.pending()).toEqual([100]);
    await timers.advance(99);
    expect(servers).toHaveLength(1);
    await timers.advance(1);
    expect(servers).toHaveLength(2);
    expect(ports).toEqual([4222]);
    expect(sup.state()).toMatchObject({ up: true, restarts: 1, pid: 2 });
    // dies again at once: attempt 2, twice the delay
    servers[1]!.die('exited with 1');
    await flush();
    expect(timers.pending()).toEqual([200]);
    await timers.advance(200);
    expect(sup.state()).toMatchObject({ up: true, restarts: 2, pid: 3 });
    // a long healthy life resets the count: the next death restarts after the first delay again
    await timers.advance(60_000);
    servers[2]!.die('killed by SIGKILL');
    await flush();
    expect(timers.pending()).toEqual([100]);
    await sup.stop();
    expect(timers.pending()).toEqual([]);
  });

  it('retries a failing restart with growing delays, capped, and stops retrying once stopped', async () => {
    const timers = new VirtualTimers();
    const first = fakeServer(1);
    let tries = 0;
    const sup = new NatsSupervisor(
      first,
      async () => {
        tries++;
        throw new Error('port busy');
      },
      { backoff: policy, timers },
    );
    first.die('killed by SIGKILL');
    await flush();
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      delays.push(timers.pending()[0]!);
      await timers.advance(timers.pending()[0]!);
    }
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(tries).toBe(6);
    expect(sup.state().up).toBe(false);
    await sup.stop();
    await timers.advance(10_000);
    expect(tries).toBe(6);
  });

  it('does not restart a server it was asked to stop', async () => {
    const timers = new VirtualTimers();
    const first = fakeServer(1);
    let starts = 0;
    const sup = new NatsSupervisor(
      first,
      async () => {
        starts++;
        return fakeServer(2);
      },
      { backoff: policy, timers },
    );
    await sup.stop();
    await timers.advance(10_000);
    expect(first.stopped).toBe(true);
    expect(starts).toBe(0);
  });
});
