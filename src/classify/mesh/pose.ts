/**
 * Head pose from the rigid fit the mesh estimator already does (`normalizeMesh`): the fit's rotation maps the
 * face's head axes (x image-right, y up, z toward the camera) onto the canonical face, so its transpose is the
 * head's rotation seen from the camera. Angles are intrinsic yaw (about y), then pitch (about x), then roll
 * (about z), in degrees. Pure.
 */

export interface HeadPose {
  /** Turn: > 0 when the face turns toward the image's right (the viewer sees more of the face's left cheek). */
  readonly yaw: number;
  /** Nod: > 0 when the face looks up. */
  readonly pitch: number;
  /** Tilt: > 0 when the head tilts counter-clockwise as the viewer sees it. */
  readonly roll: number;
}

const DEG = 180 / Math.PI;

/** Yaw, pitch and roll of a fit rotation (`NormalizedMesh.rotation`, row-major, head axes → canonical). */
export function headPose(rotation: readonly number[]): HeadPose {
  // R = rotationᵀ = Ry(yaw) · Rx(θ) · Rz(roll), with θ > 0 tipping the face's front down.
  const R = (i: number, j: number): number => rotation[j * 3 + i] as number;
  const theta = Math.asin(Math.max(-1, Math.min(1, -R(1, 2))));
  return {
    yaw: Math.atan2(R(0, 2), R(2, 2)) * DEG,
    pitch: -theta * DEG,
    roll: Math.atan2(R(1, 0), R(1, 1)) * DEG,
  };
}

/** The rotation (row-major) a head with this pose applies to the canonical face, in head axes; for tests and tools. */
export function poseRotation(p: HeadPose): number[] {
  const [y, t, r] = [p.yaw / DEG, -p.pitch / DEG, p.roll / DEG];
  const Ry = [Math.cos(y), 0, Math.sin(y), 0, 1, 0, -Math.sin(y), 0, Math.cos(y)];
  const Rx = [1, 0, 0, 0, Math.cos(t), -Math.sin(t), 0, Math.sin(t), Math.cos(t)];
  const Rz = [Math.cos(r), -Math.sin(r), 0, Math.sin(r), Math.cos(r), 0, 0, 0, 1];
  const mul = (a: number[], b: number[]): number[] =>
    Array.from({ length: 9 }, (_, k) => {
      const i = Math.floor(k / 3);
      const j = k % 3;
      return (
        (a[i * 3] as number) * (b[j] as number) +
        (a[i * 3 + 1] as number) * (b[3 + j] as number) +
        (a[i * 3 + 2] as number) * (b[6 + j] as number)
      );
    });
  return mul(mul(Ry, Rx), Rz);
}
