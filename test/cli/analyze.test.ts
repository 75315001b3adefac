import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AU_KEYS } from '../../src/types.js';
import { MEDIA_DIR, sharedAvailable } from '../helpers/shared.js';

const ASTRONAUT = '/usr/lib/python3/dist-packages/skimage/data/astronaut.png';
const GROUP = 'node_modules/@vladmandic/face-api/demo/sample4.jpg';

function analyze(files: readonly string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = execFile(
      process.execPath,
      ['bin/aupipe.mjs', 'analyze', ...files, '--json', '--log-level', 'warn'],
      { env: { ...process.env, ...env } },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end();
  });
}

const HIKERS = 'hikers_coming_and_going.mp4';

describe.skipIf(!sharedAvailable('media', [HIKERS]))(
  'aupipe analyze scans stills (detect.scanStills)',
  () => {
    it('finds the far hiker (about 27 px) only with the scan', async () => {
      // frame 11 s: one hiker far off on the path, which the full-range detector misses (test/fixtures/face-boxes.json)
      const png = path.join(mkdtempSync(path.join(tmpdir(), 'aupipe-scan-')), 'hikers-11s.png');
      execFileSync('ffmpeg', [
        '-v',
        'error',
        '-y',
        '-ss',
        '11',
        '-i',
        path.join(MEDIA_DIR, HIKERS),
        '-frames:v',
        '1',
        png,
      ]);
      const on = await analyze([png]);
      const off = await analyze([png], { AUPIPE_DETECT_SCAN_STILLS: 'false' });
      expect(on.code, on.stderr).toBe(0);
      const faces = (r: { stdout: string }) => JSON.parse(r.stdout)[0].faces as { box: number[] }[];
      expect(faces(off)).toHaveLength(0);
      expect(faces(on)).toHaveLength(1);
      // the face box is the 1.4x mesh crop around the face
      expect(faces(on)[0]!.box[2]! / 1.4).toBeLessThan(40);
    }, 60_000);
  },
);

describe('aupipe analyze', () => {
  it('reports faces with boxes, landmarks, 12 AU probabilities and emotion scores; a non-image is an error entry', async () => {
    const bad = path.join(mkdtempSync(path.join(tmpdir(), 'aupipe-analyze-')), 'notes.jpg');
    writeFileSync(bad, 'not an image\n');
    const { code, stdout, stderr } = await new Promise<{
      code: number | null;
      stdout: string;
      stderr: string;
    }>((resolve) => {
      const child = execFile(
        process.execPath,
        ['bin/aupipe.mjs', 'analyze', ASTRONAUT, bad, GROUP, '--json', '--log-level', 'warn'],
        (err, stdout, stderr) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
      child.stdin?.end();
    });
    expect(code, stderr).toBe(1); // one file could not be read; the others were still analysed
    const results = JSON.parse(stdout);
    expect(results.map((r: { file: string }) => r.file)).toEqual([ASTRONAUT, bad, GROUP]);
    expect(results[1].error.code).toBe('NOT_AN_IMAGE');
    const astro = results[0];
    expect(astro.faces).toHaveLength(1);
    const face = astro.faces[0];
    expect(face.box).toHaveLength(4);
    expect(face.landmarks).toHaveLength(5);
    expect(Object.keys(face.au).sort()).toEqual([...AU_KEYS].sort());
    for (const p of Object.values(face.au) as number[]) expect(p).toBeGreaterThanOrEqual(0);
    // the astronaut smiles with parted lips: AU12 and happiness lead
    expect(face.au.AU12).toBeGreaterThan(0.5);
    // a still has no per-person baseline, and says so
    expect(face.auReference).toBe('canonical');
    const top = Object.entries(face.emotions as Record<string, number>).sort((a, b) => b[1] - a[1])[0]!;
    expect(top[0]).toBe('happiness');
    // the four women; the default full-range detector also takes a dress pattern for a face (its one false
    // face on the test photos, test/detect/detector.test.ts)
    expect(results[2].faces.length).toBeGreaterThanOrEqual(4);
    expect(results[2].faces.length).toBeLessThanOrEqual(5);
  });
});
