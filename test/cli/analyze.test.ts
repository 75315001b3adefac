import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AU_KEYS } from '../../src/types.js';

const ASTRONAUT = '/usr/lib/python3/dist-packages/skimage/data/astronaut.png';
const GROUP = 'node_modules/@vladmandic/face-api/demo/sample4.jpg';

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
