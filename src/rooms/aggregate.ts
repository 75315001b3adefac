/**
 * Room aggregates (issue #19): students of every stream in a room, on the room's clock (ms since epoch, injected;
 * the streams' own `ptsMs` clocks do not line up). Per student (stream + track) the latest state; per tick a
 * snapshot (present, attentive, confused, engagement) whose shares are averaged over a sliding window, and
 * moments (start/end) when at least `momentShare` of the present students are confused or off screen at once,
 * on the emotion events' lifecycle. Pure: no I/O, time comes in as arguments.
 */
import {
  decide,
  type EventAction,
  IDLE,
  type LifecycleConfig,
  type LifecycleState,
} from '../emotion/index.js';
import {
  type Message,
  type RoomAggregate,
  type RoomMoment,
  type RoomMomentKind,
  SCHEMA_VERSION,
} from '../types.js';

export interface RoomOptions {
  /** Sliding window of the shares, ms of room time. */
  readonly windowMs: number;
  /** A student unseen for this long is not present. */
  readonly presentMs: number;
  /** Smoothed AU4 at or above this is confused (brow lowered). */
  readonly confusedAu4: number;
  /** Time constant of the AU4 smoothing, ms. */
  readonly smoothingMs: number;
  /** Share of present students that makes a moment … */
  readonly momentShare: number;
  /** … and the share below which it ends. */
  readonly momentEndShare: number;
  /** Time the share must hold before a moment starts, and stay below the end share before it ends. */
  readonly momentMinMs: number;
  readonly momentMinOffMs: number;
  /** Least students present for a moment (one student is not a class). */
  readonly momentMinStudents: number;
}

export interface StudentState {
  readonly streamId: string;
  readonly trackId: number;
  lastSeenMs: number;
  onScreen?: boolean;
  eyesClosed?: boolean;
  au4: number;
  engagement?: number;
  emotion?: string;
}

/** A snapshot of the room at one tick. */
export interface RoomSnapshot {
  readonly atMs: number;
  readonly present: number;
  readonly attentive: number;
  readonly confused: number;
  readonly offScreen: number;
}

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));
const r4 = (x: number) => Math.round(x * 1e4) / 1e4;

/** Share of `n` out of `of` (0 when nobody is there). */
export const share = (n: number, of: number): number => (of > 0 ? n / of : 0);

/** Mean and population standard deviation (0, 0 for none). */
export function meanSpread(xs: readonly number[]): { mean: number; spread: number } {
  if (xs.length === 0) return { mean: 0, spread: 0 };
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  const v = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
  return { mean, spread: Math.sqrt(v) };
}

export class RoomAggregator {
  private readonly students = new Map<string, StudentState>();
  private readonly snapshots: RoomSnapshot[] = [];
  private readonly moments = new Map<RoomMomentKind, LifecycleState>();
  private readonly lc: LifecycleConfig;
  private readonly lastStart = new Map<string, number>();

  constructor(
    readonly roomId: string,
    private readonly o: RoomOptions,
  ) {
    this.lc = {
      on: o.momentShare,
      off: o.momentEndShare,
      minDurationMs: o.momentMinMs,
      minOffMs: o.momentMinOffMs,
      updateIntervalMs: 5_000,
      updateMinDelta: 0.1,
    };
  }

  /** One stream message at room time `nowMs`: students' states follow their AU samples, engagement and emotions. */
  observe(msg: Message, nowMs: number): void {
    if (!('streamId' in msg) || !('trackId' in msg) || msg.trackId === null) return;
    if (msg.type === 'track' && msg.phase === 'end') {
      this.students.delete(`${msg.streamId}/${msg.trackId}`);
      return;
    }
    const key = `${msg.streamId}/${msg.trackId}`;
    let s = this.students.get(key);
    if (!s) {
      if (msg.type !== 'au') return; // a student begins with a face
      s = { streamId: msg.streamId, trackId: msg.trackId, lastSeenMs: nowMs, au4: msg.au.AU4 };
      this.students.set(key, s);
    }
    if (msg.type === 'au') {
      const dt = Math.max(0, nowMs - s.lastSeenMs);
      const a = this.o.smoothingMs > 0 ? 1 - Math.exp(-dt / this.o.smoothingMs) : 1;
      if (Number.isFinite(msg.au.AU4)) s.au4 += a * (msg.au.AU4 - s.au4);
      s.lastSeenMs = nowMs;
      const att = msg.attention;
      if (att?.onScreen !== undefined) s.onScreen = att.onScreen;
      if (att?.eyes) s.eyesClosed = att.eyes.closed;
    } else if (msg.type === 'engagement') {
      s.engagement = msg.score;
    } else if (msg.type === 'emotion') {
      if (msg.phase === 'end') {
        if (s.emotion === msg.emotion) delete s.emotion;
      } else s.emotion = msg.emotion;
    }
  }

  /** Forgets a stream's students (it left the room). */
  dropStream(streamId: string): void {
    for (const [k, s] of this.students) if (s.streamId === streamId) this.students.delete(k);
  }

  /** Students present at `nowMs`, in stream then track order. */
  present(nowMs: number): StudentState[] {
    return [...this.students.values()]
      .filter((s) => nowMs - s.lastSeenMs <= this.o.presentMs)
      .sort((a, b) => (a.streamId === b.streamId ? a.trackId - b.trackId : a.streamId < b.streamId ? -1 : 1));
  }

  isConfused(s: StudentState): boolean {
    return s.au4 >= this.o.confusedAu4;
  }

  /** The room at `nowMs`: its aggregate message, then any moment starts/updates/ends. */
  tick(nowMs: number): Message[] {
    const present = this.present(nowMs);
    const n = present.length;
    const offScreen = present.filter((s) => s.onScreen === false).length;
    const attentive = present.filter((s) => s.onScreen !== false && s.eyesClosed !== true).length;
    const confused = present.filter((s) => this.isConfused(s)).length;
    const snap: RoomSnapshot = {
      atMs: nowMs,
      present: n,
      attentive: share(attentive, n),
      confused: share(confused, n),
      offScreen: share(offScreen, n),
    };
    this.snapshots.push(snap);
    while (this.snapshots.length && (this.snapshots[0] as RoomSnapshot).atMs <= nowMs - this.o.windowMs)
      this.snapshots.shift();
    // window shares: mean over the ticks that had anyone present
    const withSome = this.snapshots.filter((x) => x.present > 0);
    const avg = (k: 'attentive' | 'confused' | 'offScreen') =>
      withSome.length ? withSome.reduce((s, x) => s + x[k], 0) / withSome.length : 0;
    const eng = meanSpread(present.flatMap((s) => (s.engagement !== undefined ? [s.engagement] : [])));
    const out: Message[] = [];
    const agg: RoomAggregate = {
      v: SCHEMA_VERSION,
      type: 'room',
      roomId: this.roomId,
      atMs: nowMs,
      windowMs: this.o.windowMs,
      present: n,
      attentive: r4(clamp01(avg('attentive'))),
      confused: r4(clamp01(avg('confused'))),
      offScreen: r4(clamp01(avg('offScreen'))),
      now: { attentive: r4(snap.attentive), confused: r4(snap.confused), offScreen: r4(snap.offScreen) },
      engagementMean: r4(eng.mean),
      engagementSpread: r4(eng.spread),
      students: present.map((s) => ({
        streamId: s.streamId,
        trackId: s.trackId,
        attentive: s.onScreen !== false && s.eyesClosed !== true,
        confused: this.isConfused(s),
        ...(s.onScreen !== undefined ? { onScreen: s.onScreen } : {}),
        ...(s.engagement !== undefined ? { engagement: s.engagement } : {}),
        ...(s.emotion !== undefined ? { emotion: s.emotion } : {}),
      })),
    };
    out.push(agg);
    const enough = n >= this.o.momentMinStudents;
    this.moment(out, 'confused', enough ? snap.confused : 0, nowMs);
    this.moment(out, 'off_screen', enough ? snap.offScreen : 0, nowMs);
    return out;
  }

  private moment(out: Message[], kind: RoomMomentKind, value: number, nowMs: number): void {
    const prev = this.moments.get(kind) ?? IDLE;
    const d = decide(prev, { tMs: nowMs, score: value, aus: {}, missing: [] }, this.lc, (startMs) => {
      const base = `${this.roomId}:${kind}:${Math.round(startMs)}`;
      const n = (this.lastStart.get(base) ?? -1) + 1;
      this.lastStart.set(base, n);
      return n ? `${base}.${n}` : base;
    });
    this.moments.set(kind, d.next);
    for (const a of d.actions)
      if (a.phase !== 'update' || d.next.presence.kind !== 'ending') out.push(this.momentMsg(a, kind));
  }

  private momentMsg(a: EventAction, kind: RoomMomentKind): RoomMoment {
    const base = {
      v: SCHEMA_VERSION,
      type: 'room_moment' as const,
      id: a.id,
      phase: a.phase,
      roomId: this.roomId,
      kind,
      share: clamp01(a.confidence),
      peak: clamp01(a.peak),
      startMs: a.startMs,
    };
    return a.endMs === undefined ? base : { ...base, endMs: a.endMs };
  }
}
