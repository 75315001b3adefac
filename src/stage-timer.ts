/**
 * Opt-in stage timing: where a frame's time goes (detector and mesh pre/post-processing, their ORT runs, crops,
 * crop nets, AU geometry, downstream operators). Off by default: the hot path asks `stageTimer()` once per call
 * and, with none installed, reads no clock and records nothing. The e2e bench installs a `StageTimes` with
 * `setStageTimer` for a run and prints the breakdown (bench/e2e.ts). Process-wide (per thread): a worker thread
 * has its own, unset, so detector workers are timed by their callers as a whole.
 * Pure: no Node built-ins (`performance` is a global in Node and browsers), so the pure core may use it.
 */

/** Receives one timed span: `stage` took `ms` (wall time) and covered `faces` faces (0: not per face). */
export interface StageTimer {
  add(stage: string, ms: number, faces?: number): void;
}

let active: StageTimer | undefined;

/** Installs `timer` (or removes it with `undefined`) for this thread; returns the one it replaces. */
export function setStageTimer(timer: StageTimer | undefined): StageTimer | undefined {
  const was = active;
  active = timer;
  return was;
}

/** The installed timer, or `undefined` (the common case: nothing to record). */
export function stageTimer(): StageTimer | undefined {
  return active;
}

/** The clock stages time with (ms, sub-millisecond). */
export const clockMs = (): number => performance.now();

/**
 * Times an async step (an ORT run) when a timer is installed; otherwise just runs it. The span is the wall time
 * from the call to its settling, so it includes the wait for the runtime's thread.
 */
export async function timedAsync<T>(stage: string, faces: number, run: () => Promise<T>): Promise<T> {
  const t = active;
  if (!t) return run();
  const t0 = performance.now();
  try {
    return await run();
  } finally {
    t.add(stage, performance.now() - t0, faces);
  }
}

/** One stage's totals. */
export interface StageTotal {
  readonly calls: number;
  readonly ms: number;
  readonly faces: number;
}

/** A `StageTimer` that sums spans per stage. */
export class StageTimes implements StageTimer {
  private readonly totals = new Map<string, { calls: number; ms: number; faces: number }>();

  add(stage: string, ms: number, faces = 0): void {
    const s = this.totals.get(stage);
    if (s) {
      s.calls++;
      s.ms += ms;
      s.faces += faces;
    } else this.totals.set(stage, { calls: 1, ms, faces });
  }

  /** The totals so far, by stage (insertion order). */
  snapshot(): Record<string, StageTotal> {
    const out: Record<string, StageTotal> = {};
    for (const [k, v] of this.totals) out[k] = { ...v };
    return out;
  }

  reset(): void {
    this.totals.clear();
  }
}

/** One row of a breakdown: a stage's mean cost per analysed frame and per face. */
export interface BreakdownRow {
  readonly stage: string;
  readonly where: 'main' | 'off';
  readonly calls: number;
  readonly msPerFrame: number;
  /** NaN when no faces were analysed. */
  readonly msPerFace: number;
}

/** What a breakdown row is made of: a stage's own total, or one total less others (a span that nests others). */
export interface BreakdownSpec {
  readonly stage: string;
  readonly where: 'main' | 'off';
  /** The recorded stage whose total this is (default: `stage`). */
  readonly from?: string;
  /** Recorded stages nested inside `from`, subtracted from it. */
  readonly minus?: readonly string[];
}

/**
 * The rows of `specs` over `totals`, per frame (`frames` analysed) and per face (`faces`); stages never recorded
 * count 0. Pure.
 */
export function breakdown(
  totals: Readonly<Record<string, StageTotal>>,
  specs: readonly BreakdownSpec[],
  frames: number,
  faces: number,
): BreakdownRow[] {
  const ms = (k: string) => totals[k]?.ms ?? 0;
  return specs.map((s) => {
    const src = s.from ?? s.stage;
    const total = Math.max(0, ms(src) - (s.minus ?? []).reduce((a, k) => a + ms(k), 0));
    return {
      stage: s.stage,
      where: s.where,
      calls: totals[src]?.calls ?? 0,
      msPerFrame: frames > 0 ? total / frames : Number.NaN,
      msPerFace: faces > 0 ? total / faces : Number.NaN,
    };
  });
}
