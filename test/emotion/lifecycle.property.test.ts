import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EmotionEngine, loadRules } from '../../src/emotion/index.js';
import type { EmotionEvent, FrameAus, Message } from '../../src/types.js';
import { auVec, emotionCfg, frame, trackEv } from './helpers.js';

const rules = loadRules('config/emotions.yaml');
const level = fc.oneof(fc.constantFrom(0, 0.3, 0.4, 0.5, 0.6, 1), fc.double({ min: 0, max: 1, noNaN: true }));
const face = fc.record({
  trackId: fc.integer({ min: 1, max: 3 }),
  AU12: level,
  AU6: level,
  AU4: level,
  AU5: level,
  AU15: level,
});
const step = fc.record({
  dt: fc.oneof(fc.integer({ min: 1, max: 120 }), fc.integer({ min: 500, max: 3000 })),
  faces: fc.uniqueArray(face, { selector: (f) => f.trackId, maxLength: 3 }),
  end: fc.option(fc.integer({ min: 1, max: 3 }), { freq: 8 }),
});
const config = fc.record({
  smoothing: fc.constantFrom('exponential' as const, 'one-euro' as const),
  smoothingMs: fc.constantFrom(0, 100, 400),
  minDurationMs: fc.constantFrom(0, 50, 300),
  minOffMs: fc.constantFrom(0, 50, 300),
  gapGraceMs: fc.constantFrom(0, 200, 1000),
  updateIntervalMs: fc.constantFrom(50, 500),
  updateMinDelta: fc.constantFrom(0, 0.05),
  onThreshold: fc.constantFrom(0.5, 0.4),
  offThreshold: fc.constantFrom(0.35, 0.4),
});

type Step = { dt: number; faces: { trackId: number; [k: string]: number }[]; end: number | null };

function toFrames(steps: readonly Step[]): FrameAus[] {
  let t = 0;
  return steps.map((s, i) => {
    t += s.dt;
    const faces = s.faces.map(({ trackId, ...au }) => ({ trackId, au: auVec(au) }));
    return frame(i, t, faces, s.end === null ? [] : [trackEv('s1', s.end, 'end', t)]);
  });
}

/** Checks the lifecycle invariants on one output stream; throws on the first violation. */
function checkInvariants(out: readonly Message[]): void {
  const events = out.filter((m): m is EmotionEvent => m.type === 'emotion');
  const byId = new Map<string, EmotionEvent[]>();
  for (const e of events) byId.set(e.id, [...(byId.get(e.id) ?? []), e]);
  for (const [id, evs] of byId) {
    const phases = evs.map((e) => e.phase);
    // start, then only updates, then exactly one end: also rules out update/end without start
    expect(phases[0], id).toBe('start');
    expect(phases.at(-1), id).toBe('end');
    expect(
      phases.slice(1, -1).every((p) => p === 'update'),
      id,
    ).toBe(true);
    expect(new Set(evs.map((e) => `${e.streamId}/${e.trackId}/${e.emotion}/${e.startMs}`)).size, id).toBe(1);
    const end = evs.at(-1)!;
    expect(end.endMs, id).toBeGreaterThanOrEqual(end.startMs);
    for (const e of evs.slice(0, -1)) expect(e.endMs, id).toBeUndefined();
    for (const e of evs) {
      expect(e.peak).toBeGreaterThanOrEqual(e.confidence - 1e-9);
      expect(e.confidence).toBeGreaterThanOrEqual(0);
      expect(e.peak).toBeLessThanOrEqual(1);
    }
  }
  // no overlapping events of one emotion on one track
  const byKey = new Map<string, EmotionEvent[]>();
  for (const evs of byId.values()) {
    const key = `${evs[0]!.trackId}/${evs[0]!.emotion}`;
    byKey.set(key, [...(byKey.get(key) ?? []), evs.at(-1)!]);
  }
  for (const ends of byKey.values()) {
    const sorted = [...ends].sort((a, b) => a.startMs - b.startMs);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i]!.startMs).toBeGreaterThan(sorted[i - 1]!.endMs!);
  }
}

describe('lifecycle invariants over random AU sequences', () => {
  it('unique ids, start before updates before end, no overlaps, every start ended after flush', () => {
    let withEvents = 0;
    let multi = 0;
    fc.assert(
      fc.property(config, fc.array(step, { minLength: 1, maxLength: 120 }), (c, steps) => {
        const eng = new EmotionEngine(emotionCfg(c), rules);
        const out = [...toFrames(steps).flatMap((f) => eng.onFrame(f)), ...eng.flush()];
        checkInvariants(out);
        const starts = out.filter((m) => m.type === 'emotion' && m.phase === 'start').length;
        if (starts > 0) withEvents++;
        if (starts > 2) multi++;
        // the same input gives the same output: ids and times are deterministic
        const again = new EmotionEngine(emotionCfg(c), rules);
        const out2 = [...toFrames(steps).flatMap((f) => again.onFrame(f)), ...again.flush()];
        expect(out2).toEqual(out);
      }),
      { numRuns: 150, seed: 42 },
    );
    // the generator must actually exercise the lifecycle, not pass vacuously
    expect(withEvents).toBeGreaterThan(25);
    expect(multi, `${multi}`).toBeGreaterThan(5);
  });

  it('events still open at any point are exactly those started and not yet ended, and flush ends them all', () => {
    fc.assert(
      fc.property(config, fc.array(step, { minLength: 1, maxLength: 80 }), (c, steps) => {
        const eng = new EmotionEngine(emotionCfg(c), rules);
        const open = new Set<string>();
        for (const f of toFrames(steps)) {
          for (const m of eng.onFrame(f)) {
            if (m.type !== 'emotion') continue;
            if (m.phase === 'start') {
              expect(open.has(m.id)).toBe(false);
              open.add(m.id);
            } else expect(open.has(m.id)).toBe(true);
            if (m.phase === 'end') open.delete(m.id);
          }
        }
        const ended = eng.flush().filter((m): m is EmotionEvent => m.type === 'emotion');
        expect(ended.every((e) => e.phase === 'end')).toBe(true);
        expect(new Set(ended.map((e) => e.id))).toEqual(open);
      }),
      { numRuns: 150, seed: 7 },
    );
  });
});
