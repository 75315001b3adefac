import { configSchema } from '../../src/config/index.js';
import type { EmotionConfig } from '../../src/emotion/index.js';
import {
  AU_KEYS,
  type AuKey,
  type AuSample,
  type AuVector,
  type FrameAus,
  type TrackEvent,
} from '../../src/types.js';

export function emotionCfg(over: Partial<EmotionConfig> = {}): EmotionConfig {
  return { ...configSchema.parse({}).emotion, ...over };
}

/** A full AU vector: every AU at `base`, then the given overrides. */
export function auVec(over: Partial<Record<AuKey, number>> = {}, base = 0.05): AuVector {
  const v = Object.fromEntries(AU_KEYS.map((k) => [k, base])) as Record<AuKey, number>;
  return { ...v, ...over };
}

export const SMILE = { AU6: 0.8, AU12: 0.9 } as const;

export function sample(
  streamId: string,
  trackId: number,
  seq: number,
  ptsMs: number,
  au: AuVector,
): AuSample {
  return { v: 2, type: 'au', streamId, trackId, seq, ptsMs, au, model: 'test', decodedAt: 0 };
}

export function trackEv(
  streamId: string,
  trackId: number,
  phase: 'start' | 'end',
  ptsMs: number,
): TrackEvent {
  return { v: 2, type: 'track', phase, streamId, trackId, ptsMs };
}

/** One frame with samples for the given tracks (faces are not needed by the emotion stage). */
export function frame(
  seq: number,
  ptsMs: number,
  faces: readonly { trackId: number; au: AuVector }[],
  tracks: readonly TrackEvent[] = [],
  streamId = 's1',
): FrameAus {
  return {
    streamId,
    seq,
    ptsMs,
    decodedAt: 0,
    width: 640,
    height: 480,
    faces: [],
    tracks,
    samples: faces.map((f) => sample(streamId, f.trackId, seq, ptsMs, f.au)),
  };
}

/** Frames at `fps` from `fromMs` (inclusive) to `toMs` (exclusive), one track, AUs from `auAt(t)`. */
export function frames(
  fromMs: number,
  toMs: number,
  fps: number,
  auAt: (t: number) => AuVector | null,
  trackId = 1,
): FrameAus[] {
  const out: FrameAus[] = [];
  const step = 1000 / fps;
  for (let i = 0; fromMs + i * step < toMs; i++) {
    const t = Math.round((fromMs + i * step) * 1000) / 1000;
    const au = auAt(t);
    out.push(frame(Math.round(t / step), t, au ? [{ trackId, au }] : []));
  }
  return out;
}

/** Deterministic pseudo-random numbers in [0, 1) (the dataset stage's mulberry32). */
export { seededRandom as rng } from '../../src/dataset/augment.js';
