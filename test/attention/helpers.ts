import { attentionOptions } from '../../src/attention/index.js';
import { CANONICAL_IOD } from '../../src/classify/mesh/index.js';
import { type AttentionConfig, configSchema } from '../../src/config/index.js';
import type { AttentionReading, AuSample, FaceObservation, FrameAus } from '../../src/types.js';
import { auVec, sample } from '../emotion/helpers.js';

export function attentionCfg(over: Partial<AttentionConfig> = {}): AttentionConfig {
  return { ...configSchema.parse({}).attention, ...over };
}
export const trackOpts = (over: Partial<AttentionConfig> = {}) => attentionOptions(attentionCfg(over));

/** The canonical face (normalised points) with 478 points: irises at the eye centres moved by (dx, dy) half-widths. */
export function canonical478(dx = 0, dy = 0): Float64Array {
  const p = new Float64Array(478 * 3);
  p.set(CANONICAL_IOD);
  const put = (iris: number, a: number, b: number) => {
    const cx = (p[a * 3]! + p[b * 3]!) / 2;
    const cy = (p[a * 3 + 1]! + p[b * 3 + 1]!) / 2;
    const half = Math.hypot(p[a * 3]! - p[b * 3]!, p[a * 3 + 1]! - p[b * 3 + 1]!) / 2;
    for (let k = 0; k < 5; k++) {
      p[(iris + k) * 3] = cx + dx * half;
      p[(iris + k) * 3 + 1] = cy + dy * half;
      p[(iris + k) * 3 + 2] = p[a * 3 + 2]!;
    }
  };
  // the detector names the irises the other way round: 468-472 sits in the subject's left eye
  put(468, 362, 263);
  put(473, 33, 133);
  return p;
}

/** A frame of one stream with samples carrying the given readings (faces = readings unless given). */
export function frame(
  streamId: string,
  ptsMs: number,
  readings: readonly (AttentionReading | null)[],
  tracks: FrameAus['tracks'] = [],
  faces = readings.length,
): FrameAus {
  const samples: AuSample[] = readings.map((a, i) => ({
    ...sample(streamId, i + 1, Math.round(ptsMs / 33), ptsMs, auVec()),
    ...(a ? { attention: a } : {}),
  }));
  return {
    streamId,
    seq: Math.round(ptsMs / 33),
    ptsMs,
    decodedAt: 0,
    width: 640,
    height: 480,
    faces: Array.from({ length: faces }, (_, i) => ({ trackId: i + 1 }) as unknown as FaceObservation),
    tracks,
    samples,
  };
}
