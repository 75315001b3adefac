import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../../src/classify/batcher.js';
import { CnnEstimator } from '../../src/classify/cnn.js';
import { decodeImage } from '../../src/ingest/image.js';
import type { AlignedCrop, FaceObservation } from '../../src/types.js';

export const TINY = join(import.meta.dirname, '..', 'fixtures', 'tiny-bundle');
export const TEMPLATES = ['aupipe-5pt-v1'];

export interface Expected {
  readonly crops: string[];
  readonly aus: string[];
  readonly probs: number[][];
}

export function readExpected(dir = TINY): Expected {
  return JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Expected;
}

/** Decodes the fixture's crop PNGs with the production image decoder (ffmpeg). */
export async function fixtureCrops(dir = TINY, templateId = 'aupipe-5pt-v1'): Promise<AlignedCrop[]> {
  const exp = readExpected(dir);
  return Promise.all(
    exp.crops.map(async (f) => ({
      ...(await decodeImage(join(dir, f))),
      toSource: [1, 0, 0, 0, 1, 0],
      templateId,
    })),
  );
}

export function face(crop: AlignedCrop, streamId: string, trackId: number, seq: number): FaceObservation {
  return {
    streamId,
    seq,
    ptsMs: seq * 33,
    decodedAt: 1000 + seq,
    trackId,
    box: { x: 0, y: 0, w: crop.width, h: crop.height },
    score: 0.9,
    mesh: new Float32Array(0),
    detected: true,
    crop,
  };
}

/** Virtual time: timers fire only when the test advances the clock. */
export class ManualClock implements Clock {
  t = 0;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private next = 0;
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  }
  clearTimeout(h: unknown): void {
    this.timers = this.timers.filter((x) => x.id !== h);
  }
  /** Moves time forward, firing due timers in order, and lets promise callbacks run after each. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const due = this.timers[0];
      if (!due || due.at > end) break;
      this.timers.shift();
      this.t = due.at;
      due.fn();
      await flush();
    }
    this.t = end;
    await flush();
  }
  get armed(): number {
    return this.timers.length;
  }
}

export const flush = () => new Promise<void>((r) => setImmediate(r));

/** The trainer's fixture (`fixture.json`: crops as base64 RGB HWC uint8, with PyTorch's outputs). */
interface TrainerFixture {
  readonly size: number;
  readonly aus: string[];
  readonly crops: { file: string; rgb: string; expected: number[] }[];
}

/** Crops and PyTorch outputs of a bundle: the trainer's `fixture.json`, else this repo's `expected.json`. */
export async function agreementFixture(
  dir: string,
  templateId: string,
): Promise<{ crops: AlignedCrop[]; aus: string[]; probs: number[][] }> {
  const fx = join(dir, 'fixture.json');
  if (existsSync(fx)) {
    const f = JSON.parse(readFileSync(fx, 'utf8')) as TrainerFixture;
    const crops = f.crops.map((c) => ({
      width: f.size,
      height: f.size,
      rgb: new Uint8Array(Buffer.from(c.rgb, 'base64')),
      toSource: [1, 0, 0, 0, 1, 0],
      templateId,
    }));
    return { crops, aus: f.aus, probs: f.crops.map((c) => c.expected) };
  }
  const exp = readExpected(dir);
  return { crops: await fixtureCrops(dir, templateId), aus: exp.aus, probs: exp.probs };
}

/** The tiny CNN fixture on ORT (1 CPU thread, batches up to 8), as the batcher and stage tests use it. */
export function openTinyEstimator(): Promise<CnnEstimator> {
  return CnnEstimator.open(TINY, {
    provider: 'cpu',
    intraOpThreads: 1,
    maxBatch: 8,
    knownTemplates: TEMPLATES,
  });
}
