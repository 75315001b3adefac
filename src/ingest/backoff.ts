/** Reconnect timing (the `ingest.reconnect` config section has exactly these fields and more). */
export interface BackoffPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly factor: number;
  /** Fraction in [0, 1]: each delay is scaled by a uniform factor in [1 - jitter, 1 + jitter]. */
  readonly jitter: number;
}

/**
 * Delay before reconnect attempt `attempt` (1 = first retry): `initialMs * factor^(attempt-1)`, capped at
 * `maxMs`, then jittered so that many cameras dropped by one network blip do not reconnect in lockstep.
 * The result never exceeds `maxMs` and is never negative. `random` returns a number in [0, 1).
 */
export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const n = Math.max(1, Math.floor(attempt));
  const base = Math.min(policy.maxMs, policy.initialMs * policy.factor ** (n - 1));
  const scale = 1 + policy.jitter * (2 * random() - 1);
  return Math.round(Math.min(policy.maxMs, Math.max(0, base * scale)));
}
