/**
 * Attention events without RxJS: frames (with their samples' attention readings) in, `AttentionEvent`s out, on
 * the emotion events' lifecycle (`decide`/`close`: hysteresis, minimum durations, one start, rate-limited
 * updates, one end, one id). Per track: looking_away, eyes_closed, drowsy, yawn; per stream: absent,
 * multiple_faces. Stream time (`ptsMs`) is the clock; `flush` ends everything still open.
 */
import type { AttentionConfig } from '../config/index.js';
import {
  close,
  decide,
  type EventAction,
  IDLE,
  type LifecycleConfig,
  type LifecycleState,
  type Observation,
} from '../emotion/browser.js';
import {
  type AttentionEvent,
  type AttentionKind,
  type AttentionReading,
  type FrameAus,
  SCHEMA_VERSION,
} from '../types.js';

export const TRACK_KINDS = ['looking_away', 'eyes_closed', 'drowsy', 'yawn'] as const;
export const STREAM_KINDS = ['absent', 'multiple_faces'] as const;

/** Each per-track kind's score from a reading; undefined when the reading cannot say. */
export function trackScore(kind: (typeof TRACK_KINDS)[number], a: AttentionReading): number | undefined {
  switch (kind) {
    case 'looking_away':
      return a.offScreen;
    case 'eyes_closed':
      return a.eyes ? (a.eyes.closed ? 1 : 0) : undefined;
    case 'drowsy':
      return a.eyes?.perclos;
    case 'yawn':
      return a.mouth ? (a.mouth.yawning ? 1 : 0) : undefined;
  }
}

interface Slot {
  state: LifecycleState;
  last: Observation | null;
}

interface Owner {
  readonly slots: Map<AttentionKind, Slot>;
  lastSeenMs: number;
}

const obs = (tMs: number, score: number): Observation => ({ tMs, score, aus: {}, missing: [] });

export class AttentionEventEngine {
  /** Key `${streamId}/${trackId}` per track, `${streamId}/-` for the stream-wide kinds. */
  private readonly owners = new Map<string, Owner>();
  private readonly lastStart = new Map<string, { ms: number; n: number }>();
  private readonly lc: Record<AttentionKind, LifecycleConfig>;

  constructor(private readonly cfg: AttentionConfig) {
    this.lc = Object.fromEntries(
      Object.entries(cfg.events).map(([k, e]) => [
        k,
        { ...e, updateIntervalMs: cfg.updateIntervalMs, updateMinDelta: 0.05 },
      ]),
    ) as unknown as Record<AttentionKind, LifecycleConfig>;
  }

  onFrame(f: FrameAus): AttentionEvent[] {
    const out: AttentionEvent[] = [];
    const n = f.faces.length;
    this.step(out, f.streamId, null, 'absent', f.ptsMs, n === 0 ? 1 : 0);
    this.step(out, f.streamId, null, 'multiple_faces', f.ptsMs, n > 1 ? 1 : 0);
    for (const s of f.samples) {
      const a = s.attention;
      if (!a) continue;
      for (const kind of TRACK_KINDS) {
        const score = trackScore(kind, a);
        if (score !== undefined && Number.isFinite(score))
          this.step(out, s.streamId, s.trackId, kind, s.ptsMs, score);
      }
    }
    for (const t of f.tracks) if (t.phase === 'end') this.closeOwner(out, t.streamId, t.trackId, true);
    return out;
  }

  /** Ends open events of every owner (the source went quiet); state stays for when frames resume. */
  closeOpen(): AttentionEvent[] {
    const out: AttentionEvent[] = [];
    for (const key of this.owners.keys()) this.closeKey(out, key, false);
    return out;
  }

  /** Ends everything still open (stream end). */
  flush(): AttentionEvent[] {
    const out: AttentionEvent[] = [];
    for (const key of [...this.owners.keys()]) this.closeKey(out, key, true);
    return out;
  }

  private step(
    out: AttentionEvent[],
    streamId: string,
    trackId: number | null,
    kind: AttentionKind,
    tMs: number,
    score: number,
  ): void {
    const cfg = this.cfg.events[kind];
    if (!cfg.enabled) return;
    const key = `${streamId}/${trackId ?? '-'}`;
    let owner = this.owners.get(key);
    if (!owner) {
      owner = { slots: new Map(), lastSeenMs: tMs };
      this.owners.set(key, owner);
    }
    owner.lastSeenMs = Math.max(owner.lastSeenMs, tMs);
    const slot = owner.slots.get(kind) ?? { state: IDLE, last: null };
    const o = obs(tMs, score);
    const d = decide(slot.state, o, this.lc[kind], (startMs) => this.mint(streamId, trackId, kind, startMs));
    slot.state = d.next;
    slot.last = o;
    owner.slots.set(kind, slot);
    // While the score is below `off` but not yet for minOffMs the event is ending: no update saying so.
    for (const a of d.actions)
      if (a.phase !== 'update' || d.next.presence.kind !== 'ending')
        out.push(this.message(a, streamId, trackId, kind));
  }

  private closeOwner(out: AttentionEvent[], streamId: string, trackId: number, forget: boolean): void {
    this.closeKey(out, `${streamId}/${trackId}`, forget);
  }

  private closeKey(out: AttentionEvent[], key: string, forget: boolean): void {
    const owner = this.owners.get(key);
    if (!owner) return;
    const cut = key.lastIndexOf('/');
    const streamId = key.slice(0, cut);
    const tid = key.slice(cut + 1);
    const trackId = tid === '-' ? null : Number(tid);
    for (const [kind, slot] of owner.slots) {
      const d = close(slot.state, owner.lastSeenMs, slot.last);
      slot.state = d.next;
      for (const a of d.actions) out.push(this.message(a, streamId, trackId, kind));
    }
    if (forget) this.owners.delete(key);
  }

  /** `${streamId}:${trackId|-}:${kind}:${round(startMs)}`, suffixed `.n` if a restart repeats one. */
  private mint(streamId: string, trackId: number | null, kind: AttentionKind, startMs: number): string {
    const base = `${streamId}:${trackId ?? '-'}:${kind}`;
    const ms = Math.round(startMs);
    const prev = this.lastStart.get(base);
    const n = prev && ms <= prev.ms ? prev.n + 1 : 0;
    this.lastStart.set(base, { ms: Math.max(ms, prev?.ms ?? ms), n });
    return `${base}:${ms}${n ? `.${n}` : ''}`;
  }

  private message(
    a: EventAction,
    streamId: string,
    trackId: number | null,
    kind: AttentionKind,
  ): AttentionEvent {
    const base = {
      v: SCHEMA_VERSION,
      type: 'attention' as const,
      id: a.id,
      phase: a.phase,
      streamId,
      trackId,
      kind,
      value: Math.max(0, a.confidence),
      peak: Math.max(0, a.peak),
      startMs: a.startMs,
    };
    return a.endMs === undefined ? base : { ...base, endMs: a.endMs };
  }
}
