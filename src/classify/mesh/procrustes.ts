/**
 * Weighted 3D similarity alignment (rotation, uniform scale, translation) of one point set onto another,
 * by Horn's closed-form quaternion method: the rotation is the eigenvector of the largest eigenvalue of
 * a symmetric 4x4 matrix built from the weighted cross-covariance. Pure math, no allocation beyond results.
 */

/** x' = s * R x + t, R row-major 3x3. */
export interface Similarity3 {
  readonly s: number;
  readonly r: readonly number[];
  readonly t: readonly [number, number, number];
}

/**
 * Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations; returns eigenvector of max eigenvalue.
 * The matrix and the rotations live in flat row-major Float64Arrays (this runs 26 times a face in the mesh
 * normalisation); the arithmetic is the textbook one, in the same order.
 */
export function maxEigenvector(m: readonly (readonly number[])[]): number[] {
  const n = m.length;
  const a = new Float64Array(n * n);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    v[i * n + i] = 1;
    for (let j = 0; j < n; j++) a[i * n + j] = (m[i] as readonly number[])[j] as number;
  }
  for (let sweep = 0; sweep < 50; sweep++) {
    let off = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) off += (a[i * n + j] as number) ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q] as number;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = ((a[q * n + q] as number) - (a[p * n + p] as number)) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p] as number;
          const akq = a[k * n + q] as number;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k] as number;
          const aqk = a[q * n + k] as number;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p] as number;
          const vkq = v[k * n + q] as number;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  let best = 0;
  for (let i = 1; i < n; i++) if ((a[i * n + i] as number) > (a[best * n + best] as number)) best = i;
  return Array.from({ length: n }, (_, k) => v[k * n + best] as number);
}

/**
 * Similarity that maps `src` points onto `dst` points (xyz interleaved) in the weighted least-squares sense,
 * using only the listed point indices with their weights.
 */
export function fitSimilarity(
  src: ArrayLike<number>,
  dst: ArrayLike<number>,
  idx: readonly number[],
  w: readonly number[],
): Similarity3 {
  let sw = 0;
  const cs = [0, 0, 0];
  const cd = [0, 0, 0];
  for (let k = 0; k < idx.length; k++) {
    const i = (idx[k] as number) * 3;
    const wk = w[k] as number;
    sw += wk;
    for (let d = 0; d < 3; d++) {
      cs[d] = (cs[d] as number) + wk * (src[i + d] as number);
      cd[d] = (cd[d] as number) + wk * (dst[i + d] as number);
    }
  }
  for (let d = 0; d < 3; d++) {
    cs[d] = (cs[d] as number) / sw;
    cd[d] = (cd[d] as number) / sw;
  }
  // Cross-covariance S[a][b] = sum w * src_a * dst_b (centred), and source variance.
  const S = [0, 0, 0, 0, 0, 0, 0, 0, 0];
  let varSrc = 0;
  for (let k = 0; k < idx.length; k++) {
    const i = (idx[k] as number) * 3;
    const wk = w[k] as number;
    // scalars, not per-point arrays (this runs ~26 times per face in the depth-gain search); same sums, same order
    const a0 = (src[i] as number) - (cs[0] as number);
    const a1 = (src[i + 1] as number) - (cs[1] as number);
    const a2 = (src[i + 2] as number) - (cs[2] as number);
    const b0 = (dst[i] as number) - (cd[0] as number);
    const b1 = (dst[i + 1] as number) - (cd[1] as number);
    const b2 = (dst[i + 2] as number) - (cd[2] as number);
    varSrc += wk * a0 ** 2;
    S[0] = (S[0] as number) + wk * a0 * b0;
    S[1] = (S[1] as number) + wk * a0 * b1;
    S[2] = (S[2] as number) + wk * a0 * b2;
    varSrc += wk * a1 ** 2;
    S[3] = (S[3] as number) + wk * a1 * b0;
    S[4] = (S[4] as number) + wk * a1 * b1;
    S[5] = (S[5] as number) + wk * a1 * b2;
    varSrc += wk * a2 ** 2;
    S[6] = (S[6] as number) + wk * a2 * b0;
    S[7] = (S[7] as number) + wk * a2 * b1;
    S[8] = (S[8] as number) + wk * a2 * b2;
  }
  const [sxx, sxy, sxz, syx, syy, syz, szx, szy, szz] = S as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const N = [
    [sxx + syy + szz, syz - szy, szx - sxz, sxy - syx],
    [syz - szy, sxx - syy - szz, sxy + syx, szx + sxz],
    [szx - sxz, sxy + syx, -sxx + syy - szz, syz + szy],
    [sxy - syx, szx + sxz, syz + szy, -sxx - syy + szz],
  ];
  const [q0, qx, qy, qz] = maxEigenvector(N) as [number, number, number, number];
  const r = [
    q0 * q0 + qx * qx - qy * qy - qz * qz,
    2 * (qx * qy - q0 * qz),
    2 * (qx * qz + q0 * qy),
    2 * (qy * qx + q0 * qz),
    q0 * q0 - qx * qx + qy * qy - qz * qz,
    2 * (qy * qz - q0 * qx),
    2 * (qz * qx - q0 * qy),
    2 * (qz * qy + q0 * qx),
    q0 * q0 - qx * qx - qy * qy + qz * qz,
  ];
  // Scale: sum w <R a, b> / sum w |a|^2 = trace(R S) / varSrc with S as defined (a along rows).
  let tr = 0;
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++) tr += (r[i * 3 + j] as number) * (S[j * 3 + i] as number);
  const s = varSrc > 0 ? tr / varSrc : 1;
  const t: [number, number, number] = [0, 0, 0];
  for (let i = 0; i < 3; i++) {
    let rc = 0;
    for (let j = 0; j < 3; j++) rc += (r[i * 3 + j] as number) * (cs[j] as number);
    t[i] = (cd[i] as number) - s * rc;
  }
  return { s, r, t };
}

/** Applies a similarity to every point of an xyz-interleaved array, into a new Float64Array. */
export function applySimilarity(m: Similarity3, pts: ArrayLike<number>, count: number): Float64Array {
  const out = new Float64Array(count * 3);
  const { s, r, t } = m;
  for (let i = 0; i < count; i++) {
    const x = pts[i * 3] as number;
    const y = pts[i * 3 + 1] as number;
    const z = pts[i * 3 + 2] as number;
    for (let d = 0; d < 3; d++) {
      out[i * 3 + d] =
        s * ((r[d * 3] as number) * x + (r[d * 3 + 1] as number) * y + (r[d * 3 + 2] as number) * z) +
        (t[d] as number);
    }
  }
  return out;
}
