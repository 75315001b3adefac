/**
 * Geometric AU measures on a pose-normalised mesh (canonical head frame: y up, inter-ocular units).
 * Each measure grows with its AU; `auMeasures` reports them relative to MediaPipe's canonical neutral face
 * (or to a caller-supplied neutral), so 0 means "as the neutral face". Landmark ids are MediaPipe's 468.
 */
import { AU_KEYS, type AuKey } from '../../types.js';
import { CANONICAL_IOD } from './normalize.js';

export type AuMeasures = Readonly<Record<AuKey, number>>;

/** Landmarks per side: [subject right, subject left]. */
const L = {
  eyeOuter: [33, 263],
  eyeInner: [133, 362],
  lidUpper: [159, 386],
  lidLower: [145, 374],
  iris: [468, 473],
  browInner: [
    [107, 55],
    [336, 285],
  ],
  browMid: [
    [105, 52],
    [334, 282],
  ],
  browOuter: [
    [70, 46],
    [300, 276],
  ],
  cheek: [118, 347],
  noseWing: [129, 358],
  mouthCorner: [61, 291],
} as const;
/** Inner-lip pairs (upper, lower) across the mouth; their mean vertical gap is the lip gap. */
const INNER_LIPS = [
  [13, 14],
  [82, 87],
  [312, 317],
  [81, 178],
  [311, 402],
  [80, 88],
  [310, 318],
] as const;
const NOSE_TIP = 1;
const SUBNASALE = 2;
const UPPER_LIP_TOP = 0;
const UPPER_LIP_INNER = 13;
const LOWER_LIP_INNER = 14;
const CHIN = 152;

/** Raw (absolute) measures of one normalised mesh; see docs/au-evidence.md for each definition. */
export function rawMeasures(p: ArrayLike<number>, count: number): Record<AuKey, number> {
  const x = (i: number): number => p[i * 3] as number;
  const y = (i: number): number => p[i * 3 + 1] as number;
  const d3 = (i: number, j: number): number =>
    Math.hypot(x(i) - x(j), y(i) - y(j), (p[i * 3 + 2] as number) - (p[j * 3 + 2] as number));
  const ym = (ids: readonly number[]): number => ids.reduce((s, i) => s + y(i), 0) / ids.length;
  const both = (f: (side: 0 | 1) => number): number => (f(0) + f(1)) / 2;
  const eyeY = (s: 0 | 1): number => (y(L.eyeOuter[s]) + y(L.eyeInner[s])) / 2;
  const irisY = (s: 0 | 1): number => (count >= 478 ? y(L.iris[s]) : eyeY(s));

  const innerBrow = both((s) => ym(L.browInner[s]) - eyeY(s));
  const midBrow = both((s) => ym(L.browMid[s]) - eyeY(s));
  const outerBrow = both((s) => ym(L.browOuter[s]) - eyeY(s));
  const innerBrowGap = Math.abs(x(L.browInner[0][1]) - x(L.browInner[1][1]));
  const upperLid = both((s) => y(L.lidUpper[s]) - irisY(s));
  const lowerLid = both((s) => y(L.lidLower[s]) - eyeY(s));
  const opening = both((s) => y(L.lidUpper[s]) - y(L.lidLower[s]));
  const cheek = both((s) => y(L.cheek[s]) - eyeY(s));
  const wingToEye = both((s) => d3(L.noseWing[s], L.eyeInner[s]));
  const philtrum = y(SUBNASALE) - y(UPPER_LIP_TOP);
  const cornerY = both((s) => y(L.mouthCorner[s]));
  const width = d3(L.mouthCorner[0], L.mouthCorner[1]);
  const lipGap = INNER_LIPS.reduce((g, [u, l]) => g + y(u) - y(l), 0) / INNER_LIPS.length;
  // Corner elevation against the mean of the upper lip's top (0) and the inner-lip mid-line. The mid-line
  // drops with every opening of the jaw (an open or stretched mouth then reads as a smile); the upper lip rides
  // on the maxilla and does not, but its height is more anatomy and needs finer points than a small face gives.
  // Half of each (docs/au-evidence.md, "AU12 and AU17 measures").
  const lipMid = (y(UPPER_LIP_INNER) + y(LOWER_LIP_INNER)) / 2;
  const lipRef = (y(UPPER_LIP_TOP) + lipMid) / 2;
  const cornerRise = cornerY - lipRef;
  // The lower lip's centre against the corners: the chin raiser pushes it up into an inverted U.
  const lowerLipRise = y(LOWER_LIP_INNER) - cornerY;
  const noseChin = d3(NOSE_TIP, CHIN);
  return {
    AU1: innerBrow,
    AU2: outerBrow,
    AU4: -(innerBrow + midBrow) / 2 - 0.5 * innerBrowGap,
    AU5: upperLid,
    AU6: lowerLid + cheek - 0.5 * opening,
    AU9: -wingToEye - 0.5 * philtrum,
    AU12: cornerRise + 0.5 * width,
    // The corners below the lip mid-line: the frown's downward curve (the old AU12 measure, turned over).
    AU15: lipMid - cornerY,
    AU17: lowerLipRise,
    AU20: width,
    AU25: lipGap + 0.25 * noseChin,
    AU26: noseChin + lipGap,
  };
}

const NEUTRAL = rawMeasures(CANONICAL_IOD, 468);
/** Raw measures of the canonical neutral face (the default reference). */
export const CANONICAL_MEASURES: AuMeasures = NEUTRAL;

/**
 * Measures relative to a neutral reference (default: the canonical face). AU20 (lip stretch) is widening
 * that comes without lip-corner elevation: a smile widens the mouth too, so twice the rise of the corners
 * (the AU12 measure less its width term) is taken off.
 */
export function auMeasures(p: ArrayLike<number>, count: number, neutral: AuMeasures = NEUTRAL): AuMeasures {
  const raw = rawMeasures(p, count);
  const out = {} as Record<AuKey, number>;
  for (const k of AU_KEYS) out[k] = raw[k] - neutral[k];
  const cornerRise = out.AU12 - 0.5 * out.AU20;
  out.AU20 = out.AU20 - 2 * Math.max(0, cornerRise);
  return out;
}
