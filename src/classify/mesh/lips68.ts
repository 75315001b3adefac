/**
 * Mouth measures read from 68 landmarks (the 300-W / iBUG scheme face-api's landmark net uses), in the
 * mesh measures' frame: across and along the eye line (eye centres: the means of 36–41 and 42–47) and in
 * inter-ocular units, so in-plane rotation and scale drop out.
 * - `gap`: mean distance between the three inner upper-lip points (61, 62, 63) and the inner lower-lip
 *   points facing them (67, 66, 65); closed lips read about 0.
 * - `width`: corner-to-corner distance (48, 54) along the eye line.
 * - `rise`: height of the corners above the mean of the upper lip's top (51) and the inner-lip mid-line (mean
 *   of 62 and 66), as the mesh's AU12 term.
 * The corners, the upper-lip top and the eye centres are the same anatomical points the mesh measures use, so
 * `rise + 0.5 * width` is the mesh's raw AU12 measure read by another model.
 */
export interface LipMeasures68 {
  readonly gap: number;
  readonly width: number;
  readonly rise: number;
}

const INNER_PAIRS = [
  [61, 67],
  [62, 66],
  [63, 65],
] as const;
const CORNERS = [48, 54] as const;
const UPPER_LIP_TOP = 51;
const LIP_MID = [62, 66] as const;

/** `p`: 68 points, x and y interleaved, in any pixel frame. All NaN when the eyes coincide. */
export function lipMeasures68(p: ArrayLike<number>): LipMeasures68 {
  const mean = (from: number, to: number, k: 0 | 1): number => {
    let s = 0;
    for (let i = from; i <= to; i++) s += p[2 * i + k] as number;
    return s / (to - from + 1);
  };
  const lx = mean(36, 41, 0);
  const ly = mean(36, 41, 1);
  const dx = mean(42, 47, 0) - lx;
  const dy = mean(42, 47, 1) - ly;
  const iod2 = dx * dx + dy * dy;
  if (!(iod2 > 0)) return { gap: Number.NaN, width: Number.NaN, rise: Number.NaN };
  // Coordinates along the eye line and along its downward normal, in IOD units.
  const along = (i: number): number => (dx * (p[2 * i] as number) + dy * (p[2 * i + 1] as number)) / iod2;
  const down = (i: number): number => (-dy * (p[2 * i] as number) + dx * (p[2 * i + 1] as number)) / iod2;
  let gap = 0;
  for (const [u, l] of INNER_PAIRS) gap += down(l) - down(u);
  return {
    gap: gap / INNER_PAIRS.length,
    width: along(CORNERS[1]) - along(CORNERS[0]),
    rise:
      (down(UPPER_LIP_TOP) + (down(LIP_MID[0]) + down(LIP_MID[1])) / 2) / 2 -
      (down(CORNERS[0]) + down(CORNERS[1])) / 2,
  };
}
