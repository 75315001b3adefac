import { describe, expect, it } from 'vitest';
import { stepPresence } from '../../src/emotion/hysteresis.js';
import { emaAlpha, lowpassAlpha, OneEuroFilter, VectorSmoother } from '../../src/emotion/smoothing.js';
import { rng } from './helpers.js';

describe('time-based exponential smoothing', () => {
  it('alpha is 1 - exp(-dt/tau), 1 without smoothing, 0 for no elapsed time', () => {
    expect(emaAlpha(250, 250)).toBeCloseTo(1 - Math.exp(-1), 12);
    expect(emaAlpha(33, 0)).toBe(1);
    expect(emaAlpha(0, 250)).toBe(0);
  });

  it('a step reaches 63 % after tau whatever the frame rate, and dropped frames do not change that', () => {
    const at = (fps: number, drop: (i: number) => boolean) => {
      const s = new VectorSmoother<'x'>(300);
      s.update(0, { x: 0 });
      let last = 0;
      for (let i = 1; i * (1000 / fps) <= 300 + 1e-9; i++) {
        if (drop(i)) continue;
        last = s.update(i * (1000 / fps), { x: 1 }).x!;
      }
      return last;
    };
    const target = 1 - Math.exp(-1);
    expect(at(10, () => false)).toBeCloseTo(target, 9);
    expect(at(40, () => false)).toBeCloseTo(target, 9);
    expect(at(40, (i) => i % 3 === 1)).toBeCloseTo(target, 9);
  });

  it('the first sample and the first after reset pass through; keys are smoothed independently', () => {
    const s = new VectorSmoother<'a' | 'b'>(100);
    expect(s.update(0, { a: 0.8 })).toEqual({ a: 0.8 });
    const r = s.update(100, { a: 0, b: 0.5 });
    expect(r.a).toBeCloseTo(0.8 * Math.exp(-1), 9);
    expect(r.b).toBe(0.5);
    s.reset();
    expect(s.update(200, { a: 0.1 })).toEqual({ a: 0.1 });
  });
});

describe('One-Euro filter', () => {
  const params = { minCutoffHz: 1, beta: 0.5, dCutoffHz: 1 };
  const run = (p: typeof params, xs: readonly number[], dtMs = 33) => {
    const f = new OneEuroFilter(p);
    return xs.map((x, i) => f.step(x, i === 0 ? Number.POSITIVE_INFINITY : dtMs));
  };

  it('passes the first sample and a constant through unchanged', () => {
    expect(run(params, [0.4, 0.4, 0.4])).toEqual([0.4, 0.4, 0.4]);
    expect(lowpassAlpha(1, 1000 / (2 * Math.PI))).toBeCloseTo(0.5, 12);
  });

  it('damps jitter on a still face', () => {
    const rand = rng(11);
    const xs = Array.from({ length: 300 }, () => 0.3 + 0.1 * (rand() - 0.5));
    const ys = run(params, xs).slice(50);
    const sd = (a: readonly number[]) => {
      const m = a.reduce((s, x) => s + x, 0) / a.length;
      return Math.sqrt(a.reduce((s, x) => s + (x - m) ** 2, 0) / a.length);
    };
    expect(sd(ys)).toBeLessThan(sd(xs.slice(50)) / 2);
  });

  it('follows a fast change with less lag than the same filter without speed adaptation', () => {
    const step = [0, ...Array.from({ length: 15 }, () => 1)];
    const adaptive = run(params, step);
    const fixed = run({ ...params, beta: 0 }, step);
    const reach = (ys: readonly number[]) => ys.findIndex((y) => y >= 0.9);
    expect(reach(adaptive)).toBeGreaterThan(0);
    expect(reach(fixed) === -1 || reach(adaptive) < reach(fixed)).toBe(true);
  });
});

describe('hysteresis with minimum duration', () => {
  const cfg = { on: 0.5, off: 0.3, minDurationMs: 100 };
  it('rises only after minDurationMs above on, dated at the onset, and falls below off', () => {
    let p = stepPresence({ kind: 'off' }, 0.6, 0, cfg);
    expect(p).toEqual({ next: { kind: 'pending', sinceMs: 0 }, transition: null });
    p = stepPresence(p.next, 0.7, 50, cfg);
    expect(p.transition).toBeNull();
    p = stepPresence(p.next, 0.55, 100, cfg);
    expect(p).toEqual({ next: { kind: 'on', sinceMs: 0 }, transition: 'rise' });
    p = stepPresence(p.next, 0.35, 150, cfg); // between off and on: stays
    expect(p).toEqual({ next: { kind: 'on', sinceMs: 0 }, transition: null });
    p = stepPresence(p.next, 0.29, 200, cfg);
    expect(p).toEqual({ next: { kind: 'off' }, transition: 'fall', atMs: 200 });
  });
  it('with minOffMs, dips below off shorter than it are ignored and the fall is dated at the first drop', () => {
    const c = { ...cfg, minDurationMs: 0, minOffMs: 100 };
    let p = stepPresence({ kind: 'off' }, 0.9, 0, c);
    p = stepPresence(p.next, 0.1, 50, c);
    expect(p).toEqual({ next: { kind: 'ending', sinceMs: 0, belowMs: 50 }, transition: null });
    p = stepPresence(p.next, 0.4, 100, c); // back above off: still present
    expect(p).toEqual({ next: { kind: 'on', sinceMs: 0 }, transition: null });
    p = stepPresence(p.next, 0.2, 200, c);
    p = stepPresence(p.next, 0.2, 250, c);
    expect(p.transition).toBeNull();
    p = stepPresence(p.next, 0.2, 300, c);
    expect(p).toEqual({ next: { kind: 'off' }, transition: 'fall', atMs: 200 });
  });
  it('a blip shorter than minDurationMs never counts', () => {
    let p = stepPresence({ kind: 'off' }, 0.9, 0, cfg);
    p = stepPresence(p.next, 0.45, 60, cfg);
    expect(p.next.kind).toBe('off');
    p = stepPresence(p.next, 0.9, 120, cfg);
    expect(p.next).toEqual({ kind: 'pending', sinceMs: 120 });
  });
  it('rises at once when minDurationMs is 0', () => {
    expect(stepPresence({ kind: 'off' }, 0.5, 7, { ...cfg, minDurationMs: 0 }).transition).toBe('rise');
  });
});
