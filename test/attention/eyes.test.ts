import { readFileSync } from 'node:fs';
import path from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_EYES, EyeTracker, eyeAspect, perclos, quantile } from '../../src/attention/index.js';
import { AuBatcher, type AuEstimator } from '../../src/classify/index.js';
import { CANONICAL_IOD, normalizeMesh } from '../../src/classify/mesh/index.js';
import { loadConfig } from '../../src/config/index.js';
import { createFaceDetector } from '../../src/detect/index.js';
import { loadRules } from '../../src/emotion/index.js';
import { openSource, parseSource } from '../../src/ingest/index.js';
import { streamPipeline } from '../../src/pipeline.js';
import type { AuVector } from '../../src/types.js';
import { MEDIA_DIR, sharedAvailable } from '../helpers/shared.js';

describe('eye openness and blinks (pure, virtual time)', () => {
  it('the canonical face has open eyes of similar aspect, and quantile interpolates', () => {
    const r = eyeAspect(CANONICAL_IOD, 'right');
    const l = eyeAspect(CANONICAL_IOD, 'left');
    expect(r).toBeGreaterThan(0.2);
    expect(Math.abs(r - l)).toBeLessThan(0.02);
    expect(quantile([1, 2, 3, 4, 5], 0.5)).toBe(3);
    expect(quantile([1, 2, 3, 4, 5], 0.9)).toBeCloseTo(4.6, 12);
    expect(quantile([], 0.5)).toBeNaN();
  });

  /** A 30 fps aspect signal: open 0.35, with closures (start ms, length ms) at 0.15. */
  const signal = (ms: number, closures: [number, number][]) =>
    Array.from({ length: Math.round(ms / 33.3) }, (_, i) => {
      const t = Math.round(i * 33.3);
      return { t, a: closures.some(([s, d]) => t >= s && t < s + d) ? 0.15 : 0.35 };
    });

  it('counts short closures as blinks and a long one as an eyes-closed episode, with hysteresis', () => {
    const eyes = new EyeTracker();
    const ended: { ms: number; blink: boolean }[] = [];
    let longest = 0;
    for (const { t, a } of signal(10_000, [
      [1000, 100],
      [2500, 200],
      [4000, 300],
      [6000, 2000],
    ])) {
      const s = eyes.update(t, a);
      if (s.ended) ended.push(s.ended);
      longest = Math.max(longest, s.closedMs);
    }
    expect(ended.map((e) => e.blink)).toEqual([true, true, true, false]);
    expect(eyes.update(10_000, 0.35).blinks).toBe(3);
    expect(longest).toBeGreaterThanOrEqual(1950);
    // a half-closed flicker (aspect 0.25 = 0.71 of open) between the two thresholds is not a closure
    const flicker = new EyeTracker();
    for (let t = 0; t < 2000; t += 33)
      expect(flicker.update(t, t % 330 < 66 ? 0.25 : 0.35).closed).toBe(false);
  });

  it('nothing is called closed before the reference has minSamples, and NaN is ignored', () => {
    const eyes = new EyeTracker();
    for (let i = 0; i < DEFAULT_EYES.minSamples - 1; i++)
      expect(eyes.update(i * 33, i ? 0.1 : 0.35).closed).toBe(false);
    expect(eyes.update(500, Number.NaN).closed).toBe(false);
  });

  it('PERCLOS is the closed share of the window, each frame counting until the next', () => {
    const h = Array.from({ length: 101 }, (_, i) => ({ ptsMs: i * 100, closed: i >= 80 && i < 100 }));
    expect(perclos(h, 10_000)).toBeCloseTo(0.2, 9);
    expect(perclos(h, 4_000)).toBeCloseTo(0.5, 9);
    expect(perclos([], 1000)).toBe(0);
  });
});

const LABELS = JSON.parse(
  readFileSync(path.join(import.meta.dirname, '..', 'fixtures', 'blink-labels.json'), 'utf8'),
) as {
  clips: Record<
    string,
    {
      blinks: { from: number; to: number }[];
      blinkWindow: { from: number; to: number };
      closed: { from: number; to: number }[];
      open: { from: number; to: number }[];
    }
  >;
};
const haveMedia = sharedAvailable('media', Object.keys(LABELS.clips));

describe.skipIf(!haveMedia)('blinks on real video against counts made by eye', () => {
  it('eyes_winks_gaze at 30 fps: the five blinks (within one), the long closure, open eyes stay open', async () => {
    const clip = 'eyes_winks_gaze.mp4';
    const lab = LABELS.clips[clip]!;
    const config = loadConfig({ overrides: { ingest: { fps: 30 } } });
    const eyes = new EyeTracker();
    const states: { t: number; closed: boolean; ended?: { ms: number; blink: boolean } }[] = [];
    const recorder: AuEstimator = {
      name: 'eyes',
      async estimate(faces) {
        for (const f of faces) {
          const n = normalizeMesh(f.mesh);
          const s = eyes.update(f.ptsMs, (eyeAspect(n.pts, 'right') + eyeAspect(n.pts, 'left')) / 2);
          states.push({ t: f.ptsMs / 1000, closed: s.closed, ...(s.ended ? { ended: s.ended } : {}) });
        }
        return faces.map(() => ({}) as AuVector);
      },
      close: async () => undefined,
    };
    const detector = await createFaceDetector(config.detect);
    const batcher = new AuBatcher(recorder, config.classify);
    try {
      const deps = { config, detector, batcher, rules: loadRules(config.emotion.rules), source: openSource };
      await lastValueFrom(
        streamPipeline('eyes', parseSource(path.join(MEDIA_DIR, clip)), deps).pipe(toArray()),
      );
    } finally {
      await batcher.close();
      await detector.close();
    }
    const w = lab.blinkWindow;
    const blinks = states.filter((s) => s.ended?.blink && s.t >= w.from && s.t <= w.to + 0.2);
    expect(
      Math.abs(blinks.length - lab.blinks.length),
      `blinks at ${blinks.map((b) => b.t)}`,
    ).toBeLessThanOrEqual(1);
    // each labelled blink has a detected closure ending within 0.3 s of it
    for (const b of lab.blinks)
      expect(
        blinks.some((d) => d.t >= b.from && d.t <= b.to + 0.3),
        `blink ${b.from}`,
      ).toBe(true);
    for (const c of lab.closed) {
      const inside = states.filter((s) => s.t >= c.from && s.t <= c.to);
      expect(
        inside.filter((s) => s.closed).length / inside.length,
        `closed ${c.from}-${c.to}`,
      ).toBeGreaterThan(0.6);
    }
    for (const o of lab.open) {
      const inside = states.filter((s) => s.t >= o.from && s.t <= o.to);
      expect(
        inside.every((s) => !s.closed),
        `open ${o.from}-${o.to}`,
      ).toBe(true);
    }
  }, 120_000);
});
