import {
  AU_KEYS,
  type AuSample,
  type AuVector,
  type EmotionEvent,
  SCHEMA_VERSION,
  type StreamStatus,
} from '../../src/types.js';

/** Synthetic messages for unit-level sink tests (end-to-end tests use a real video). */
export function auSample(streamId: string, seq: number, trackId = 1): AuSample {
  const au = Object.fromEntries(AU_KEYS.map((k, i) => [k, ((seq + i) % 10) / 10])) as unknown as AuVector;
  return {
    v: SCHEMA_VERSION,
    type: 'au',
    streamId,
    trackId,
    seq,
    ptsMs: seq * 100,
    au,
    model: 'test',
    decodedAt: Date.now(),
  };
}

export function emotionEvent(streamId: string, n: number): EmotionEvent {
  return {
    v: SCHEMA_VERSION,
    type: 'emotion',
    id: `e${n}`,
    phase: 'start',
    streamId,
    trackId: 1,
    emotion: 'happiness',
    confidence: 0.8,
    startMs: n * 100,
    peak: 0.8,
    aus: { AU6: 0.7, AU12: 0.9 },
    missingAus: [],
  };
}

export function status(streamId: string, state: StreamStatus['state']): StreamStatus {
  return { v: SCHEMA_VERSION, type: 'status', streamId, state, atMs: Date.now() };
}
