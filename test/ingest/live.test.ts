import type { Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { SourceError } from '../../src/errors.js';
import { type AttemptEvent, type IngestEvent, type LivePolicy, liveLoop } from '../../src/ingest/live.js';
import type { Frame } from '../../src/types.js';

const policy: LivePolicy = {
  stallTimeoutMs: 1000,
  connectTimeoutMs: 800,
  reconnect: { initialMs: 100, maxMs: 1000, factor: 2, jitter: 0, maxAttempts: 0, connectAttempts: 0 },
};

const frame = (seq: number): AttemptEvent => ({ kind: 'frame', frame: { seq } as unknown as Frame });
const values: Record<string, AttemptEvent> = {
  a: frame(1),
  b: frame(2),
  c: frame(3),
  d: { kind: 'dropped' },
};

function label(ev: IngestEvent): string {
  if (ev.kind === 'frame') return `F${ev.frame.seq}`;
  const s = ev.status;
  return [s.state, s.attempt, s.code].filter((x) => x !== undefined).join(':');
}

/**
 * Runs liveLoop in virtual time. `attempts[i]` is the marble of the i-th connection (the last one repeats);
 * returns [virtual ms, event] pairs and how many times it connected.
 */
function simulate(
  attempts: readonly string[],
  p: LivePolicy = policy,
  opts: { errors?: SourceError[]; stopAt?: number } = {},
): { log: Array<[number, string]>; connects: number } {
  const ts = new TestScheduler((a, b) => expect(a).toEqual(b));
  const log: Array<[number, string]> = [];
  let connects = 0;
  ts.run(({ cold, flush }) => {
    const connect = (): Observable<AttemptEvent> => {
      const i = Math.min(connects++, attempts.length - 1);
      const err = opts.errors?.[Math.min(i, (opts.errors?.length ?? 1) - 1)];
      return cold(attempts[i]!, values, err);
    };
    const sub = liveLoop(connect, {
      streamId: 's',
      label: 'cam',
      policy: p,
      scheduler: ts,
      random: () => 0.5,
    }).subscribe({
      next: (ev) => log.push([ts.now(), label(ev)]),
      error: (e: SourceError) => log.push([ts.now(), `error:${e.code}`]),
    });
    ts.schedule(() => sub.unsubscribe(), opts.stopAt ?? 10_000);
    flush();
  });
  return { log, connects };
}

const unreachable = new SourceError('SOURCE_UNREACHABLE', 'cam: cannot connect');

describe('liveLoop (virtual time)', () => {
  it('reports live on the first frame and passes frames through', () => {
    const { log } = simulate(['a 99ms b 99ms c'], policy, { stopAt: 500 });
    expect(log).toEqual([
      [0, 'connecting'],
      [0, 'live'],
      [0, 'F1'],
      [100, 'F2'],
      [200, 'F3'],
    ]);
  });

  it('fires the watchdog after stallTimeoutMs of silence, then reconnects with backoff', () => {
    // First connection: two frames, then silence. Second: one frame every 300 ms.
    const { log, connects } = simulate(['a 99ms b', 'a 299ms b 299ms c'], policy, { stopAt: 2000 });
    expect(log).toEqual([
      [0, 'connecting'],
      [0, 'live'],
      [0, 'F1'],
      [100, 'F2'],
      [1100, 'stalled:SOURCE_STALLED'],
      [1100, 'reconnecting:1:SOURCE_STALLED'],
      [1200, 'live'],
      [1200, 'F1'],
      [1500, 'F2'],
      [1800, 'F3'],
    ]);
    expect(connects).toBe(2);
  });

  it('treats a source that completes as a disconnect, and backs off exponentially while it stays down', () => {
    const { log } = simulate(['a|', '#'], policy, { errors: [unreachable], stopAt: 1600 });
    // Delays 100, 200, 400, 800 (capped at 1000) after each failure.
    expect(log).toEqual([
      [0, 'connecting'],
      [0, 'live'],
      [0, 'F1'],
      [1, 'reconnecting:1:SOURCE_DISCONNECTED'],
      [101, 'reconnecting:2:SOURCE_UNREACHABLE'],
      [301, 'reconnecting:3:SOURCE_UNREACHABLE'],
      [701, 'reconnecting:4:SOURCE_UNREACHABLE'],
      [1501, 'reconnecting:5:SOURCE_UNREACHABLE'],
    ]);
  });

  it('resets the attempt count once a reconnect delivers a frame', () => {
    const { log } = simulate(['a|', '#', 'a|'], policy, { errors: [unreachable], stopAt: 450 });
    // After the second session goes live the next disconnect is attempt 1 again, retried after 100 ms.
    expect(log).toEqual([
      [0, 'connecting'],
      [0, 'live'],
      [0, 'F1'],
      [1, 'reconnecting:1:SOURCE_DISCONNECTED'],
      [101, 'reconnecting:2:SOURCE_UNREACHABLE'],
      [301, 'live'],
      [301, 'F1'],
      [302, 'reconnecting:1:SOURCE_DISCONNECTED'],
      [402, 'live'],
      [402, 'F1'],
      [403, 'reconnecting:1:SOURCE_DISCONNECTED'],
    ]);
  });

  it('gives up after connectAttempts tries when the source never delivered a frame', () => {
    const p = { ...policy, reconnect: { ...policy.reconnect, connectAttempts: 3 } };
    const { log, connects } = simulate(['#'], p, { errors: [unreachable] });
    expect(log).toEqual([
      [0, 'connecting'],
      [0, 'reconnecting:1:SOURCE_UNREACHABLE'],
      [100, 'reconnecting:2:SOURCE_UNREACHABLE'],
      [300, 'failed:SOURCE_UNREACHABLE'],
      [300, 'error:SOURCE_UNREACHABLE'],
    ]);
    expect(connects).toBe(3);
  });

  it('gives up after maxAttempts failed reconnects once it had been live', () => {
    const p = { ...policy, reconnect: { ...policy.reconnect, maxAttempts: 2 } };
    const { log, connects } = simulate(['a|', '#'], p, { errors: [unreachable] });
    expect(log.map((e) => e[1])).toEqual([
      'connecting',
      'live',
      'F1',
      'reconnecting:1:SOURCE_DISCONNECTED',
      'reconnecting:2:SOURCE_UNREACHABLE',
      'failed:SOURCE_UNREACHABLE',
      'error:SOURCE_UNREACHABLE',
    ]);
    expect(connects).toBe(3);
  });

  it('fails at once on a non-retryable error (bad credentials)', () => {
    const auth = new SourceError('SOURCE_AUTH_FAILED', 'cam: authentication failed');
    const { log, connects } = simulate(['50ms #'], policy, { errors: [auth] });
    expect(log).toEqual([
      [0, 'connecting'],
      [50, 'failed:SOURCE_AUTH_FAILED'],
      [50, 'error:SOURCE_AUTH_FAILED'],
    ]);
    expect(connects).toBe(1);
  });

  it('times out a connection that never delivers a first frame after connectTimeoutMs (SOURCE_TIMEOUT, not stalled)', () => {
    const { log } = simulate(['-'], policy, { stopAt: 1000 });
    expect(log).toEqual([
      [0, 'connecting'],
      [800, 'reconnecting:1:SOURCE_TIMEOUT'],
    ]);
  });

  it('counts dropped frames as activity and reports drops at most once a second', () => {
    // A frame, then only drops every 100 ms for 2.5 s: no stall, three drop reports.
    const drops = Array.from({ length: 25 }, () => 'd').join(' 99ms ');
    const { log } = simulate([`a 99ms ${drops}`], policy, { stopAt: 2700 });
    expect(log.map((e) => e[1]).filter((l) => l.startsWith('stalled'))).toEqual([]);
    const reports = log.filter((e) => e[1] === 'live:FRAMES_DROPPED');
    expect(reports.map((e) => e[0])).toEqual([100, 1100, 2100]);
  });

  it('stops reconnecting when unsubscribed during a backoff wait', () => {
    const { log, connects } = simulate(['a|', '#'], policy, { errors: [unreachable], stopAt: 50 });
    expect(log.at(-1)).toEqual([1, 'reconnecting:1:SOURCE_DISCONNECTED']);
    expect(connects).toBe(1);
  });
});
