import { concat, NEVER, Observable, of, Subject, takeUntil, throwError } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { FpsMeter } from '../../src/server/fps.js';
import { Metrics } from '../../src/server/metrics.js';
import { type StreamFactory, StreamManager } from '../../src/server/stream-manager.js';
import type { Publisher } from '../../src/sink/publisher.js';
import { type Message, SCHEMA_VERSION } from '../../src/types.js';
import { emotionEvent, status } from '../helpers/messages.js';

function collector(): Publisher & { msgs: Message[] } {
  const msgs: Message[] = [];
  return { msgs, publish: (m) => msgs.push(m), flush: async () => {}, close: async () => {} };
}
const file = { kind: 'file', path: '/videos/a.mp4' } as const;
const track = (streamId: string, trackId: number, phase: 'start' | 'end'): Message => ({
  v: SCHEMA_VERSION,
  type: 'track',
  phase,
  streamId,
  trackId,
  ptsMs: 0,
});

describe('FpsMeter', () => {
  it('measures ticks per second over its window and decays when ticks stop', () => {
    let now = 0;
    const m = new FpsMeter(() => now, 2000);
    for (let i = 0; i < 21; i++) {
      m.tick();
      now += 100;
    }
    now -= 100;
    expect(m.rate()).toBeCloseTo(10, 1);
    now += 5000;
    expect(m.rate()).toBe(0);
  });
});

describe('StreamManager', () => {
  it('tracks state, active tracks and counts from the messages, and publishes them', () => {
    const pub = collector();
    const factory: StreamFactory = (id, _s, o) =>
      concat(
        of(
          status(id, 'live'),
          track(id, 1, 'start'),
          track(id, 2, 'start'),
          emotionEvent(id, 0),
          track(id, 1, 'end'),
        ),
        NEVER,
      ).pipe(takeUntil(o.stop$));
    const mgr = new StreamManager({ factory, publisher: pub, metrics: new Metrics() });
    const info = mgr.add(file, { id: 'cam-1' });
    expect(info.source).toBe('/videos/a.mp4');
    const s = mgr.get('cam-1')!;
    expect(s.state).toBe('live');
    expect(s.activeTracks).toEqual([2]);
    expect(s.emotionEvents).toBe(1);
    expect(pub.msgs).toHaveLength(5);
    expect(() => mgr.add(file, { id: 'cam-1' })).toThrow(/exists/);
    expect(() => mgr.add(file, { id: 'a.b' })).toThrow(/use 1-64/);
  });

  it('marks a failing pipeline failed and says so on the status channel', () => {
    const pub = collector();
    const mgr = new StreamManager({
      factory: () => throwError(() => new Error('decoder exploded')),
      publisher: pub,
    });
    mgr.add(file, { id: 'bad' });
    expect(mgr.get('bad')?.state).toBe('failed');
    const last = pub.msgs.at(-1);
    expect(last?.type === 'status' && last.state === 'failed' && last.detail).toBe('decoder exploded');
  });

  it('stops a stream through stop$ on removal and refuses more than maxStreams', async () => {
    const stopped: string[] = [];
    const factory: StreamFactory = (id, _s, o) =>
      new Observable<Message>((sub) => {
        sub.next(status(id, 'live'));
        const s = o.stop$.subscribe(() => {
          stopped.push(id);
          sub.next(status(id, 'ended'));
          sub.complete();
        });
        return () => s.unsubscribe();
      });
    const mgr = new StreamManager({ factory, publisher: collector(), maxStreams: 2 });
    mgr.add(file, { id: 'a' });
    mgr.add(file, { id: 'b' });
    expect(() => mgr.add(file, { id: 'c' })).toThrow(/server.maxStreams/);
    expect(await mgr.remove('a')).toBe(true);
    expect(stopped).toEqual(['a']);
    expect(mgr.list().map((s) => s.id)).toEqual(['b']);
    expect(await mgr.remove('a')).toBe(false);
    mgr.add(file, { id: 'c' });
    await mgr.close();
    expect(stopped.sort()).toEqual(['a', 'b', 'c']);
  });

  it('hands onFrame/onFaces to the pipeline and exposes them as metrics', async () => {
    const metrics = new Metrics();
    const frames$ = new Subject<void>();
    const factory: StreamFactory = (id, _s, o) =>
      new Observable<Message>((sub) => {
        sub.next(status(id, 'live'));
        const s = frames$.subscribe(() => {
          o.onFrame();
          o.onFaces(3);
        });
        return () => s.unsubscribe();
      }).pipe(takeUntil(o.stop$));
    const mgr = new StreamManager({ factory, publisher: collector(), metrics });
    mgr.add(file, { id: 'm' });
    for (let i = 0; i < 4; i++) frames$.next();
    expect(mgr.get('m')?.frames).toBe(4);
    const text = await metrics.text();
    expect(text).toMatch(/aupipe_frames_total\{stream="m"\} 4/);
    expect(text).toMatch(/aupipe_faces_total\{stream="m"\} 12/);
    expect(text).toMatch(/aupipe_streams\{state="live"\} 1/);
    await mgr.close();
  });
});
