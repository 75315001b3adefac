import { type BackoffPolicy, backoffDelay } from '../ingest/index.js';
import type { SinkLog } from './nats.js';
import type { EmbeddedNats } from './nats-server.js';

/** Timers the supervisor uses; tests pass virtual ones. */
export interface SupervisorTimers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: SupervisorTimers = {
  now: Date.now,
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface SupervisorOptions {
  /** Restart delays; attempts count up while restarts keep failing or the server keeps dying young. */
  readonly backoff?: BackoffPolicy;
  /** A server that stayed up this long resets the attempt count (its next death restarts fast). */
  readonly stableMs?: number;
  readonly timers?: SupervisorTimers;
  readonly random?: () => number;
  readonly log?: SinkLog;
}

export const DEFAULT_RESTART: BackoffPolicy = { initialMs: 250, maxMs: 10_000, factor: 2, jitter: 0.2 };

export interface BrokerState {
  readonly up: boolean;
  readonly url: string;
  readonly pid: number;
  /** Restarts done since start. */
  readonly restarts: number;
  /** Consecutive failed attempts (deaths or failed starts) since the server last stayed up. */
  readonly attempt: number;
  /** Why the last server ended, e.g. "killed by SIGKILL". */
  readonly lastExit?: string;
  readonly downSinceMs?: number;
}

/**
 * Which restart this is: the server that just died counts as a failure when it lived under `stableMs`,
 * so a crash loop backs off while one death after a long healthy life restarts at once. Pure.
 */
export function nextAttempt(attempt: number, upForMs: number, stableMs: number): number {
  return upForMs >= stableMs ? 1 : attempt + 1;
}

/**
 * Keeps the embedded nats-server alive: when it dies (crash, OOM kill, SIGKILL) it is started again on the
 * same port and store after a backoff delay, so the publisher's reconnect finds it and the JetStream
 * stream and its events survive. `state()` feeds /healthz.
 */
export class NatsSupervisor {
  private current: EmbeddedNats;
  private up = true;
  private stopping = false;
  private restarts = 0;
  private attempt = 0;
  private startedAt: number;
  private lastExit: string | undefined;
  private downSince: number | undefined;
  private timer: unknown;
  private readonly timers: SupervisorTimers;

  constructor(
    first: EmbeddedNats,
    private readonly start: (port: number) => Promise<EmbeddedNats>,
    private readonly o: SupervisorOptions = {},
  ) {
    this.timers = o.timers ?? realTimers;
    this.current = first;
    this.startedAt = this.timers.now();
    this.watch(first);
  }

  state(): BrokerState {
    return {
      up: this.up,
      url: this.current.url,
      pid: this.current.pid,
      restarts: this.restarts,
      attempt: this.attempt,
      ...(this.lastExit && { lastExit: this.lastExit }),
      ...(this.downSince !== undefined && { downSinceMs: this.downSince }),
    };
  }

  /** Stops supervising and the server (SIGTERM, then SIGKILL). */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    await this.current.stop();
  }

  private watch(server: EmbeddedNats): void {
    void server.exited.then((why) => {
      if (this.stopping || server !== this.current) return;
      this.up = false;
      this.lastExit = why;
      const now = this.timers.now();
      this.downSince = now;
      this.attempt = nextAttempt(this.attempt, now - this.startedAt, this.o.stableMs ?? 30_000);
      this.o.log?.('error', 'embedded nats-server died; restarting', { why, attempt: this.attempt });
      this.schedule();
    });
  }

  private schedule(): void {
    const delay = backoffDelay(this.attempt, this.o.backoff ?? DEFAULT_RESTART, this.o.random);
    this.timer = this.timers.setTimeout(() => void this.restart(), delay);
  }

  private async restart(): Promise<void> {
    this.timer = undefined;
    if (this.stopping) return;
    try {
      const next = await this.start(this.current.port);
      if (this.stopping) {
        await next.stop();
        return;
      }
      this.current = next;
      this.up = true;
      this.restarts++;
      this.startedAt = this.timers.now();
      this.downSince = undefined;
      this.o.log?.('info', 'embedded nats-server restarted', { url: next.url, restarts: this.restarts });
      this.watch(next);
    } catch (err) {
      if (this.stopping) return;
      this.attempt++;
      this.o.log?.('error', 'embedded nats-server restart failed', {
        error: String(err),
        attempt: this.attempt,
      });
      this.schedule();
    }
  }
}
