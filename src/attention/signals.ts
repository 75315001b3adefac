/**
 * Per-frame attention measures on the pose-normalised face mesh (`normalizeMesh(mesh).pts`: canonical head frame,
 * x toward the image's right of a frontal face, y up, inter-ocular units). Pure: no I/O, no clock.
 */

/** Where an iris sits in its eye opening: x > 0 toward the image's right, y > 0 up; 1 = half the eye's width. */
export interface IrisOffset {
  readonly x: number;
  readonly y: number;
}

export interface Gaze {
  /** The subject's own right eye (corners 33, 133) and left eye (362, 263). */
  readonly right: IrisOffset;
  readonly left: IrisOffset;
}

/** Head pose in degrees (the sign conventions of `classify/mesh/pose.ts`: yaw > 0 toward image right, pitch > 0 up). */
export interface PoseDeg {
  readonly yaw: number;
  readonly pitch: number;
  readonly roll: number;
}

/** The screen cone: half-angles and the pitch of its centre, and the gaze gain added to the head pose. */
export interface ScreenCone {
  readonly yawDeg: number;
  readonly pitchDeg: number;
  readonly pitchOffsetDeg: number;
  readonly gazeDegPerUnit: number;
}

const EYES = { right: [33, 133], left: [362, 263] } as const;
/** Iris centres of the 478-point mesh (468-472 and 473-477: centre first). */
const IRIS_CENTRES = [468, 473] as const;

const at = (p: ArrayLike<number>, i: number, d: number): number => p[i * 3 + d] as number;

/**
 * Iris offset of each eye in its opening, from the iris points the mesh has with the iris model (478 points);
 * undefined for a 468-point mesh or a degenerate eye. Each iris is matched to the nearer eye (robust to the
 * detector's left/right naming).
 */
export function irisOffsets(p: ArrayLike<number>, count: number): Gaze | undefined {
  if (count < 478) return undefined;
  const eye = (side: 'right' | 'left') => {
    const [a, b] = EYES[side];
    const cx = (at(p, a, 0) + at(p, b, 0)) / 2;
    const cy = (at(p, a, 1) + at(p, b, 1)) / 2;
    const half = Math.hypot(at(p, a, 0) - at(p, b, 0), at(p, a, 1) - at(p, b, 1)) / 2;
    return { cx, cy, half };
  };
  const r = eye('right');
  const l = eye('left');
  if (!(r.half > 1e-6 && l.half > 1e-6)) return undefined;
  const [i0, i1] = IRIS_CENTRES;
  const d2 = (i: number, e: { cx: number; cy: number }) =>
    (at(p, i, 0) - e.cx) ** 2 + (at(p, i, 1) - e.cy) ** 2;
  const rightIris = d2(i0, r) <= d2(i1, r) ? i0 : i1;
  const leftIris = rightIris === i0 ? i1 : i0;
  const off = (i: number, e: { cx: number; cy: number; half: number }): IrisOffset => ({
    x: (at(p, i, 0) - e.cx) / e.half,
    y: (at(p, i, 1) - e.cy) / e.half,
  });
  const g = { right: off(rightIris, r), left: off(leftIris, l) };
  return [g.right.x, g.right.y, g.left.x, g.left.y].every(Number.isFinite) ? g : undefined;
}

/** Gaze direction (degrees, the head pose's signs): head pose plus the mean iris offset times the gaze gain. */
export function gazeAngles(
  pose: PoseDeg,
  gaze: Gaze | undefined,
  cone: ScreenCone,
): { yaw: number; pitch: number } {
  if (!gaze) return { yaw: pose.yaw, pitch: pose.pitch };
  const gx = (gaze.right.x + gaze.left.x) / 2;
  const gy = (gaze.right.y + gaze.left.y) / 2;
  return { yaw: pose.yaw + cone.gazeDegPerUnit * gx, pitch: pose.pitch + cone.gazeDegPerUnit * gy };
}

/**
 * How far outside the screen cone the face looks: max of |yaw| / yawDeg and |pitch − offset| / pitchDeg
 * (≤ 1 on screen, > 1 off screen). The `looking_away` event's score.
 */
export function offScreenRatio(pose: PoseDeg, gaze: Gaze | undefined, cone: ScreenCone): number {
  const g = gazeAngles(pose, gaze, cone);
  return Math.max(Math.abs(g.yaw) / cone.yawDeg, Math.abs(g.pitch - cone.pitchOffsetDeg) / cone.pitchDeg);
}

/** Mouth opening: inner-lip gap (13-14) over mouth width (61-291); about 0 closed, 0.5 and more for a yawn. */
export function mouthOpening(p: ArrayLike<number>): number {
  const gap = Math.hypot(at(p, 13, 0) - at(p, 14, 0), at(p, 13, 1) - at(p, 14, 1));
  const width = Math.hypot(at(p, 61, 0) - at(p, 291, 0), at(p, 61, 1) - at(p, 291, 1));
  return width > 1e-6 ? gap / width : Number.NaN;
}
