import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEstimator } from '../../src/classify/create.js';
import { fuse } from '../../src/classify/fusion.js';
import { configSchema } from '../../src/config/index.js';
import { ModelError } from '../../src/errors.js';
import { AU_KEYS, type AuKey, type AuVector } from '../../src/types.js';
import { face, fixtureCrops, TEMPLATES, TINY } from './helpers.js';

const cfg = (over: Record<string, unknown>) => configSchema.parse({ classify: over }).classify;
const meshDoc = JSON.parse(
  readFileSync(join(import.meta.dirname, '..', 'fixtures', 'meshes', 'real-faces.json'), 'utf8'),
) as { faces: { mesh: number[] }[] };

describe('createEstimator', () => {
  it('builds the CNN, the mesh estimator and their fusion from config', async () => {
    const [crop] = await fixtureCrops();
    const f = { ...face(crop!, 's', 1, 0), mesh: Float32Array.from(meshDoc.faces[0]!.mesh) };
    const o = { knownTemplates: TEMPLATES, crop: { size: 112, templateId: TEMPLATES[0]! } };
    const cnn = await createEstimator(cfg({ estimator: 'cnn', model: TINY, intraOpThreads: 1 }), o);
    const mesh = await createEstimator(cfg({ estimator: 'mesh' }), o);
    const fusion = await createEstimator(
      cfg({ estimator: 'fusion', model: TINY, fusionWeight: 0.25, fusionAus: 'all' }),
      o,
    );
    const validated = await createEstimator(cfg({ estimator: 'fusion', model: TINY, fusionWeight: 0.25 }), o);
    expect([cnn.name, mesh.name]).toEqual(['tiny-au@0.0.1', 'mesh']);
    expect(fusion.name).toContain('tiny-au@0.0.1');
    const [c] = await cnn.estimate([f]);
    const [m] = await mesh.estimate([f]);
    const [u] = await fusion.estimate([f]);
    const [d] = await validated.estimate([f]);
    for (const k of AU_KEYS) {
      expect(u![k]).toBeCloseTo(0.25 * c![k] + 0.75 * m![k], 6);
      // default classify.fusionAus: the CNN is mixed in where it is validated and not behind the mesh
      const mixed = ['AU12', 'AU25'].includes(k);
      expect(d![k]).toBeCloseTo(mixed ? 0.25 * c![k] + 0.75 * m![k] : m![k], 6);
      expect(m![k]).toBeGreaterThanOrEqual(0);
      expect(m![k]).toBeLessThanOrEqual(1);
    }
    await Promise.all([cnn.close(), mesh.close(), fusion.close(), validated.close()]);
  });

  it('refuses to start on a missing bundle and says which path it tried', async () => {
    const err = await createEstimator(cfg({ estimator: 'cnn', model: '/no/such/bundle' })).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ModelError);
    expect((err as ModelError).code).toBe('BUNDLE_NOT_FOUND');
    expect((err as ModelError).message).toMatch(
      /cannot start AU estimator "cnn" \(tried model bundle \/no\/such\/bundle\)/,
    );
  });

  it('the mesh estimator reads the lip model from classify.lipModel; empty turns it off; a bad path is named', async () => {
    const [crop] = await fixtureCrops();
    const f = { ...face(crop!, 's', 1, 0), mesh: Float32Array.from(meshDoc.faces[0]!.mesh) };
    const withNet = await createEstimator(cfg({ estimator: 'mesh', intraOpThreads: 1 }));
    const without = await createEstimator(cfg({ estimator: 'mesh', lipModel: '' }));
    const [a] = await withNet.estimate([f]);
    const [b] = await without.estimate([f]);
    expect(a!.AU25).not.toBe(b!.AU25);
    expect(a!.AU26).not.toBe(b!.AU26);
    expect(a!.AU1).toBe(b!.AU1);
    await Promise.all([withNet.close(), without.close()]);
    const err = (await createEstimator(cfg({ estimator: 'mesh', lipModel: '/no/such/lips' })).catch(
      (e: unknown) => e,
    )) as ModelError;
    expect(err.code).toBe('LANDMARKS_NOT_FOUND');
    expect(err.message).toMatch(/tried the mesh-geometry estimator with lip model \/no\/such\/lips/);
  });

  it('the mesh estimator reads the expression model from classify.expressionModel; empty turns it off; a bad path is named', async () => {
    const [crop] = await fixtureCrops();
    const f = { ...face(crop!, 's', 1, 0), mesh: Float32Array.from(meshDoc.faces[0]!.mesh) };
    const withNet = await createEstimator(cfg({ estimator: 'mesh', lipModel: '' }));
    const without = await createEstimator(cfg({ estimator: 'mesh', lipModel: '', expressionModel: '' }));
    const [a] = await withNet.estimate([f]);
    const [b] = await without.estimate([f]);
    expect(a!.AU12).not.toBe(b!.AU12);
    expect(a!.AU6).not.toBe(b!.AU6);
    expect(a!.AU25).toBe(b!.AU25);
    await Promise.all([withNet.close(), without.close()]);
    const err = (await createEstimator(
      cfg({ estimator: 'mesh', lipModel: '', expressionModel: '/no/such/expressions' }),
    ).catch((e: unknown) => e)) as ModelError;
    expect(err.code).toBe('EXPRESSIONS_NOT_FOUND');
    expect(err.message).toMatch(
      /tried the mesh-geometry estimator with expression model \/no\/such\/expressions/,
    );
  });

  it('refuses a bundle whose input size differs from the detect crop size', async () => {
    const err = await createEstimator(cfg({ estimator: 'fusion', model: TINY }), {
      knownTemplates: TEMPLATES,
      crop: { size: 128 },
    }).catch((e: unknown) => e);
    expect((err as ModelError).code).toBe('CROP_MISMATCH');
    expect((err as ModelError).message).toMatch(/112x112 crops but detect\.cropSize is 128/);
  });

  it('classify.fusionAus must name AUs', () => {
    expect(() => cfg({ fusionAus: 'AU12,AU99' })).toThrow(/fusionAus/);
    expect(cfg({ fusionAus: 'all' }).fusionAus).toBe('all');
  });

  it('fusion: an AU only one side measures keeps that side alone', () => {
    const v = (x: number) => Object.fromEntries(AU_KEYS.map((k) => [k, x])) as AuVector;
    const only = new Set<AuKey>(['AU12']);
    const all = new Set<AuKey>(AU_KEYS);
    const r = fuse(v(1), v(0.2), 0.5, only, all);
    expect(r.AU12).toBeCloseTo(0.6);
    expect(r.AU1).toBeCloseTo(0.2);
    // both measure every AU, but the CNN is mixed in only where `mix` says; a CNN-only AU stays the CNN's
    const mixed = fuse(v(1), v(0.2), 0.5, all, new Set<AuKey>(['AU1', 'AU12']), new Set<AuKey>(['AU12']));
    expect(mixed.AU12).toBeCloseTo(0.6);
    expect(mixed.AU1).toBeCloseTo(0.2);
    expect(mixed.AU25).toBeCloseTo(1);
  });
});
