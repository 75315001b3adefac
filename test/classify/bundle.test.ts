import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { auKeyOf, loadBundle } from '../../src/classify/bundle.js';
import { CnnEstimator } from '../../src/classify/cnn.js';
import { ModelError } from '../../src/errors.js';
import { TEMPLATES, TINY } from './helpers.js';

const dirs: string[] = [];
/** A copy of the tiny bundle with its card edited by `edit`. */
function copy(edit?: (card: Record<string, unknown>) => void): string {
  const d = mkdtempSync(join(tmpdir(), 'aupipe-bundle-'));
  dirs.push(d);
  cpSync(TINY, d, { recursive: true });
  if (edit) {
    const card = JSON.parse(readFileSync(join(d, 'model.json'), 'utf8')) as Record<string, unknown>;
    edit(card);
    writeFileSync(join(d, 'model.json'), JSON.stringify(card));
  }
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const open = (dir: string) =>
  CnnEstimator.open(dir, { provider: 'cpu', intraOpThreads: 1, maxBatch: 2, knownTemplates: TEMPLATES });

/** Asserts a ModelError with `code` whose message names the bundle folder and contains `what`. */
async function rejects(p: Promise<unknown> | (() => unknown), dir: string, code: string, what: RegExp) {
  const err = await (async () => {
    try {
      await (typeof p === 'function' ? p() : p);
    } catch (e) {
      return e;
    }
    throw new Error('expected an error');
  })();
  expect(err).toBeInstanceOf(ModelError);
  expect((err as ModelError).code).toBe(code);
  expect((err as ModelError).message).toContain(dir);
  expect((err as ModelError).message).toMatch(what);
}

describe('model bundle loading', () => {
  it('loads the tiny bundle and maps its AUs in types.ts order', async () => {
    const b = loadBundle(TINY, { knownTemplates: TEMPLATES });
    expect(b.card.input.size).toBe(112);
    expect(b.outputIndex).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const est = await open(TINY);
    expect(est.name).toBe('tiny-au@0.0.1');
    expect(est.provider).toBe('cpu');
    await est.close();
  });

  it('maps a card that lists a subset of AUs in another order, by name', () => {
    const d = copy((c) => {
      c.aus = ['au12', 'AU 25', '6'];
      c.thresholds = { AU12: 0.4 };
    });
    const b = loadBundle(d, { knownTemplates: TEMPLATES });
    expect(b.aus).toEqual(['AU12', 'AU25', 'AU6']);
    expect(b.outputIndex[4]).toBe(2); // AU6
    expect(b.outputIndex[6]).toBe(0); // AU12
    expect(b.outputIndex[0]).toBe(-1); // AU1 absent
    expect(b.thresholds.AU12).toBe(0.4);
  });

  it('names AUs loosely but only DISFA ones', () => {
    expect(auKeyOf('AU01')).toBe('AU1');
    expect(auKeyOf('au26')).toBe('AU26');
    expect(auKeyOf('AU7')).toBeUndefined();
    expect(auKeyOf('smile')).toBeUndefined();
  });

  it('refuses a missing model file', async () => {
    const d = copy();
    unlinkSync(join(d, 'model.onnx'));
    await rejects(
      () => loadBundle(d, { knownTemplates: TEMPLATES }),
      d,
      'BUNDLE_MISSING_FILE',
      /model\.onnx/,
    );
    await rejects(open(d), d, 'BUNDLE_MISSING_FILE', /missing model\.onnx/);
  });

  it('refuses a missing folder and a missing card', async () => {
    await rejects(open('/nonexistent/bundle'), '/nonexistent/bundle', 'BUNDLE_NOT_FOUND', /no such folder/);
    const d = copy();
    unlinkSync(join(d, 'model.json'));
    await rejects(open(d), d, 'BUNDLE_MISSING_FILE', /model\.json/);
  });

  it('refuses a card whose input size disagrees with the ONNX input shape', async () => {
    const d = copy((c) => {
      (c.input as { size: number }).size = 96;
    });
    await rejects(open(d), d, 'BUNDLE_SHAPE_MISMATCH', /96x96.*\[batch, 3, 112, 112\]/);
  });

  it('refuses an unknown AU', async () => {
    const d = copy((c) => {
      (c.aus as string[])[3] = 'AU7';
    });
    await rejects(open(d), d, 'BUNDLE_UNKNOWN_AU', /"AU7"/);
  });

  it('refuses an AU count that disagrees with the model output', async () => {
    const d = copy((c) => {
      c.aus = (c.aus as string[]).slice(0, 8);
    });
    await rejects(open(d), d, 'BUNDLE_SHAPE_MISMATCH', /8 AUs.*outputs 12/);
  });

  it('refuses an unknown alignment template and lists the known ones', async () => {
    const d = copy((c) => {
      c.alignment = 'mystery-align';
    });
    await rejects(open(d), d, 'BUNDLE_UNKNOWN_ALIGNMENT', /"mystery-align".*aupipe-5pt-v1/);
  });

  it('refuses an invalid card with the field that is wrong', async () => {
    const d = copy((c) => {
      (c.input as { layout: string }).layout = 'NHWC';
    });
    await rejects(open(d), d, 'BUNDLE_BAD_CARD', /input\.layout/);
  });

  it('refuses a corrupt ONNX file', async () => {
    const d = copy();
    const bytes = readFileSync(join(d, 'model.onnx'));
    writeFileSync(join(d, 'model.onnx'), bytes.subarray(0, bytes.length >> 1));
    await rejects(open(d), d, 'BUNDLE_CORRUPT_ONNX', /not a valid ONNX model/);
  });
});

describe('execution providers', () => {
  it('auto falls back to cpu and says so', async () => {
    const logs: string[] = [];
    const est = await CnnEstimator.open(TINY, {
      provider: 'auto',
      intraOpThreads: 1,
      maxBatch: 1,
      knownTemplates: TEMPLATES,
      log: (m) => logs.push(m),
    });
    expect(est.provider).toBe('cpu');
    expect(logs.join('\n')).toMatch(/provider cpu/);
    await est.close();
  });

  it('cuda requested without the CUDA provider libraries is a clear error', async () => {
    const p = CnnEstimator.open(TINY, {
      provider: 'cuda',
      intraOpThreads: 1,
      maxBatch: 1,
      knownTemplates: TEMPLATES,
    });
    await rejects(
      p,
      TINY,
      'PROVIDER_UNAVAILABLE',
      /execution provider cuda could not be loaded.*provider=cpu or auto/,
    );
  });
});

describe('model outputs', () => {
  it('maps rows to AU_KEYS order, fills absent AUs with 0 and applies the sigmoid to logits', async () => {
    const { toVectors } = await import('../../src/classify/cnn.js');
    // a model with AU12 then AU1: two rows
    const index = new Array(12).fill(-1);
    index[6] = 0; // AU12
    index[0] = 1; // AU1
    const [a, b] = toVectors([0.9, 0.1, 0.2, 0.8], 2, 2, index);
    expect([a!.AU12, a!.AU1, a!.AU26, b!.AU12, b!.AU1]).toEqual([0.9, 0.1, 0, 0.2, 0.8]);
    const [l] = toVectors([0, Math.log(3)], 1, 2, index, true);
    expect(l!.AU12).toBeCloseTo(0.5);
    expect(l!.AU1).toBeCloseTo(0.75);
  });

  it('finds a relative bundle path from the package root too, and names every path it tried', async () => {
    const rel = 'test/fixtures/tiny-bundle';
    const cwd = process.cwd();
    process.chdir('/tmp');
    try {
      expect(loadBundle(rel, { knownTemplates: TEMPLATES }).card.name).toBe('tiny-au');
      expect(() => loadBundle('models/none', { knownTemplates: TEMPLATES })).toThrow(
        /\/tmp\/models\/none or .*\/models\/none: no such folder/,
      );
    } finally {
      process.chdir(cwd);
    }
  });
});
