/**
 * Event lifecycle of one emotion on one track, as a pure state machine in the style of Frigate's
 * should_update(prev, cur): `decide(prev, observation, cfg)` returns the next state and the actions
 * to publish. Guarantees: one `start` per event, then rate-limited `update`s, then exactly one `end`,
 * all with the same id; `close` ends an open event (track end, gap, stream end, shutdown).
 */
import { type HysteresisConfig, OFF, type Presence, stepPresence } from './hysteresis.js';

export interface LifecycleConfig extends HysteresisConfig {
  /** Least time between two updates of one event. */
  readonly updateIntervalMs: number;
  /** Confidence change needed for an update (a new peak also qualifies). */
  readonly updateMinDelta: number;
}

export interface OpenEvent {
  readonly id: string;
  readonly startMs: number;
  readonly peak: number;
  readonly lastEmitMs: number;
  readonly lastConfidence: number;
  readonly lastPeak: number;
}

export interface LifecycleState {
  readonly presence: Presence;
  /** Highest score since the onset while pending or open. */
  readonly peak: number;
  readonly open: OpenEvent | null;
}

export const IDLE: LifecycleState = { presence: OFF, peak: 0, open: null };

export interface Observation {
  readonly tMs: number;
  readonly score: number;
  readonly aus: Readonly<Record<string, number>>;
  readonly missing: readonly string[];
}

export interface EventAction {
  readonly phase: 'start' | 'update' | 'end';
  readonly id: string;
  readonly startMs: number;
  readonly endMs?: number;
  readonly confidence: number;
  readonly peak: number;
  readonly aus: Readonly<Record<string, number>>;
  readonly missing: readonly string[];
}

export interface Decision {
  readonly next: LifecycleState;
  readonly actions: readonly EventAction[];
}

/** Rounds to 4 decimals so published numbers stay short and stable. */
const r4 = (x: number) => Math.round(x * 1e4) / 1e4;

function action(phase: EventAction['phase'], ev: OpenEvent, obs: Observation, endMs?: number): EventAction {
  const base = { phase, id: ev.id, startMs: ev.startMs, confidence: r4(obs.score), peak: r4(ev.peak) };
  const rest = { aus: obs.aus, missing: obs.missing };
  return endMs === undefined ? { ...base, ...rest } : { ...base, endMs, ...rest };
}

/**
 * One observation. `newId(startMs)` names a new event; it must be pure and unique per call site
 * (the engine uses stream, track, emotion and onset time).
 */
export function decide(
  prev: LifecycleState,
  obs: Observation,
  cfg: LifecycleConfig,
  newId: (startMs: number) => string,
): Decision {
  const { next: presence, transition, atMs } = stepPresence(prev.presence, obs.score, obs.tMs, cfg);
  const peak =
    presence.kind === 'off' ? 0 : Math.max(prev.presence.kind === 'off' ? 0 : prev.peak, obs.score);
  if (transition === 'rise' && presence.kind === 'on') {
    const open: OpenEvent = {
      id: newId(presence.sinceMs),
      startMs: presence.sinceMs,
      peak,
      lastEmitMs: obs.tMs,
      lastConfidence: obs.score,
      lastPeak: peak,
    };
    return { next: { presence, peak, open }, actions: [action('start', open, obs)] };
  }
  const ev = prev.open;
  if (!ev) return { next: { presence, peak, open: null }, actions: [] };
  if (transition === 'fall') {
    return { next: IDLE, actions: [action('end', ev, obs, atMs ?? obs.tMs)] };
  }
  const open = { ...ev, peak: Math.max(ev.peak, obs.score) };
  const due = obs.tMs - ev.lastEmitMs >= cfg.updateIntervalMs;
  const changed = open.peak > ev.lastPeak || Math.abs(obs.score - ev.lastConfidence) >= cfg.updateMinDelta;
  if (due && changed) {
    const sent = { ...open, lastEmitMs: obs.tMs, lastConfidence: obs.score, lastPeak: open.peak };
    return { next: { presence, peak, open: sent }, actions: [action('update', sent, obs)] };
  }
  return { next: { presence, peak, open }, actions: [] };
}

/**
 * Ends the open event, if any, at `endMs` (last time the face was seen) with the last observation's
 * values, and forgets any pending onset. Used on track end, long gaps, stream end and shutdown.
 */
export function close(prev: LifecycleState, endMs: number, last: Observation | null): Decision {
  const ev = prev.open;
  if (!ev) return { next: IDLE, actions: [] };
  const obs = last ?? { tMs: endMs, score: ev.lastConfidence, aus: {}, missing: [] };
  // Already below `off` when the track went away: the emotion ended when it first dropped.
  const at = prev.presence.kind === 'ending' ? Math.min(endMs, prev.presence.belowMs) : endMs;
  return { next: IDLE, actions: [action('end', ev, obs, Math.max(at, ev.startMs))] };
}
