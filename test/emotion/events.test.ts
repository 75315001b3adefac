import { describe, expect, it } from 'vitest';
import { EmotionEngine, loadRules, parseRules, scoreRule } from '../../src/emotion/index.js';
import type { EmotionEvent, FrameAus, Message } from '../../src/types.js';
import { auVec, emotionCfg, frame, frames, rng, SMILE, trackEv } from './helpers.js';

const rules = loadRules('config/emotions.yaml');
const run = (cfg: Parameters<typeof emotionCfg>[0], input: readonly FrameAus[], flush = true): Message[] => {
  const eng = new EmotionEngine(emotionCfg(cfg), rules);
  const out = input.flatMap((f) => eng.onFrame(f));
  return flush ? [...out, ...eng.flush()] : out;
};
const emotions = (ms: readonly Message[], name?: string) =>
  ms.filter((m): m is EmotionEvent => m.type === 'emotion' && (!name || m.emotion === name));
const smileBetween = (from: number, to: number) => (t: number) =>
  t >= from && t < to ? auVec(SMILE) : auVec();

describe('scripted AU sequences', () => {
  it('a clean smile gives exactly one happiness start/end pair at the right times (no smoothing)', () => {
    const out = run({ smoothingMs: 0, minDurationMs: 300 }, frames(0, 8000, 30, smileBetween(2000, 5000)));
    const ev = emotions(out);
    expect(ev.every((e) => e.emotion === 'happiness')).toBe(true);
    const starts = ev.filter((e) => e.phase === 'start');
    const ends = ev.filter((e) => e.phase === 'end');
    expect(starts).toHaveLength(1);
    expect(ends).toHaveLength(1);
    const first = frames(2000, 2100, 30, () => auVec())[0]!.ptsMs; // first frame at or after 2000 ms
    const firstOff = frames(5000, 5100, 30, () => auVec())[0]!.ptsMs;
    expect(starts[0]).toMatchObject({
      startMs: first,
      id: `s1:1:happiness:${Math.round(first)}`,
      missingAus: [],
    });
    expect(ends[0]).toMatchObject({ id: starts[0]!.id, startMs: first, endMs: firstOff });
    const expected = scoreRule(rules[0]!, auVec(SMILE)).score;
    expect(ends[0]!.peak).toBeCloseTo(expected, 3);
    // the start is published only once the smile has lasted minDurationMs: after that frame's sample
    const idx = out.indexOf(starts[0]!);
    const prev = out.slice(0, idx).filter((m) => m.type === 'au');
    expect(prev.at(-1)!.ptsMs).toBeGreaterThanOrEqual(first + 300);
    expect(prev.at(-1)!.ptsMs).toBeLessThan(first + 300 + 34);
  });

  it('with smoothing the smile still gives one pair, delayed by at most a few time constants', () => {
    const tau = 250;
    const ev = emotions(run({ smoothingMs: tau }, frames(0, 8000, 30, smileBetween(2000, 5000))));
    const phases = ev.map((e) => e.phase);
    expect(phases[0]).toBe('start');
    expect(phases.at(-1)).toBe('end');
    expect(phases.slice(1, -1).every((p) => p === 'update')).toBe(true);
    const start = ev.find((e) => e.phase === 'start')!;
    const end = ev.find((e) => e.phase === 'end')!;
    expect(start.startMs).toBeGreaterThan(2000);
    expect(start.startMs).toBeLessThan(2000 + 3 * tau);
    expect(end.endMs!).toBeGreaterThan(5000);
    expect(end.endMs!).toBeLessThan(5000 + 3 * tau);
    expect(new Set(ev.map((e) => e.id)).size).toBe(1);
  });

  it('with the One-Euro filter the smile also gives exactly one pair', () => {
    const ev = emotions(run({ smoothing: 'one-euro' }, frames(0, 8000, 30, smileBetween(2000, 5000))));
    expect(ev.filter((e) => e.phase === 'start')).toHaveLength(1);
    const end = ev.filter((e) => e.phase === 'end');
    expect(end).toHaveLength(1);
    expect(end[0]!.startMs).toBeGreaterThanOrEqual(2000);
    expect(end[0]!.endMs!).toBeGreaterThan(5000);
    expect(end[0]!.endMs!).toBeLessThan(6000);
  });

  it('noise around the threshold does not produce an event storm', () => {
    const rand = rng(7);
    // AU12 jumps around the on threshold every frame: a naive per-frame threshold flips hundreds of times
    const input = frames(0, 60_000, 30, () => auVec({ AU6: 0.5, AU12: 0.2 + 0.6 * rand() }));
    const naive = input.reduce(
      (acc, f) => {
        const on = scoreRule(rules[0]!, f.samples[0]!.au).score >= 0.5;
        return { n: acc.n + (on && !acc.on ? 1 : 0), on };
      },
      { n: 0, on: false },
    ).n;
    expect(naive).toBeGreaterThan(200);
    const starts = emotions(run({}, input), 'happiness').filter((e) => e.phase === 'start');
    expect(starts.length).toBeLessThanOrEqual(3);
    // and without smoothing, hysteresis + minimum duration alone still bound the count
    const raw = emotions(run({ smoothingMs: 0 }, input), 'happiness').filter((e) => e.phase === 'start');
    expect(raw.length).toBeLessThan(naive / 5);
  });

  it('updates are rate-limited to one per updateIntervalMs', () => {
    const rand = rng(3);
    const input = frames(0, 10_000, 30, () => auVec({ AU6: 0.9, AU12: 0.6 + 0.4 * rand() }));
    const ev = emotions(run({ updateIntervalMs: 1000 }, input), 'happiness');
    const updates = ev.filter((e) => e.phase === 'update');
    expect(updates.length).toBeGreaterThan(3);
    expect(updates.length).toBeLessThanOrEqual(10);
    const times = [ev[0]!, ...updates].map((e) => e.confidence && e);
    expect(times.length).toBe(updates.length + 1);
  });

  it('a dropped-frame gap shorter than the grace keeps the event; a longer one ends it where the face was last seen', () => {
    const gap = (from: number, to: number) => (t: number) => (t >= from && t < to ? null : auVec(SMILE));
    const short = emotions(run({ gapGraceMs: 1000 }, frames(0, 6000, 30, gap(2000, 2700))));
    expect(short.filter((e) => e.phase === 'start')).toHaveLength(1);
    expect(short.filter((e) => e.phase === 'end')).toHaveLength(1);
    expect(short.find((e) => e.phase === 'end')!.endMs).toBeGreaterThan(5900); // ended by the flush only

    const input = frames(0, 6000, 30, gap(2000, 3500));
    const long = emotions(run({ gapGraceMs: 1000 }, input));
    const lastBefore = input.filter((f) => f.ptsMs < 2000).at(-1)!.ptsMs;
    const ends = long.filter((e) => e.phase === 'end');
    expect(long.filter((e) => e.phase === 'start')).toHaveLength(2);
    expect(ends[0]!.endMs).toBe(lastBefore);
    expect(ends[0]!.id).not.toBe(ends[1]!.id);
  });

  it('a source restart that resets stream time ends the run and never repeats an event id', () => {
    const input = [...frames(0, 2000, 30, () => auVec(SMILE)), ...frames(0, 2000, 30, () => auVec(SMILE))];
    const ev = emotions(run({}, input));
    const starts = ev.filter((e) => e.phase === 'start');
    expect(starts).toHaveLength(2);
    expect(starts[0]!.startMs).toBe(starts[1]!.startMs);
    expect(starts[1]!.id).toBe(`${starts[0]!.id}.1`);
    expect(ev.filter((e) => e.phase === 'end').map((e) => e.id)).toEqual(starts.map((e) => e.id));
  });

  it('track end closes open events before the track end message, at the last time the face was seen', () => {
    const input = frames(0, 3000, 30, () => auVec(SMILE));
    const last = input.at(-1)!.ptsMs;
    input.push(frame(999, last + 200, [], [trackEv('s1', 1, 'end', last + 200)]));
    const out = run({}, input, false);
    const ev = emotions(out);
    expect(ev.map((e) => e.phase)).toEqual([...ev.map((e) => e.phase).filter((p) => p !== 'end'), 'end']);
    const endIdx = out.findIndex((m) => m.type === 'emotion' && m.phase === 'end');
    const trackIdx = out.findIndex((m) => m.type === 'track' && m.phase === 'end');
    expect(endIdx).toBeGreaterThanOrEqual(0);
    expect(endIdx).toBeLessThan(trackIdx);
    expect((out[endIdx] as EmotionEvent).endMs).toBe(last);
    // a partial AU summary closes the track's last period
    const summaries = out.filter((m) => m.type === 'au_summary');
    expect(summaries.at(-1)).toMatchObject({ trackId: 1, toMs: last, present: ['AU6', 'AU12'] });
  });

  it('events of an emotion the estimator only partly measures say which AUs are missing', () => {
    const ev = emotions(
      run(
        {},
        frames(0, 2000, 30, () => auVec({ AU4: 0.9, AU5: 0.8 })),
      ),
      'anger',
    );
    expect(ev.length).toBeGreaterThanOrEqual(2);
    for (const e of ev) expect(e.missingAus).toEqual(['AU7', 'AU23']);
    expect(Object.keys(ev[0]!.aus).sort()).toEqual(['AU4', 'AU5']);
  });

  it('per-rule thresholds override the global ones (and a lowered on threshold also lowers off)', () => {
    const custom = parseRules(
      { version: 1, emotions: { smirk: { aus: ['AU12'], onThreshold: 0.3 }, grin: { aus: ['AU12'] } } },
      'inline',
    );
    const eng = new EmotionEngine(emotionCfg({ smoothingMs: 0 }), custom);
    const input = frames(0, 3000, 30, (t) => auVec({ AU12: t < 2000 ? 0.4 : 0.32 }));
    const out = [...input.flatMap((f) => eng.onFrame(f)), ...eng.flush()];
    const ev = emotions(out);
    expect(ev.filter((e) => e.emotion === 'grin')).toEqual([]);
    // 0.32 is below the global off (0.35) but above the lowered on: the smirk lasts until the flush
    const smirk = ev.filter((e) => e.emotion === 'smirk');
    expect(smirk.filter((e) => e.phase !== 'update').map((e) => e.phase)).toEqual(['start', 'end']);
    expect(new Set(smirk.map((e) => e.id)).size).toBe(1);
    expect(ev.at(-1)!.endMs).toBe(input.at(-1)!.ptsMs);
  });

  it('per-track AU summaries come every summaryIntervalMs with mean, max and present AUs', () => {
    const out = run(
      { summaryIntervalMs: 1000, publishSamples: false },
      frames(0, 5000, 30, () => auVec(SMILE)),
    );
    const sums = out.filter((m) => m.type === 'au_summary');
    expect(sums.length).toBe(5);
    expect(sums[0]).toMatchObject({
      trackId: 1,
      fromMs: 0,
      mean: { AU12: 0.9, AU1: 0.05 },
      max: { AU6: 0.8 },
    });
    expect(sums[1]!.present).toEqual(['AU6', 'AU12']);
    expect(sums[0]!.samples).toBe(30);
    expect(out.some((m) => m.type === 'au')).toBe(false);
  });
});
