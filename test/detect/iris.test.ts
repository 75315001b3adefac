import { describe, expect, it } from 'vitest';
import { type Affine, applyAffine } from '../../src/detect/index.js';
import { eyeBox, eyeTransform, IRIS_INPUT, IRIS_POINTS, refineWithIris } from '../../src/detect/iris.js';

/** A raw mesh with the four eye corners set (crop coordinates) and z = `z` everywhere. */
function rawMesh(z = 0): Float32Array {
  const m = new Float32Array(468 * 3).fill(z);
  const set = (i: number, x: number, y: number) => {
    m[i * 3] = x;
    m[i * 3 + 1] = y;
  };
  set(33, 60, 80); // right eye outer (image left)
  set(133, 80, 80);
  set(362, 110, 80);
  set(263, 130, 82); // left eye outer
  return m;
}

describe('eye boxes', () => {
  it('square the corner-to-corner box enlarged 2.3x around the eye centre', () => {
    const b = eyeBox(rawMesh(), 'right');
    expect(b.side).toBeCloseTo(20 * 2.3, 6);
    expect(b.x + b.side / 2).toBeCloseTo(70, 6);
    expect(b.y + b.side / 2).toBeCloseTo(80, 6);
    expect(b.flip).toBe(false);
    expect(eyeBox(rawMesh(), 'left').flip).toBe(true);
  });

  it('map eye-crop pixels through the mesh crop to the frame, mirrored for the left eye', () => {
    const toFrame: Affine = [2, 0, 100, 0, 2, 50]; // mesh crop pixel -> frame: scale 2, offset (100, 50)
    const box = { x: 10, y: 20, side: 64, flip: false };
    // eye pixel (0, 0) has its centre at crop edge coordinate (10.5, 20.5), i.e. crop pixel (10, 20)
    expect(applyAffine(eyeTransform(box, toFrame), 0, 0)).toEqual([120, 90]);
    const flipped = eyeTransform({ ...box, flip: true }, toFrame);
    expect(applyAffine(flipped, 0, 0)).toEqual(applyAffine(eyeTransform(box, toFrame), IRIS_INPUT - 1, 0));
  });
});

describe('refineWithIris', () => {
  /** Model output for one eye: every point at eye-crop pixel (px, py), z = 10. */
  const out = (px: number, py: number) => {
    const o = new Float32Array(IRIS_POINTS * 3);
    for (let i = 0; i < IRIS_POINTS; i++) o.set([px, py, 10], i * 3);
    return o;
  };

  it('appends left then right iris and replaces both eyes when the head faces the camera', () => {
    const raw = rawMesh(0);
    const lb = { x: 100, y: 60, side: 40, flip: true };
    const rb = { x: 50, y: 60, side: 40, flip: false };
    const m = refineWithIris(raw, out(16, 32), out(16, 32), lb, rb);
    expect(m.length).toBe(478 * 3);
    // right eye, not mirrored: x = 50 + 16/64*40 = 60; left eye mirrored: x = 100 + (1 - 16/64)*40 = 130
    expect([m[473 * 3], m[473 * 3 + 1]]).toEqual([60, 80]);
    expect([m[468 * 3], m[468 * 3 + 1]]).toEqual([130, 80]);
    // lid points replaced, z averaged with the mesh's
    expect([m[159 * 3], m[159 * 3 + 2]]).toEqual([60, 5]);
    expect([m[386 * 3], m[386 * 3 + 2]]).toEqual([130, 5]);
    // untouched points stay
    expect(m[1 * 3]).toBe(raw[1 * 3]);
  });

  it('with the head turned (eye depths 30+ apart) replaces only the nearer eye lid lines', () => {
    const raw = rawMesh(0);
    raw[263 * 3 + 2] = -40; // left eye much nearer the camera
    const lb = { x: 100, y: 60, side: 40, flip: true };
    const rb = { x: 50, y: 60, side: 40, flip: false };
    const m = refineWithIris(raw, out(16, 32), out(16, 32), lb, rb);
    expect(m[386 * 3]).toBe(130); // left upper lid replaced
    expect(m[159 * 3]).toBe(raw[159 * 3]); // right lid kept
    expect(m[300 * 3]).toBe(raw[300 * 3]); // left brow kept (only lid lines)
  });
});
