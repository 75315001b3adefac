/**
 * The lip gap read from 68 landmarks (the 300-W / iBUG scheme face-api's landmark net uses): the mean
 * vertical distance between the three inner upper-lip points (61, 62, 63) and the inner lower-lip points
 * facing them (67, 66, 65), measured across the eye line and in inter-ocular units (eye centres: the means
 * of 36–41 and 42–47), so in-plane rotation and scale drop out. Closed lips read about 0; parted lips more.
 */
const INNER_PAIRS = [
  [61, 67],
  [62, 66],
  [63, 65],
] as const;

/** `p`: 68 points, x and y interleaved, in any pixel frame. Returns NaN when the eyes coincide. */
export function lipGap68(p: ArrayLike<number>): number {
  const mean = (from: number, to: number, k: 0 | 1): number => {
    let s = 0;
    for (let i = from; i <= to; i++) s += p[2 * i + k] as number;
    return s / (to - from + 1);
  };
  const lx = mean(36, 41, 0);
  const ly = mean(36, 41, 1);
  const dx = mean(42, 47, 0) - lx;
  const dy = mean(42, 47, 1) - ly;
  const iod = Math.hypot(dx, dy);
  if (!(iod > 0)) return Number.NaN;
  // Distance along the downward normal of the eye line, in IOD units.
  const down = (i: number): number =>
    (-dy * (p[2 * i] as number) + dx * (p[2 * i + 1] as number)) / (iod * iod);
  let gap = 0;
  for (const [u, l] of INNER_PAIRS) gap += down(l) - down(u);
  return gap / INNER_PAIRS.length;
}
