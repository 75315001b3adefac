/**
 * Multi-face tracker, pure: each update takes the previous state and this frame's boxes and returns the new
 * state, a track id per box and the tracks that started or ended. Matching maximises total IoU with an
 * optimal assignment; a track survives `graceFrames` frames without a match before it ends.
 */
import type { Box } from '../types.js';
import { hungarian } from './hungarian.js';

export interface TrackerOptions {
  /** Least IoU for a box to continue a track. */
  readonly minIou: number;
  /** Frames a track may go unmatched before it ends. */
  readonly graceFrames: number;
}

export interface Track {
  readonly id: number;
  readonly box: Box;
  /** Consecutive frames without a match. */
  readonly misses: number;
  readonly lastPtsMs: number;
}

export interface TrackerState {
  readonly tracks: readonly Track[];
  readonly nextId: number;
}

export interface TrackerUpdate {
  readonly state: TrackerState;
  /** Track id per input box, in input order. */
  readonly ids: readonly number[];
  readonly started: readonly number[];
  /** Ended tracks with the time they were last seen. */
  readonly ended: readonly { readonly id: number; readonly lastPtsMs: number }[];
}

export const initialTrackerState: TrackerState = { tracks: [], nextId: 1 };

/** Whether the centre of box `a` lies inside box `b` (edges included). */
export function centreInside(a: Box, b: Box): boolean {
  const cx = a.x + a.w / 2;
  const cy = a.y + a.h / 2;
  return cx >= b.x && cx <= b.x + b.w && cy >= b.y && cy <= b.y + b.h;
}

export function iou(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));
  const inter = ix * iy;
  const union = a.w * a.h + b.w * b.h - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * For each box of `a`, the index of the box of `b` it is matched to, or -1: the optimal one-to-one
 * assignment by IoU, where pairs below `minIou` are never matched. Cost 1 - IoU; pairs below `minIou`
 * get a cost so high that the assignment first maximises the number of valid matches, then their IoU;
 * forbidden pairs it still makes are dropped.
 */
export function matchByIou(a: readonly Box[], b: readonly Box[], minIou: number): number[] {
  if (a.length === 0 || b.length === 0) return a.map(() => -1);
  const forbidden = 1e6;
  const cost = a.map((x) =>
    b.map((y) => {
      const o = iou(x, y);
      return o >= minIou ? 1 - o : forbidden;
    }),
  );
  return hungarian(cost).map((j, i) => (j >= 0 && cost[i]![j]! < forbidden ? j : -1));
}

export function updateTracks(
  state: TrackerState,
  boxes: readonly Box[],
  ptsMs: number,
  opts: TrackerOptions,
): TrackerUpdate {
  const tracks = state.tracks;
  const assign = matchByIou(
    tracks.map((t) => t.box),
    boxes,
    opts.minIou,
  );
  const ids = new Array<number>(boxes.length).fill(0);
  const next: Track[] = [];
  const ended: { id: number; lastPtsMs: number }[] = [];
  tracks.forEach((t, i) => {
    const j = assign[i] ?? -1;
    if (j >= 0) {
      ids[j] = t.id;
      next.push({ id: t.id, box: boxes[j]!, misses: 0, lastPtsMs: ptsMs });
    } else if (t.misses + 1 > opts.graceFrames) {
      ended.push({ id: t.id, lastPtsMs: t.lastPtsMs });
    } else {
      next.push({ ...t, misses: t.misses + 1 });
    }
  });
  let nextId = state.nextId;
  const started: number[] = [];
  boxes.forEach((b, j) => {
    if (ids[j]) return;
    const id = nextId++;
    ids[j] = id;
    started.push(id);
    next.push({ id, box: b, misses: 0, lastPtsMs: ptsMs });
  });
  return { state: { tracks: next, nextId }, ids, started, ended };
}

/** Ends every open track (end of stream, or a cut to another shot); ids keep counting up. */
export function endAllTracks(state: TrackerState): TrackerUpdate {
  return {
    state: { tracks: [], nextId: state.nextId },
    ids: [],
    started: [],
    ended: state.tracks.map((t) => ({ id: t.id, lastPtsMs: t.lastPtsMs })),
  };
}
