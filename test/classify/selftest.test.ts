/**
 * Issue #18, item 2: a bundle whose file parses but whose weights are broken must be refused at load, and a
 * non-finite reading must never reach a sample. The corrupted bundle is made for real: a copy of the shipped
 * CNN with NaN written into one initializer by the onnx package (the failure cannot be provoked otherwise).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AuBatcher } from '../../src/classify/batcher.js';
import { CnnEstimator } from '../../src/classify/cnn.js';
import type { AuEstimator } from '../../src/classify/estimator.js';
import { allFinite } from '../../src/classify/selftest.js';
import type { ModelError } from '../../src/errors.js';
import { AU_KEYS, type AuVector, type FaceObservation } from '../../src/types.js';

const SHIPPED = 'models/au-mobilenet';
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const copy = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'aupipe-selftest-'));
  dirs.push(d);
  cpSync(SHIPPED, d, { recursive: true });
  return d;
};
const open = (dir: string, log?: (m: string) => void) =>
  CnnEstimator.open(dir, { provider: 'cpu', intraOpThreads: 1, maxBatch: 4, ...(log ? { log } : {}) });
const refusal = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as ModelError,
  );

describe('bundle self-test at load', () => {
  it('the shipped bundle reproduces its fixture and says so', async () => {
    const lines: string[] = [];
    const est = await open(SHIPPED, (m) => lines.push(m));
    expect(lines.some((l) => /self-test passed on 4 crop/.test(l))).toBe(true);
    await est.close();
  });

  it('refuses a bundle with NaN in one initializer (the file still parses)', async () => {
    const d = copy();
    const script = [
      'import onnx, numpy as np, sys',
      'from onnx import numpy_helper',
      'm = onnx.load(sys.argv[1])',
      'i = next(t for t in m.graph.initializer if t.data_type == 1 and np.prod(t.dims) > 8)',
      'a = numpy_helper.to_array(i).copy(); a.flat[0] = np.nan',
      'i.CopyFrom(numpy_helper.from_array(a, i.name))',
      'onnx.save(m, sys.argv[1])',
    ].join('\n');
    execFileSync('/usr/bin/python3', ['-c', script, join(d, 'model.onnx')]);
    const err = await refusal(open(d));
    expect(err?.code).toBe('BUNDLE_SELFTEST');
    expect(err?.message).toContain(d);
    expect(err?.message).toMatch(/NaN|non-finite/);
  }, 60_000);

  it('refuses a bundle whose outputs differ from its fixture beyond the tolerance', async () => {
    const d = copy();
    const fx = JSON.parse(readFileSync(join(d, 'fixture.json'), 'utf8'));
    fx.crops[1].expected[3] += 0.01;
    writeFileSync(join(d, 'fixture.json'), JSON.stringify(fx));
    const err = await refusal(open(d));
    expect(err?.code).toBe('BUNDLE_SELFTEST');
    expect(err?.message).toMatch(/PyTorch gave .* \(tolerance 0\.0001\)/);
  }, 60_000);
});

describe('finite guard before publishing', () => {
  it('allFinite accepts probabilities and rejects NaN, Infinity and out-of-range values', () => {
    const ok = Object.fromEntries(AU_KEYS.map((k) => [k, 0.5])) as AuVector;
    expect(allFinite([ok])).toBe(true);
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, -0.1, 1.5])
      expect(allFinite([{ ...ok, AU4: bad }]), String(bad)).toBe(false);
  });

  it('the batcher resolves a non-finite reading as no sample and counts it', async () => {
    let call = 0;
    const est: AuEstimator = {
      name: 'broken-sometimes',
      async estimate(faces) {
        return faces.map(() => {
          call++;
          const v = Object.fromEntries(AU_KEYS.map((k) => [k, 0.2])) as Record<string, number>;
          if (call === 2) v.AU12 = Number.NaN;
          return v as AuVector;
        });
      },
      close: async () => undefined,
    };
    const b = new AuBatcher(est, { maxBatch: 1, maxWaitMs: 0, maxPendingPerStream: 8 });
    const f = { streamId: 's', trackId: 1 } as FaceObservation;
    const got = [await b.submit(f), await b.submit(f), await b.submit(f)];
    expect(got.map((g) => (g ? 'sample' : 'none'))).toEqual(['sample', 'none', 'sample']);
    expect(b.stats().invalid).toBe(1);
    await b.close();
  });
});
