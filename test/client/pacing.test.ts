import { describe, expect, it } from 'vitest';
import { AuThrottle, FpsMeter, FrameGate } from '../../src/client/pacing.js';

describe('FrameGate: a chosen rate, dropping (never queueing) frames while the device is busy', () => {
  it('takes one frame per period when analysis is fast', () => {
    const g = new FrameGate(10); // 100 ms slots
    const taken: number[] = [];
    for (let t = 0; t <= 1000; t += 10) {
      if (g.offer(t)) {
        taken.push(t);
        g.done();
      }
    }
    expect(taken).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
    expect(g.stats()).toEqual({ taken: 11, dropped: 0 });
  });

  it('drops the slots that pass while a frame is analysed, and takes the next one at once', () => {
    const g = new FrameGate(10);
    expect(g.offer(0)).toBe(true);
    // analysis takes 350 ms: offers meanwhile are refused
    for (let t = 10; t < 350; t += 10) expect(g.offer(t)).toBe(false);
    g.done();
    // slots 100, 200, 300 passed: 300 is taken now (late), 100 and 200 were dropped
    expect(g.offer(350)).toBe(true);
    expect(g.stats()).toEqual({ taken: 2, dropped: 2 });
    g.done();
    // the next slot is 400, not 450: the schedule keeps its phase
    expect(g.offer(390)).toBe(false);
    expect(g.offer(400)).toBe(true);
  });
});

describe('FpsMeter', () => {
  it('is the rate of completed frames over its window', () => {
    const m = new FpsMeter(1000);
    expect(m.fps()).toBe(0);
    for (let t = 0; t <= 2000; t += 80) m.tick(t);
    expect(m.fps()).toBeCloseTo(12.5, 5);
  });
});

describe('AuThrottle', () => {
  it('lets rateHz samples per track through by stream time, each track on its own', () => {
    const th = new AuThrottle(4); // 250 ms
    const out: [number, number][] = [];
    for (let t = 0; t < 1000; t += 1000 / 15) {
      for (const id of [1, 2]) if (th.take(id, t)) out.push([id, Math.round(t)]);
    }
    expect(out.filter(([id]) => id === 1).map(([, t]) => t)).toEqual([0, 267, 533, 800]);
    expect(out.filter(([id]) => id === 2)).toHaveLength(4);
    th.end(1);
    expect(th.take(1, 1000)).toBe(true);
  });
});
