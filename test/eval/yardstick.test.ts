import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { agreedLabels, consensusLabels, type LabelledFace, loadYardstick } from '../../src/dataset/index.js';
import { codeKey, decodeLabels, mergeAnnotator, shuffled, writeSheets } from '../../src/eval/index.js';
import { decodeImage } from '../../src/ingest/image.js';
import { AU_KEYS } from '../../src/types.js';

const doc = JSON.parse(readFileSync('test/fixtures/real-faces.json', 'utf8')) as {
  annotators: Record<string, string>;
  faces: LabelledFace[];
};

describe('yardstick annotations', () => {
  it('consensus keeps an AU any annotator marked unless another marked it otherwise', () => {
    expect(
      consensusLabels({ a: { AU12: 1, AU25: 0, AU6: 1 }, b: { AU12: 1, AU25: 1, AU26: 0 }, c: {} }),
    ).toEqual({ AU12: 1, AU26: 0, AU6: 1 });
    expect(consensusLabels({})).toEqual({});
  });

  it('the stricter view keeps an AU only where that many annotators marked it alike', async () => {
    const a = {
      h3: { AU12: 1 as const, AU25: 0 as const },
      h4: { AU12: 1 as const, AU25: 1 as const },
      h5: {},
    };
    expect(agreedLabels(a, 2)).toEqual({ AU12: 1 });
    expect(agreedLabels(a, 3)).toEqual({});
    const strict = await loadYardstick(undefined, 2);
    const all = await loadYardstick();
    const count = (y: typeof all, au: 'AU25') => y.faces.filter((f) => f.labels[au] !== undefined).length;
    expect(count(strict, 'AU25')).toBeLessThan(count(all, 'AU25'));
    expect(count(strict, 'AU25')).toBeGreaterThan(90);
  });

  it('every face scores its annotators’ consensus; three annotators, 14 contradicted face-AU pairs left out', () => {
    expect(Object.keys(doc.annotators)).toEqual(['h3', 'h4', 'h5']);
    let contradicted = 0;
    for (const f of doc.faces) {
      const a = f.annotations ?? {};
      expect(Object.keys(a), f.id).toEqual(['h3', 'h4', 'h5']);
      expect(f.labels, f.id).toEqual(consensusLabels(a));
      for (const au of AU_KEYS)
        if (
          new Set(
            Object.values(a)
              .map((l) => l[au])
              .filter((v) => v !== undefined),
          ).size > 1
        )
          contradicted++;
    }
    expect(contradicted).toBe(14);
  });

  it('merging an annotator’s coded form recomputes the labels; bad forms are refused with the code named', () => {
    const faces = [
      { id: 'x', labels: { AU12: 1 as const }, annotations: { h3: { AU12: 1 as const } } },
      { id: 'y', labels: { AU25: 0 as const }, annotations: { h3: { AU25: 0 as const } } },
    ] as unknown as LabelledFace[];
    const key = codeKey(['x', 'y'], 3);
    const codeOf = (id: string) => Object.keys(key).find((c) => key[c] === id) as string;
    const form = { faces: { [codeOf('x')]: { AU12: 0 }, [codeOf('y')]: { AU25: 0, AU26: 1 } } };
    const merged = mergeAnnotator({ faces }, 'h5', decodeLabels(form, key));
    expect(merged.faces.map((f) => f.labels)).toEqual([{}, { AU25: 0, AU26: 1 }]);
    expect(merged.faces[0]?.annotations).toEqual({ h3: { AU12: 1 }, h5: { AU12: 0 } });
    expect(() => decodeLabels({ faces: { '999': {} } }, key)).toThrow(/code 999 is not in the key/);
    expect(() => decodeLabels({ faces: { [codeOf('x')]: { AU12: 2 } } }, key)).toThrow(
      /AU12: 2 is not 0 or 1/,
    );
    expect(() => decodeLabels({ faces: { [codeOf('x')]: { AU99: 1 } } }, key)).toThrow(/unknown AU "AU99"/);
  });

  it('codes are a seeded shuffle: the same seed the same codes, every face once', () => {
    const ids = doc.faces.map((f) => f.id);
    const a = codeKey(ids, 7);
    expect(codeKey(ids, 7)).toEqual(a);
    expect(Object.values(a).sort()).toEqual([...ids].sort());
    expect(Object.keys(a)[0]).toBe('101');
    expect(shuffled(ids, 8)).not.toEqual(shuffled(ids, 7));
  });

  it('writes sheets with every face once under a code, an empty form with the same codes, and the key apart', async () => {
    const out = mkdtempSync(join(tmpdir(), 'aupipe-sheets-'));
    const n = await writeSheets(out, 7);
    expect(n).toBe(doc.faces.length);
    const sheets = readdirSync(out).filter((f) => f.endsWith('.png'));
    expect(sheets).toHaveLength(Math.ceil(n / 8));
    const key = JSON.parse(readFileSync(join(out, 'key', 'key.json'), 'utf8')) as Record<string, string>;
    const form = JSON.parse(readFileSync(join(out, 'labels.json'), 'utf8')) as {
      faces: Record<string, object>;
    };
    expect(Object.keys(form.faces)).toEqual(Object.keys(key));
    expect(Object.values(key).sort()).toEqual(doc.faces.map((f) => f.id).sort());
    expect(JSON.stringify(form)).not.toMatch(/sample|facematch|AU\d/); // no ids or labels on the form
    const sheet = await decodeImage(join(out, sheets[0] as string));
    expect([sheet.width, sheet.height]).toEqual([4 * 290, 2 * (2 * 280 + 26)]);
    rmSync(out, { recursive: true, force: true });
  }, 60_000); // decodes the yardstick photos
});
