import { describe, expect, it } from 'vitest';
import {
  epochOfTrack,
  globalTrackId,
  handoverEnd,
  jetstreamMsgId,
  localTrackId,
  MsgIds,
  stampOwner,
  trackOpen,
} from '../../src/cluster/index.js';
import { type EmotionEvent, SCHEMA_VERSION, type StreamStatus } from '../../src/types.js';

const ev = (phase: EmotionEvent['phase'], id = 's1:1:happiness:500'): EmotionEvent => ({
  v: SCHEMA_VERSION,
  type: 'emotion',
  id,
  phase,
  streamId: 's1',
  trackId: 1,
  emotion: 'happiness',
  confidence: 0.8,
  startMs: 500,
  peak: 0.9,
  aus: {},
  missingAus: [],
  ...(phase === 'end' ? { endMs: 1500 } : {}),
});

describe('owner-unique ids', () => {
  it('track ids carry the epoch and round-trip', () => {
    const g = globalTrackId(42, 3);
    expect(g).toBe(42_000_003);
    expect(localTrackId(g)).toBe(3);
    expect(epochOfTrack(g)).toBe(42);
    expect(Number.isSafeInteger(globalTrackId(9_000_000_000, 999_999))).toBe(true);
  });

  it('the same local event under two owners gets two ids', () => {
    const a = stampOwner(ev('start'), 10) as EmotionEvent;
    const b = stampOwner(ev('start'), 11) as EmotionEvent;
    expect(a.id).toBe('s1:1:happiness:500@10');
    expect(a.trackId).toBe(10_000_001);
    expect(b.id).not.toBe(a.id);
    const status: StreamStatus = {
      v: SCHEMA_VERSION,
      type: 'status',
      streamId: 's1',
      state: 'live',
      atMs: 1,
    };
    expect(stampOwner(status, 10)).toBe(status);
  });

  it('message ids: event id + phase, updates numbered, stable for a retry', () => {
    expect(jetstreamMsgId(ev('start'))).toBe('s1:1:happiness:500:start');
    expect(jetstreamMsgId(ev('end'))).toBe('s1:1:happiness:500:end');
    const ids = new MsgIds();
    expect(ids.of(ev('update'))).toBe('s1:1:happiness:500:update:1');
    expect(ids.of(ev('update'))).toBe('s1:1:happiness:500:update:2');
    expect(ids.of(ev('end'))).toBe('s1:1:happiness:500:end');
    expect(ids.of(ev('update'))).toBe('s1:1:happiness:500:update:1');
  });

  it('open events: start/update keep the latest, end removes; handover end says why', () => {
    let open = trackOpen(new Map(), ev('start'));
    open = trackOpen(open, { ...ev('update'), confidence: 0.5 });
    open = trackOpen(open, ev('start', 'other'));
    expect([...open.keys()].sort()).toEqual(['other', 's1:1:happiness:500']);
    expect(open.get('s1:1:happiness:500')?.confidence).toBe(0.5);
    open = trackOpen(open, ev('end'));
    expect([...open.keys()]).toEqual(['other']);
    const end = handoverEnd(open.get('other')!, 2000);
    expect(end).toMatchObject({ phase: 'end', endMs: 2000, reason: 'handover', id: 'other' });
    expect(handoverEnd(ev('start'), 100).endMs).toBe(500);
  });
});
