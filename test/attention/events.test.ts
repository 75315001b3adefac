import { map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { AttentionEventEngine, attentionEvents } from '../../src/attention/index.js';
import type { AttentionEvent, AttentionReading, FrameAus } from '../../src/types.js';
import { trackEv } from '../emotion/helpers.js';
import { validateMessage } from '../schemas/validate.js';
import { attentionCfg, frame } from './helpers.js';

const looking = (offScreen: number): AttentionReading => ({ faces: 1, offScreen, onScreen: offScreen <= 1 });

function run(
  frames: readonly FrameAus[],
  engine = new AttentionEventEngine(attentionCfg()),
): AttentionEvent[] {
  const out = frames.flatMap((f) => engine.onFrame(f));
  out.push(...engine.flush());
  for (const m of out) expect(validateMessage(m, 'attention.schema.json')).toEqual([]);
  for (const m of out) expect(validateMessage(m)).toEqual([]);
  return out;
}
const phases = (evs: readonly AttentionEvent[], kind: string) =>
  evs.filter((e) => e.kind === kind).map((e) => [e.phase, e.startMs, e.endMs]);

describe('attention events (virtual time)', () => {
  it('looking_away starts after its minimum duration, dated at the onset, and ends when the gaze comes back', () => {
    // 30 fps: on screen, 3 s off screen (ratio 1.5) from 1 s, back on screen
    const frames = Array.from({ length: 180 }, (_, i) => {
      const t = Math.round(i * 33.3);
      return frame('s', t, [looking(t >= 1000 && t < 4000 ? 1.5 : 0.4)]);
    });
    const evs = run(frames);
    const away = evs.filter((e) => e.kind === 'looking_away');
    expect(away.map((e) => e.phase)).toEqual(['start', 'end']);
    expect(away[0]!.startMs).toBeGreaterThanOrEqual(1000);
    expect(away[0]!.startMs).toBeLessThan(1034);
    expect(away[0]!.trackId).toBe(1);
    expect(away[1]!.endMs).toBeGreaterThanOrEqual(4000);
    expect(away[1]!.endMs).toBeLessThan(4034);
    expect(away[0]!.id).toBe(away[1]!.id);
    expect(away[1]!.peak).toBe(1.5);
  });

  it('short glances, noise inside the hysteresis band and blinks do not fire', () => {
    const frames = Array.from({ length: 300 }, (_, i) => {
      const t = Math.round(i * 33.3);
      // a 1 s glance at 1.5, then 3 s at 0.9 (between off 0.85 and on 1), eyes closed 300 ms (a blink)
      const off = t >= 1000 && t < 2000 ? 1.5 : t >= 3000 && t < 6000 ? 0.9 : 0.3;
      const closed = t >= 7000 && t < 7300;
      return frame('s', t, [
        {
          ...looking(off),
          eyes: {
            right: 1,
            left: 1,
            openness: 1,
            closed,
            blinks: 0,
            blinkRate: 0,
            closedMs: 0,
            perclos: 0.01,
          },
        },
      ]);
    });
    expect(run(frames)).toEqual([]);
  });

  it('absent and multiple_faces are stream-wide (trackId null) and follow the faces in view', () => {
    const frames = Array.from({ length: 200 }, (_, i) => {
      const t = i * 50; // 20 fps, 10 s: 1 face, none 2-5 s, two faces 6-8 s, one face again
      const n = t >= 2000 && t < 5000 ? 0 : t >= 6000 && t < 8000 ? 2 : 1;
      return frame(
        's',
        t,
        Array.from({ length: n }, () => looking(0.3)),
      );
    });
    const evs = run(frames);
    expect(phases(evs, 'absent')).toEqual([
      ['start', 2000, undefined],
      ['end', 2000, 5000],
    ]);
    expect(phases(evs, 'multiple_faces')).toEqual([
      ['start', 6000, undefined],
      ['end', 6000, 8000],
    ]);
    expect(evs.every((e) => e.trackId === null)).toBe(true);
    expect(evs.find((e) => e.kind === 'absent')!.id).toBe('s:-:absent:2000');
  });

  it('eyes_closed, drowsy (PERCLOS) and yawn fire from the readings; a track end closes them where it was last seen', () => {
    const eyes = (closed: boolean, perclos: number) => ({
      right: closed ? 0.2 : 1,
      left: closed ? 0.2 : 1,
      openness: closed ? 0.2 : 1,
      closed,
      blinks: 0,
      blinkRate: 0,
      closedMs: 0,
      perclos,
    });
    const frames: FrameAus[] = [];
    for (let t = 0; t <= 8000; t += 100) {
      const closed = t >= 1000 && t < 6000;
      const perclos = Math.min(1, Math.max(0, (t - 1000) / 10_000));
      const yawning = t >= 2000 && t < 4000;
      frames.push(
        frame('s', t, [{ faces: 1, eyes: eyes(closed, perclos), mouth: { open: 0.6, yawning, yawns: 0 } }]),
      );
    }
    frames.push(frame('s', 8100, [], [trackEv('s', 1, 'end', 8100)], 0));
    const evs = run(frames);
    expect(phases(evs, 'eyes_closed')).toEqual([
      ['start', 1000, undefined],
      ['end', 1000, 6000],
    ]);
    expect(phases(evs, 'yawn')).toEqual([
      ['start', 2000, undefined],
      ['end', 2000, 4000],
    ]);
    // PERCLOS passes 0.25 at 3.5 s and never drops again: the track's end closes it at its last frame
    const drowsy = evs.filter((e) => e.kind === 'drowsy');
    expect(drowsy[0]).toMatchObject({ phase: 'start', startMs: 3500 });
    expect(drowsy.at(-1)).toMatchObject({ phase: 'end', endMs: 8000 });
  });

  it('an event kind can be switched off in config', () => {
    const cfg = attentionCfg();
    const off = { ...cfg, events: { ...cfg.events, absent: { ...cfg.events.absent, enabled: false } } };
    const frames = Array.from({ length: 100 }, (_, i) => frame('s', i * 50, []));
    expect(run(frames, new AttentionEventEngine(off))).toEqual([]);
  });

  it('the stage ends open events after idleCloseMs without frames (wall clock, TestScheduler)', () => {
    new TestScheduler((a, b) => expect(a).toEqual(b)).run(({ cold, expectObservable }) => {
      // no face from the first frame, frames every 100 ms for 1.5 s, then the source stalls for 10 s
      const names = 'abcdefghijklmnop';
      const values = Object.fromEntries([...names].map((c, i) => [c, frame('s', i * 100, [])]));
      const src = cold(`${[...names].join(' 99ms ')} 9999ms |`, values);
      const out = src.pipe(
        attentionEvents(attentionCfg({ idleCloseMs: 5000 })),
        map((e) => `${e.kind}:${e.phase}`),
      );
      // absent confirmed at 1 s (its minimum duration); ended 5 s after the last frame (1.5 s)
      expectObservable(out).toBe('1000ms s 5499ms e 4999ms |', { s: 'absent:start', e: 'absent:end' });
    });
  });
});
