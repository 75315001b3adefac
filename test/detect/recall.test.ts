/**
 * Recall floors of the default detector (detect.range=auto, minMeshScore 0.01) on the hand-checked recall set (test/fixtures/face-boxes.json,
 * frames of ../shared/media at native resolution). The floors sit a little under what bench/detect-recall.ts
 * measured, so a change that loses faces fails here; the targets (95% / 80%) are above some of them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFrame, loadLabels, scoreFrame, summarise } from '../../bench/recall.js';
import { createDetector } from '../../src/compose.js';
import { configSchema } from '../../src/config/index.js';
import type { FaceDetector } from '../../src/detect/index.js';
import { MEDIA_DIR, sharedAvailable } from '../helpers/shared.js';

const frames = loadLabels();
const have = sharedAvailable('media', [...new Set(frames.map((f) => f.source))]);

describe.skipIf(!have)('detector recall on the labelled frames', () => {
  let detector: FaceDetector;
  beforeAll(async () => {
    // the default settings (range auto, the two-score mesh gate)
    detector = await createDetector(configSchema.parse({}).detect);
  });
  afterAll(async () => {
    await detector?.close();
  });

  it('finds the labelled faces by size with at most 2 false positives in the 26 frames', async () => {
    const per = [];
    for (const f of frames) {
      const dets = await detector.detect(await decodeFrame(MEDIA_DIR, f));
      per.push({ labels: f.faces, score: scoreFrame(f.faces, dets) });
    }
    const s = summarise(per);
    const pct = (b: keyof typeof s.recall) => (100 * s.recall[b].found) / s.recall[b].total;
    expect(s.recall['>=80'].total).toBeGreaterThanOrEqual(40);
    expect(pct('>=80')).toBeGreaterThanOrEqual(95);
    expect(pct('40-80')).toBeGreaterThanOrEqual(85);
    // few faces of 20-40 px are found (1 of 14 measured, the mesh gate rejects the rest): the floor keeps that one
    expect(pct('20-40')).toBeGreaterThanOrEqual(5);
    // measured 2 (a hand on a book in the classroom at 11 s, scored 0.014 by the mesh; a hiker's mesh drifted
    // off his face under the cap brim at 14 s): 7.7 per 100 frames, the issue asks <= 1
    console.log(
      `recall set: ${JSON.stringify(s.recall)}, false positives ${s.falsePositives} in ${s.frames} frames`,
    );
    expect(s.falsePositives).toBeLessThanOrEqual(2);
  }, 120_000);
});

describe.skipIf(!have)('detector recall with the SSD scan (detect.scanEvery)', () => {
  let detector: FaceDetector;
  beforeAll(async () => {
    detector = await createDetector(configSchema.parse({ detect: { scanEvery: 1 } }).detect);
  });
  afterAll(async () => {
    await detector?.close();
  });

  it('finds more of the small faces than the detector alone, without more false positives', async () => {
    const per = [];
    let added = 0;
    for (const f of frames) {
      const img = await decodeFrame(MEDIA_DIR, f);
      const found = await detector.detect(img);
      const more = await detector.scan!(img, found);
      added += more.length;
      per.push({ labels: f.faces, score: scoreFrame(f.faces, [...found, ...more]) });
    }
    const s = summarise(per);
    const pct = (b: keyof typeof s.recall) => (100 * s.recall[b].found) / s.recall[b].total;
    console.log(
      `recall set with the scan: ${JSON.stringify(s.recall)}, false positives ${s.falsePositives} in ${s.frames} frames, ${added} faces added by the scan`,
    );
    // measured 2026-12-04: 4/14, 14/14, 42/42, 2 false positives (the detector alone: 1/14, 13/14, 41/42, 2)
    expect(pct('20-40')).toBeGreaterThanOrEqual(25);
    expect(pct('40-80')).toBeGreaterThanOrEqual(95);
    expect(pct('>=80')).toBeGreaterThanOrEqual(97);
    expect(s.falsePositives).toBeLessThanOrEqual(2);
  }, 120_000);
});

describe('recall scoring', () => {
  const det = (x: number, y: number, side: number, score = 0.9) => ({
    box: { x, y, w: side, h: side },
    score,
    mesh: new Float32Array(0),
  });

  it('matches a detection whose face (box / 1.4) is centred on the label and of a like size', () => {
    const labels = [{ box: [100, 100, 50, 50] as const, pose: 'frontal' as const }];
    // mesh box 70 centred on (125, 125): face 50
    expect(scoreFrame(labels, [det(90, 90, 70)])).toEqual({ found: [true], falsePositives: 0 });
    // off by more than half a side: a miss and a false positive
    expect(scoreFrame(labels, [det(130, 90, 70)])).toEqual({ found: [false], falsePositives: 1 });
    // twice too large
    expect(scoreFrame(labels, [det(25, 25, 210)]).found).toEqual([false]);
  });

  it('matches one detection per label and does not count unlabelled faces under 20 px', () => {
    const labels = [{ box: [100, 100, 50, 50] as const, pose: 'frontal' as const }];
    const s = scoreFrame(labels, [det(90, 90, 70), det(92, 92, 70, 0.5), det(300, 300, 20)]);
    expect(s).toEqual({ found: [true], falsePositives: 1 });
  });
});
