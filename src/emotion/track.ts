/**
 * Per-track analysis: smoothing, rule scoring, one lifecycle per emotion, AU presence, the summary
 * accumulator and the engagement window. Plain class, no I/O; the engine drives it frame by frame.
 */
import {
  AU_KEYS,
  type AuKey,
  type AuSample,
  type AuSummary,
  type EmotionEvent,
  SCHEMA_VERSION,
} from '../types.js';
import { SlidingWindow, type WindowEntry } from './engagement.js';
import { type HysteresisConfig, isPresent, OFF, type Presence, stepPresence } from './hysteresis.js';
import {
  close,
  decide,
  type EventAction,
  IDLE,
  type LifecycleConfig,
  type LifecycleState,
  type Observation,
} from './lifecycle.js';
import { type NamedRule, type Rules, scoreRule } from './rules.js';
import { type Filter1D, VectorSmoother } from './smoothing.js';

export interface TrackConfig {
  /** Exponential time constant (ms), or a factory of per-AU filters (One-Euro). */
  readonly smoothing: number | (() => Filter1D);
  readonly gapGraceMs: number;
  readonly lifecycle: LifecycleConfig;
  /** AU presence (summaries): thresholds and minimum duration. */
  readonly auPresence: HysteresisConfig;
  /** Sustained AU4/AU26 for engagement. */
  readonly sustain: HysteresisConfig;
}

/** Names events; must return a new id for every call. */
export type IdMinter = (trackId: number, emotion: string, startMs: number) => string;

const r4 = (x: number) => Math.round(x * 1e4) / 1e4;

export class TrackAnalyzer {
  private readonly smoother: VectorSmoother<AuKey>;
  private readonly states = new Map<string, LifecycleState>();
  private readonly ruleCfg = new Map<string, LifecycleConfig>();
  private readonly lastObs = new Map<string, Observation>();
  private auPresence = new Map<AuKey, Presence>();
  private confusion: Presence = OFF;
  private boredom: Presence = OFF;
  private smoothed: Partial<Record<AuKey, number>> = {};
  private acc = { fromMs: 0, toMs: 0, n: 0, sum: new Map<AuKey, number>(), max: new Map<AuKey, number>() };
  readonly window = new SlidingWindow<WindowEntry>();
  /** Time of the last sample; null before the first and after a close. */
  lastSeenMs: number | null = null;

  constructor(
    readonly streamId: string,
    readonly trackId: number,
    private readonly rules: Rules,
    private readonly cfg: TrackConfig,
    private readonly mint: IdMinter,
  ) {
    this.smoother = new VectorSmoother<AuKey>(cfg.smoothing);
    for (const r of rules) {
      const on = r.onThreshold ?? cfg.lifecycle.on;
      // a rule that only lowers `on` must not leave `off` above it (that would flap)
      const off = Math.min(r.offThreshold ?? cfg.lifecycle.off, on);
      this.ruleCfg.set(r.name, { ...cfg.lifecycle, on, off });
    }
  }

  get hasOpenEvents(): boolean {
    for (const s of this.states.values()) if (s.open) return true;
    return false;
  }

  /** Feeds one AU sample; returns the emotion events it causes (ends of a broken run first). */
  onSample(s: AuSample): EmotionEvent[] {
    const t = s.ptsMs;
    const out: EmotionEvent[] = [];
    if (this.lastSeenMs !== null) {
      if (t === this.lastSeenMs) return out; // duplicate sample for this instant
      // A long gap or time running backwards (source restart) breaks the run: close and start fresh.
      if (t < this.lastSeenMs || t - this.lastSeenMs > this.cfg.gapGraceMs) out.push(...this.closeAll());
    }
    const prevSeen = this.lastSeenMs;
    this.lastSeenMs = t;
    const sm = this.smoother.update(t, s.au);
    this.smoothed = sm;
    for (const rule of this.rules) out.push(...this.step(rule, t, sm));
    for (const k of AU_KEYS) {
      const p = sm[k];
      if (p === undefined) continue;
      this.auPresence.set(k, stepPresence(this.auPresence.get(k) ?? OFF, p, t, this.cfg.auPresence).next);
    }
    this.confusion = stepPresence(this.confusion, sm.AU4 ?? 0, t, this.cfg.sustain).next;
    // A yawn-like jaw drop: open jaw without a smile (a laugh also drops the jaw).
    const yawn = Math.min(sm.AU26 ?? 0, 1 - (sm.AU12 ?? 0));
    this.boredom = stepPresence(this.boredom, yawn, t, this.cfg.sustain).next;
    const dtMs = prevSeen === null ? 0 : Math.min(t - prevSeen, this.cfg.gapGraceMs);
    const au = new Float64Array(AU_KEYS.length);
    AU_KEYS.forEach((k, i) => {
      au[i] = sm[k] ?? Number.NaN;
    });
    // Attention parts from the sample's reading (the attention stage); the yawn from its mouth reading when it
    // has one, else the AU heuristic above.
    const a = s.attention;
    const interest = ((sm.AU1 ?? Number.NaN) + (sm.AU2 ?? Number.NaN)) / 2;
    this.window.push({
      tMs: t,
      dtMs,
      au,
      confused: isPresent(this.confusion),
      yawning: a?.mouth ? a.mouth.yawning : isPresent(this.boredom),
      ...(a?.onScreen !== undefined ? { onScreen: a.onScreen } : {}),
      ...(a?.eyes ? { eyesOpen: !a.eyes.closed } : {}),
      interest,
    });
    this.accumulate(t, s.au);
    return out;
  }

  private step(rule: NamedRule, t: number, sm: Partial<Record<AuKey, number>>): EmotionEvent[] {
    const sc = scoreRule(rule, sm);
    const obs: Observation = { tMs: t, score: sc.score, aus: sc.aus, missing: sc.missing };
    const cfg = this.ruleCfg.get(rule.name)!;
    const d = decide(this.states.get(rule.name) ?? IDLE, obs, cfg, (startMs) =>
      this.mint(this.trackId, rule.name, startMs),
    );
    this.states.set(rule.name, d.next);
    this.lastObs.set(rule.name, obs);
    return d.actions.map((a) => this.toEvent(rule.name, a));
  }

  /** Ends every open event at the last time the face was seen and resets the run (smoothing, pending onsets). */
  closeAll(): EmotionEvent[] {
    const out: EmotionEvent[] = [];
    const endMs = this.lastSeenMs;
    if (endMs !== null) {
      for (const [name, st] of this.states) {
        const d = close(st, endMs, this.lastObs.get(name) ?? null);
        out.push(...d.actions.map((a) => this.toEvent(name, a)));
      }
    }
    this.states.clear();
    this.lastObs.clear();
    this.auPresence.clear();
    this.confusion = OFF;
    this.boredom = OFF;
    this.smoother.reset();
    this.lastSeenMs = null;
    return out;
  }

  private toEvent(emotion: string, a: EventAction): EmotionEvent {
    const ev = {
      v: SCHEMA_VERSION,
      type: 'emotion' as const,
      id: a.id,
      phase: a.phase,
      streamId: this.streamId,
      trackId: this.trackId,
      emotion,
      confidence: a.confidence,
      startMs: a.startMs,
      peak: a.peak,
      aus: roundAll(a.aus),
      missingAus: a.missing,
    };
    return a.endMs === undefined ? ev : { ...ev, endMs: a.endMs };
  }

  private accumulate(t: number, au: Readonly<Partial<Record<AuKey, number>>>): void {
    const acc = this.acc;
    if (acc.n === 0) acc.fromMs = t;
    acc.toMs = t;
    acc.n++;
    for (const k of AU_KEYS) {
      const p = au[k];
      if (p === undefined || !Number.isFinite(p)) continue;
      acc.sum.set(k, (acc.sum.get(k) ?? 0) + p);
      acc.max.set(k, Math.max(acc.max.get(k) ?? 0, p));
    }
  }

  /** The summary of the samples since the previous call; null when there were none. */
  takeSummary(): AuSummary | null {
    const acc = this.acc;
    if (acc.n === 0) return null;
    const mean: Partial<Record<AuKey, number>> = {};
    const max: Partial<Record<AuKey, number>> = {};
    for (const [k, v] of acc.sum) mean[k] = r4(v / acc.n);
    for (const [k, v] of acc.max) max[k] = r4(v);
    const present = AU_KEYS.filter((k) => isPresent(this.auPresence.get(k) ?? OFF));
    const summary: AuSummary = {
      v: SCHEMA_VERSION,
      type: 'au_summary',
      streamId: this.streamId,
      trackId: this.trackId,
      fromMs: acc.fromMs,
      toMs: acc.toMs,
      samples: acc.n,
      mean,
      max,
      smoothed: roundAll(this.smoothed),
      present,
    };
    this.acc = { fromMs: 0, toMs: 0, n: 0, sum: new Map(), max: new Map() };
    return summary;
  }
}

function roundAll(x: Readonly<Record<string, number | undefined>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(x)) if (v !== undefined) out[k] = r4(v);
  return out;
}
