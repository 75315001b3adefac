/**
 * Hysteresis with minimum durations, as a pure step function. A value must stay at or above `on`
 * for `minDurationMs` before it counts as present (`rise`, dated back to the onset); once present it
 * stays present until it has stayed below `off` for `minOffMs` (`fall`, dated back to when it first
 * dropped). Noise between `off` and `on`, and dips shorter than `minOffMs`, change nothing.
 */

export type Presence =
  | { readonly kind: 'off' }
  /** Above `on` since `sinceMs`, not yet for `minDurationMs`. */
  | { readonly kind: 'pending'; readonly sinceMs: number }
  /** Present since `sinceMs` (the onset, not the moment it was confirmed). */
  | { readonly kind: 'on'; readonly sinceMs: number }
  /** Present, but below `off` since `belowMs`, not yet for `minOffMs`. */
  | { readonly kind: 'ending'; readonly sinceMs: number; readonly belowMs: number };

export interface HysteresisConfig {
  readonly on: number;
  readonly off: number;
  readonly minDurationMs: number;
  /** Time below `off` before a present value counts as gone (0: at once). */
  readonly minOffMs?: number;
}

export interface PresenceStep {
  readonly next: Presence;
  readonly transition: 'rise' | 'fall' | null;
  /** For `fall`: when the value first dropped below `off`. */
  readonly atMs?: number;
}

export const OFF: Presence = { kind: 'off' };

/** True while a value counts as present (`on` or `ending`). */
export const isPresent = (p: Presence): boolean => p.kind === 'on' || p.kind === 'ending';

export function stepPresence(
  prev: Presence,
  value: number,
  tMs: number,
  cfg: HysteresisConfig,
): PresenceStep {
  const minOff = cfg.minOffMs ?? 0;
  switch (prev.kind) {
    case 'off':
      if (value < cfg.on) return { next: prev, transition: null };
      if (cfg.minDurationMs <= 0) return { next: { kind: 'on', sinceMs: tMs }, transition: 'rise' };
      return { next: { kind: 'pending', sinceMs: tMs }, transition: null };
    case 'pending':
      // Dipping below `on` before the minimum duration cancels: short blips never count.
      if (value < cfg.on) return { next: OFF, transition: null };
      if (tMs - prev.sinceMs >= cfg.minDurationMs) {
        return { next: { kind: 'on', sinceMs: prev.sinceMs }, transition: 'rise' };
      }
      return { next: prev, transition: null };
    case 'on':
      if (value >= cfg.off) return { next: prev, transition: null };
      if (minOff <= 0) return { next: OFF, transition: 'fall', atMs: tMs };
      return { next: { kind: 'ending', sinceMs: prev.sinceMs, belowMs: tMs }, transition: null };
    case 'ending':
      if (value >= cfg.off) return { next: { kind: 'on', sinceMs: prev.sinceMs }, transition: null };
      if (tMs - prev.belowMs >= minOff) return { next: OFF, transition: 'fall', atMs: prev.belowMs };
      return { next: prev, transition: null };
  }
}
