/**
 * Hysteresis with a minimum duration, as a pure step function. A value must stay at or above `on`
 * for `minDurationMs` before it counts as present (`rise`, dated back to the onset); once present it
 * stays present until it drops below `off` (`fall`). Noise between `off` and `on` changes nothing.
 */

export type Presence =
  | { readonly kind: 'off' }
  /** Above `on` since `sinceMs`, not yet for `minDurationMs`. */
  | { readonly kind: 'pending'; readonly sinceMs: number }
  /** Present since `sinceMs` (the onset, not the moment it was confirmed). */
  | { readonly kind: 'on'; readonly sinceMs: number };

export interface HysteresisConfig {
  readonly on: number;
  readonly off: number;
  readonly minDurationMs: number;
}

export interface PresenceStep {
  readonly next: Presence;
  readonly transition: 'rise' | 'fall' | null;
}

export const OFF: Presence = { kind: 'off' };

export function stepPresence(
  prev: Presence,
  value: number,
  tMs: number,
  cfg: HysteresisConfig,
): PresenceStep {
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
      if (value < cfg.off) return { next: OFF, transition: 'fall' };
      return { next: prev, transition: null };
  }
}
