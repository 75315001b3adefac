import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/index.js';
import { prepareDisfa, readDataset } from '../../src/dataset/index.js';
import { createFaceDetector, type FaceDetector } from '../../src/detect/index.js';
import { AU_KEYS } from '../../src/types.js';

// A small fixture in DISFA's own layout, cut from the bundled real-face video with made-up labels.
let root = '';
let detector: FaceDetector;
const FRAMES = 40;
const intensity = (sn: number, au: number, f: number): number => (f * (au + 1) + sn) % 6;

async function writeLabels(dir: string, sn: string, snNum: number, frames: number, skip?: string) {
  const ld = path.join(dir, 'ActionUnit_Labels', sn);
  await mkdir(ld, { recursive: true });
  for (const [j, au] of AU_KEYS.entries()) {
    const name = `${sn}_${au.toLowerCase()}.txt`;
    if (name === skip) continue;
    const lines = Array.from({ length: frames }, (_, i) => `${i + 1},${intensity(snNum, j, i + 1)}`);
    await writeFile(path.join(ld, name), `${lines.join('\n')}\n`);
  }
}

function cutVideo(out: string, start: number): void {
  execFileSync('ffmpeg', [
    ...['-v', 'error', '-y', '-ss', String(start), '-i', 'assets/sample.mp4', '-frames:v', String(FRAMES)],
    ...['-c:v', 'mjpeg', '-q:v', '4', out],
  ]);
}

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'aupipe-disfa-'));
  await mkdir(path.join(root, 'Videos_LeftCamera'), { recursive: true });
  cutVideo(path.join(root, 'Videos_LeftCamera', 'LeftVideoSN001_comp.avi'), 0.5);
  cutVideo(path.join(root, 'Videos_LeftCamera', 'LeftVideoSN002_comp.avi'), 6);
  await writeLabels(root, 'SN001', 1, FRAMES);
  await writeLabels(root, 'SN002', 2, FRAMES);
  detector = await createFaceDetector(configSchema.parse({}).detect);
}, 60_000);

afterAll(async () => {
  await detector?.close();
  await rm(root, { recursive: true, force: true });
});

describe('dataset prepare --disfa', () => {
  it('round trip: rows, subject ids, intensities and positives at the threshold', async () => {
    const out = path.join(root, 'out');
    const rep = await prepareDisfa({ disfa: root, out, detector, stride: 10, threshold: 2 });
    expect(rep.subjects).toEqual(['SN001', 'SN002']);
    expect(rep.frames).toBe(8); // frames 1, 11, 21, 31 of each subject
    const ds = await readDataset(out);
    expect(ds.meta.labelKind).toBe('intensity');
    expect(ds.meta.aus).toEqual(AU_KEYS);
    expect(ds.rows.length + rep.noFace).toBe(8);
    expect(ds.rows.length).toBeGreaterThanOrEqual(6);
    for (const r of ds.rows) {
      const sn = Number(r.subject.slice(2));
      expect(r.source).toBe(`LeftVideo${r.subject}_comp.avi`);
      expect([1, 11, 21, 31]).toContain(r.frame);
      for (const [j, au] of AU_KEYS.entries()) expect(r.labels[au]).toBe(intensity(sn, j, r.frame));
    }
    const pos = ds.rows.filter((r) => (r.labels.AU12 ?? 0) >= 2).length;
    expect(rep.positives.AU12 ?? 0).toBe(pos);
    expect(new Set(ds.rows.map((r) => r.subject))).toEqual(new Set(['SN001', 'SN002']));
  }, 120_000);

  it('the 8-AU set writes only the benchmark AUs', async () => {
    const out = path.join(root, 'out8');
    await prepareDisfa({ disfa: root, out, detector, stride: 40, auSet: 8, subjects: ['SN001'] });
    const ds = await readDataset(out);
    expect(ds.meta.aus).toEqual(['AU1', 'AU2', 'AU4', 'AU6', 'AU9', 'AU12', 'AU25', 'AU26']);
    expect(ds.rows[0]?.labels.AU5).toBeUndefined();
    expect(ds.rows[0]?.labels.AU26).toBe(intensity(1, 11, 1));
  }, 60_000);

  it('frames without a face are counted and listed, not silently dropped', async () => {
    const dark = await mkdtemp(path.join(tmpdir(), 'aupipe-disfa-dark-'));
    try {
      await mkdir(path.join(dark, 'Videos_LeftCamera'), { recursive: true });
      execFileSync('ffmpeg', [
        ...['-v', 'error', '-f', 'lavfi', '-i', 'color=c=gray:s=320x240:r=30', '-frames:v', '12'],
        ...['-c:v', 'mjpeg', path.join(dark, 'Videos_LeftCamera', 'LeftVideoSN007_comp.avi')],
      ]);
      await writeLabels(dark, 'SN007', 7, 12);
      const rep = await prepareDisfa({ disfa: dark, out: path.join(dark, 'o'), detector, stride: 4 });
      expect(rep.frames).toBe(3);
      expect(rep.noFace).toBe(3);
      expect(rep.noFaceFrames).toEqual({ SN007: [1, 5, 9] });
      expect((await readDataset(path.join(dark, 'o'))).rows).toHaveLength(0);
    } finally {
      await rm(dark, { recursive: true, force: true });
    }
  }, 60_000);

  it('a missing label file is an error naming the file', async () => {
    const bad = await mkdtemp(path.join(tmpdir(), 'aupipe-disfa-bad-'));
    try {
      await mkdir(path.join(bad, 'Videos_LeftCamera'), { recursive: true });
      cutVideo(path.join(bad, 'Videos_LeftCamera', 'LeftVideoSN003_comp.avi'), 0);
      await writeLabels(bad, 'SN003', 3, FRAMES, 'SN003_au4.txt');
      await expect(prepareDisfa({ disfa: bad, out: path.join(bad, 'o'), detector })).rejects.toThrow(
        /SN003_au4\.txt/,
      );
    } finally {
      await rm(bad, { recursive: true, force: true });
    }
  }, 60_000);

  it('a video shorter than its labels is an error naming the video', async () => {
    const bad = await mkdtemp(path.join(tmpdir(), 'aupipe-disfa-short-'));
    try {
      await mkdir(path.join(bad, 'Videos_LeftCamera'), { recursive: true });
      cutVideo(path.join(bad, 'Videos_LeftCamera', 'LeftVideoSN004_comp.avi'), 0);
      await writeLabels(bad, 'SN004', 4, FRAMES + 50);
      await expect(
        prepareDisfa({ disfa: bad, out: path.join(bad, 'o'), detector, stride: 89 }),
      ).rejects.toThrow(/LeftVideoSN004_comp\.avi: has 40 frames but SN004's labels go to frame 90/);
    } finally {
      await rm(bad, { recursive: true, force: true });
    }
  }, 60_000);
});
