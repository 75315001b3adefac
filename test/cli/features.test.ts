import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCrop, readDataset } from '../../src/dataset/index.js';
import { AU_KEYS } from '../../src/types.js';
import { runCli } from '../helpers/cli.js';
import { MEDIA_DIR, sharedAvailable } from '../helpers/shared.js';

const CLIP = 'single_face.mp4';
const have = sharedAvailable('media', [CLIP]);

describe('aupipe dataset features --crops', () => {
  it.runIf(have)(
    "writes each face's aligned crop as a prepared dataset, one per features.csv row, and no frames unless asked",
    async () => {
      const out = mkdtempSync(path.join(tmpdir(), 'aupipe-features-'));
      const r = await runCli([
        'dataset',
        'features',
        path.join(MEDIA_DIR, CLIP),
        '-o',
        out,
        '--crops',
        '--fps',
        '5',
      ]);
      expect(r.code, r.stderr).toBe(0);
      const [head, ...rows] = readFileSync(path.join(out, 'features.csv'), 'utf8').trim().split('\n');
      const cols = (head as string).split(',');
      const at = (name: string) => cols.indexOf(name);
      expect(at('crop')).toBe(at('frame') + 1);
      expect(rows.length).toBeGreaterThan(5); // ~4.8 s of one face at 5 fps
      const ds = await readDataset(path.join(out, 'crops'));
      expect(ds.rows).toHaveLength(rows.length);
      expect(ds.meta.aus).toEqual([...AU_KEYS]);
      for (const line of rows) {
        const c = line.split(',');
        expect(c[at('frame')]).toBe(''); // no frame written without --frames
        const crop = c[at('crop')] as string;
        expect(crop).toMatch(/^crops\/crops\/single_face\.mp4-\d{5}-t\d+\.png$/);
        const row = ds.rows.find((d) => `crops/${d.file}` === crop);
        expect(row, crop).toBeDefined();
        // the crop's labels are the mesh AUs of the same face
        for (const k of AU_KEYS) expect(row?.labels[k]).toBeCloseTo(Number(c[at(`au_${k}`)]), 3);
      }
      const img = await readCrop(ds, ds.rows[0]!);
      expect([img.width, img.height]).toEqual([ds.meta.cropSize, ds.meta.cropSize]);
      // a real face, not a blank: the crop's pixels vary
      const px = Array.from(img.rgb.subarray(0, 3000));
      expect(Math.max(...px) - Math.min(...px)).toBeGreaterThan(50);
      expect(existsSync(path.join(out, 'frames'))).toBe(false);
    },
    120_000,
  );
});
