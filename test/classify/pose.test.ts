import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CANONICAL_IOD, headPose, normalizeMesh, poseRotation } from '../../src/classify/mesh/index.js';
import { loadConfig } from '../../src/config/index.js';
import { createFaceDetector } from '../../src/detect/index.js';
import { decodeImage } from '../../src/ingest/index.js';
import { MEDIA_DIR, sharedAvailable } from '../helpers/shared.js';

/** The canonical face turned by `pose`, as an image-space mesh (x right, y down, z away), scaled and moved. */
function turnedFace(pose: { yaw: number; pitch: number; roll: number }): Float32Array {
  const R = poseRotation(pose);
  const n = CANONICAL_IOD.length / 3;
  const out = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    const [x, y, z] = [CANONICAL_IOD[i * 3]!, CANONICAL_IOD[i * 3 + 1]!, CANONICAL_IOD[i * 3 + 2]!];
    const X = R[0]! * x + R[1]! * y + R[2]! * z;
    const Y = R[3]! * x + R[4]! * y + R[5]! * z;
    const Z = R[6]! * x + R[7]! * y + R[8]! * z;
    // head axes -> image: y flips, z points away from the camera; 60 px between the eyes, somewhere in a frame
    out[i * 3] = 320 + 60 * X;
    out[i * 3 + 1] = 240 - 60 * Y;
    out[i * 3 + 2] = -60 * Z;
  }
  return out;
}

describe('head pose from the rigid fit', () => {
  it('recovers known yaw, pitch and roll of the canonical face within 3 degrees', () => {
    const cases = [
      { yaw: 0, pitch: 0, roll: 0 },
      { yaw: 30, pitch: 0, roll: 0 },
      { yaw: -25, pitch: 0, roll: 0 },
      { yaw: 0, pitch: 20, roll: 0 },
      { yaw: 0, pitch: -20, roll: 0 },
      { yaw: 0, pitch: 0, roll: 15 },
      { yaw: 20, pitch: -15, roll: 10 },
      { yaw: -40, pitch: 10, roll: -20 },
    ];
    for (const want of cases) {
      const got = headPose(normalizeMesh(turnedFace(want)).rotation);
      for (const k of ['yaw', 'pitch', 'roll'] as const)
        expect(
          Math.abs(got[k] - want[k]),
          `${k} of ${JSON.stringify(want)}: ${got[k].toFixed(2)}`,
        ).toBeLessThan(3);
    }
  });

  it('poseRotation and headPose are inverse', () => {
    const p = { yaw: 33, pitch: -12, roll: 7 };
    const back = headPose(poseRotation(p).map((_, k, R) => R[(k % 3) * 3 + Math.floor(k / 3)]!)); // transpose
    expect(back.yaw).toBeCloseTo(p.yaw, 9);
    expect(back.pitch).toBeCloseTo(p.pitch, 9);
    expect(back.roll).toBeCloseTo(p.roll, 9);
  });
});

interface PoseLabel {
  readonly clip: string;
  readonly t: number;
  readonly turn?: 'left' | 'right' | 'none';
  readonly nod?: 'up' | 'down' | 'none';
}
const POSE_LABELS = JSON.parse(
  readFileSync(path.join(import.meta.dirname, '..', 'fixtures', 'pose-labels.json'), 'utf8'),
) as { frames: PoseLabel[] };
const haveMedia = sharedAvailable('media', [...new Set(POSE_LABELS.frames.map((f) => f.clip))]);

describe.skipIf(!haveMedia)('head pose signs on real frames labelled by eye', () => {
  it('turns and nods have the labelled sign (> 10 degrees); frontal faces stay within 10', async () => {
    const detector = await createFaceDetector(loadConfig().detect);
    const dir = mkdtempSync(path.join(tmpdir(), 'aupipe-pose-'));
    try {
      for (const f of POSE_LABELS.frames) {
        const png = path.join(dir, `${f.t}.png`);
        execFileSync('ffmpeg', [
          '-loglevel',
          'error',
          '-y',
          '-ss',
          String(f.t),
          '-i',
          path.join(MEDIA_DIR, f.clip),
          '-frames:v',
          '1',
          png,
        ]);
        const faces = await detector.detect(await decodeImage(png));
        expect(faces.length, `${f.clip} ${f.t} s`).toBe(1);
        const p = headPose(normalizeMesh(faces[0]!.mesh).rotation);
        const at = `${f.clip} ${f.t} s: yaw ${p.yaw.toFixed(1)} pitch ${p.pitch.toFixed(1)}`;
        if (f.turn === 'right') expect(p.yaw, at).toBeGreaterThan(10);
        if (f.turn === 'left') expect(p.yaw, at).toBeLessThan(-10);
        if (f.turn === 'none') expect(Math.abs(p.yaw), at).toBeLessThan(10);
        if (f.nod === 'up') expect(p.pitch, at).toBeGreaterThan(10);
        if (f.nod === 'down') expect(p.pitch, at).toBeLessThan(-10);
        if (f.nod === 'none') expect(Math.abs(p.pitch), at).toBeLessThan(10);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await detector.close();
    }
  }, 60_000);
});
