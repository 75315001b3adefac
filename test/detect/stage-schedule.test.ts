/**
 * Scheduler logic of detectAndTrack with a scripted FaceDetector (the interface, not the model): which
 * frames run the detector, follow vs hold, cuts, release on error. The real detector is covered by
 * stage.test.ts on real video.
 */
import { from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/index.js';
import { detectAndTrack, type FaceDetector, nextScanGap, SCAN_BACKOFF } from '../../src/detect/index.js';
import type { FaceDetection, Frame, RgbImage } from '../../src/types.js';

const W = 64;
const H = 48;

function face(x: number): FaceDetection {
  // a mesh whose alignment points sit inside the box, so the crop is well defined
  const mesh = new Float32Array(478 * 3);
  for (let i = 0; i < 478; i++) {
    mesh[i * 3] = x + 10 + (i % 7);
    mesh[i * 3 + 1] = 10 + (i % 5);
  }
  for (const [k, dx, dy] of [
    [33, 5, 12],
    [133, 9, 12],
    [362, 13, 12],
    [263, 17, 12],
    [1, 11, 17],
    [61, 7, 22],
    [291, 15, 22],
  ] as const) {
    mesh[k * 3] = x + dx;
    mesh[k * 3 + 1] = dy;
  }
  return { box: { x, y: 5, w: 22, h: 22 }, score: 0.9, mesh };
}

function frames(n: number, grey: (i: number) => number, released: number[]): Frame[] {
  return Array.from({ length: n }, (_, seq) => ({
    streamId: 's',
    seq,
    ptsMs: seq * 33,
    width: W,
    height: H,
    decodedAt: 0,
    rgb: new Uint8Array(W * H * 3).fill(grey(seq)),
    release: () => released.push(seq),
  }));
}

function scripted(withFollow: boolean, calls: string[]): FaceDetector {
  const seqOf = (img: RgbImage) => img.rgb[0]!;
  return {
    detect: async (img) => {
      calls.push(`d${seqOf(img)}`);
      return [face(5)];
    },
    follow: withFollow
      ? async (img, prev) => {
          calls.push(`f${seqOf(img)}`);
          return prev.map((p) => ({ ...p, box: { ...p.box, x: p.box.x + 1 } }));
        }
      : undefined,
    close: async () => {},
  };
}

describe('detect-every-k scheduler', () => {
  const cfg = configSchema.parse({ detect: { every: 3, cutThreshold: 25 } }).detect;

  it('detects every k-th frame and follows in between', async () => {
    const calls: string[] = [];
    const released: number[] = [];
    const out = await lastValueFrom(
      from(frames(7, (i) => i, released)).pipe(detectAndTrack(scripted(true, calls), cfg), toArray()),
    );
    expect(calls).toEqual(['d0', 'f1', 'f2', 'd3', 'f4', 'f5', 'd6']);
    expect(released).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(out.slice(0, 7).map((f) => f.faces[0]?.detected)).toEqual([
      true,
      false,
      false,
      true,
      false,
      false,
      true,
    ]);
    expect(new Set(out.flatMap((f) => f.faces.map((x) => x.trackId)))).toEqual(new Set([1]));
    expect(out.at(-1)!.tracks).toEqual([
      { v: 2, type: 'track', phase: 'end', streamId: 's', trackId: 1, ptsMs: 198 },
    ]);
  });

  it('holds the last faces when the detector cannot follow', async () => {
    const calls: string[] = [];
    const out = await lastValueFrom(
      from(frames(4, (i) => i, [])).pipe(detectAndTrack(scripted(false, calls), cfg), toArray()),
    );
    expect(calls).toEqual(['d0', 'd3']);
    expect(out[1]!.faces[0]!.box).toEqual(out[0]!.faces[0]!.box);
    expect(out[1]!.faces[0]!.crop.width).toBe(cfg.cropSize);
  });

  it('runs the detector at a cut and ends the old tracks there', async () => {
    const calls: string[] = [];
    const out = await lastValueFrom(
      from(frames(5, (i) => (i < 2 ? i : 200 + i), [])).pipe(
        detectAndTrack(scripted(true, calls), cfg),
        toArray(),
      ),
    );
    expect(calls).toEqual(['d0', 'f1', 'd202', 'f203', 'f204']);
    expect(out[2]!.tracks.map((t) => `${t.phase}${t.trackId}`)).toEqual(['end1', 'start2']);
  });

  it('releases the frame and errors the stream when the detector fails', async () => {
    const released: number[] = [];
    const failing: FaceDetector = {
      detect: async () => {
        throw new Error('boom');
      },
      close: async () => {},
    };
    await expect(
      lastValueFrom(from(frames(3, (i) => i, released)).pipe(detectAndTrack(failing, cfg))),
    ).rejects.toThrow('boom');
    expect(released).toEqual([0]);
  });
});

describe('scan for missed faces (detect.scanEvery)', () => {
  const cfg = configSchema.parse({ detect: { every: 1, scanEvery: 2, cutThreshold: 25 } }).detect;

  /** A detector that finds one face; its scan finds a second one on the frames in `extra`. */
  function scanning(calls: string[], extra: (seq: number) => boolean): FaceDetector {
    const d = scripted(true, calls);
    return {
      ...d,
      scan: async (img, known) => {
        const seq = img.rgb[0]!;
        calls.push(`s${seq}`);
        expect(known).toHaveLength(1); // this frame's detected face
        return extra(seq) ? [face(40)] : [];
      },
    };
  }

  it('scans on the first detection, then backs off while scans find nothing', async () => {
    const calls: string[] = [];
    await lastValueFrom(
      from(frames(14, () => 0, [])).pipe(
        detectAndTrack(
          scanning(calls, () => false),
          cfg,
        ),
        toArray(),
      ),
    );
    // gap 2 -> 4 -> 8 (SCAN_BACKOFF x scanEvery) with every frame a full detection
    expect(calls.filter((c) => c.startsWith('s'))).toEqual(['s0', 's0', 's0']);
    // the full detections made when each scan ran: the 1st, the 5th and the 13th
    const at: number[] = [];
    let detects = 0;
    for (const c of calls) c.startsWith('d') ? detects++ : at.push(detects);
    expect(at).toEqual([1, 5, 13]);
  });

  it('keeps scanning every scanEvery-th detection while scans find faces, and adds them as tracks', async () => {
    const calls: string[] = [];
    const out = await lastValueFrom(
      from(frames(9, (i) => i, [])).pipe(
        detectAndTrack(
          scanning(calls, () => true),
          configSchema.parse({ detect: { every: 1, scanEvery: 2, cutThreshold: 0 } }).detect,
        ),
        toArray(),
      ),
    );
    expect(calls.filter((c) => c.startsWith('s'))).toEqual(['s0', 's2', 's4', 's6', 's8']);
    expect(out[0]!.faces.map((f) => f.box.x)).toEqual([5, 40]);
    expect(out[1]!.faces).toHaveLength(1);
    expect(new Set(out[0]!.faces.map((f) => f.trackId)).size).toBe(2);
    // the scanned face keeps its track across the frames it is not seen on (within trackGraceFrames)
    expect(out[2]!.faces[1]!.trackId).toBe(out[0]!.faces[1]!.trackId);
  });

  it('scans again at once after a cut', async () => {
    const calls: string[] = [];
    await lastValueFrom(
      from(frames(6, (i) => (i < 3 ? 0 : 200), [])).pipe(
        detectAndTrack(
          scanning(calls, () => false),
          cfg,
        ),
        toArray(),
      ),
    );
    expect(calls.filter((c) => c.startsWith('s'))).toEqual(['s0', 's200']);
  });

  it('nextScanGap: back to scanEvery on a find, doubling to the cap otherwise', () => {
    expect(nextScanGap(8, 1, 2)).toBe(2);
    expect(nextScanGap(2, 0, 2)).toBe(4);
    expect(nextScanGap(4, 0, 2)).toBe(8);
    expect(nextScanGap(8, 0, 2)).toBe(2 * SCAN_BACKOFF);
  });
});
