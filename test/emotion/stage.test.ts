import { filter, map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { emotionStage, loadRules } from '../../src/emotion/index.js';
import type { FrameAus, Message } from '../../src/types.js';
import { auVec, emotionCfg, frame, SMILE } from './helpers.js';

const rules = loadRules('config/emotions.yaml');
const cfg = emotionCfg({
  smoothingMs: 0,
  minDurationMs: 0,
  publishSamples: false,
  publishTracks: false,
  summaryIntervalMs: 0,
  engagementIntervalMs: 600_000,
  idleCloseMs: 5000,
});
/** Frame i at stream time i·100 ms, one smiling face. */
const smile = (i: number) => frame(i, i * 100, [{ trackId: 1, au: auVec(SMILE) }]);
/** Compact view of an emotion message: phase:startMs-endMs. */
const brief = (m: Message) => (m.type === 'emotion' ? `${m.phase}:${m.startMs}-${m.endMs ?? ''}` : m.type);
const isEmotion = (m: Message) => m.type === 'emotion';
const scheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('emotionStage (marble tests, virtual time)', () => {
  it('emits the start with its frame and ends open events when the source completes, then completes', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const src = cold<FrameAus>('a b c |', { a: smile(0), b: smile(1), c: smile(2) });
      const out = src.pipe(emotionStage(cfg, rules), filter(isEmotion), map(brief));
      expectObservable(out).toBe('s 2ms (e|)', { s: 'start:0-', e: 'end:0-200' });
    });
  });

  it('ends open events after idleCloseMs of wall time without frames; a later frame starts a new event', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const src = cold<FrameAus>('a b 6s c |', { a: smile(0), b: smile(1), c: smile(2) });
      const out = src.pipe(emotionStage(cfg, rules), filter(isEmotion), map(brief));
      expectObservable(out).toBe('s 5000ms e 1000ms t (f|)', {
        s: 'start:0-',
        e: 'end:0-100',
        t: 'start:200-',
        f: 'end:200-200',
      });
    });
  });

  it('frames arriving within idleCloseMs keep the event open; errors end open events before erroring', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const src = cold<FrameAus>(
        'a 4s b 4s c #',
        { a: smile(0), b: smile(1), c: smile(2) },
        new Error('boom'),
      );
      const out = src.pipe(emotionStage(cfg, rules), filter(isEmotion), map(brief));
      expectObservable(out).toBe('s 8002ms (e#)', { s: 'start:0-', e: 'end:0-200' }, new Error('boom'));
    });
  });

  it('unsubscribing cancels the idle timer: nothing is emitted afterwards', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const src = cold<FrameAus>('a 10s |', { a: smile(0) });
      const out = src.pipe(emotionStage(cfg, rules), filter(isEmotion), map(brief));
      expectObservable(out, '^ 100ms !').toBe('s', { s: 'start:0-' });
    });
  });
});
