/**
 * The lease loop of one worker: every heartbeat it refreshes the leases it holds (revision-checked, all at
 * once, each write bounded by the time its lease has left), and, in a loop of its own, drops streams whose
 * spec was deleted and claims free streams up to its capacity; a watchdog stops a stream as soon as its
 * lease could lapse (no refresh got through in time). The two loops are apart so that a slow scan of the
 * buckets (a JetStream leader election makes reads take seconds) never delays a refresh. A write whose
 * ack was lost is recognised on the next read: a refresh that landed is adopted, and a lease of this
 * worker that it does not hold (a claim that landed, or a stream the watchdog stopped) is claimed again at
 * once under a new epoch instead of waiting out its TTL. What to do with a stream is the caller's (hooks):
 * the keeper knows nothing of pipelines or publishers. The clock is injected.
 */
import {
  canRefresh,
  claimValue,
  epochOf,
  isFree,
  type LeaseEntry,
  mustStop,
  pickClaims,
  refreshValue,
} from './lease.js';
import type { ClusterStore, StreamSpec } from './store.js';

/** What the keeper needs of the store (ClusterStore; an in-memory one in tests). */
export type LeaseStore = Pick<
  ClusterStore,
  'specs' | 'leases' | 'lease' | 'writeLease' | 'releaseLease' | 'deleteLease'
>;

export interface KeeperOptions {
  readonly me: string;
  readonly capacity: number;
  readonly ttlMs: number;
  readonly heartbeatMs: number;
  readonly stopMarginMs: number;
  readonly now?: () => number;
  readonly log?: (level: 'info' | 'warn', msg: string, fields?: Record<string, unknown>) => void;
}

/** Why a stream stops: drained (SIGTERM), lease lost (taken over or not refreshable), or its spec deleted. */
export type StopReason = 'drain' | 'lost' | 'deleted';

export interface KeeperHooks {
  /** Start analysing: `epoch` goes into ids (ids.ts). */
  start(spec: StreamSpec, epoch: number): void | Promise<void>;
  /** Stop analysing; for `lost` at once, without publishing. */
  stop(id: string, why: StopReason): void | Promise<void>;
}

interface Held {
  readonly spec: StreamSpec;
  readonly epoch: number;
  entry: LeaseEntry;
}

export class LeaseKeeper {
  private readonly held = new Map<string, Held>();
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  private scanning: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly store: LeaseStore,
    private readonly o: KeeperOptions,
    private readonly hooks: KeeperHooks,
  ) {
    this.now = o.now ?? Date.now;
  }

  /** Streams held now, with their epochs. */
  owned(): Map<string, number> {
    return new Map([...this.held].map(([id, h]) => [id, h.epoch]));
  }

  start(): void {
    const loop = () => {
      if (!this.refreshing) this.refreshing = this.refreshAll().finally(() => (this.refreshing = undefined));
      if (!this.scanning) this.scanning = this.scan().finally(() => (this.scanning = undefined));
    };
    loop();
    this.timer = setInterval(loop, this.o.heartbeatMs);
    this.watchdog = setInterval(() => this.checkDeadlines(), Math.min(250, this.o.heartbeatMs));
  }

  /** One round by hand: refresh, then scan. */
  async tick(): Promise<void> {
    await this.refreshAll();
    await this.scan();
  }

  /** Refreshes every held lease at once. Broker errors are logged; the watchdog guards the deadlines. */
  private async refreshAll(): Promise<void> {
    if (this.closed) return;
    await Promise.all([...this.held].map(([id, h]) => this.refresh(id, h)));
  }

  /** Drops streams whose spec was deleted and claims free ones (and this worker's own unheld leases). */
  private async scan(): Promise<void> {
    if (this.closed) return;
    let specs: StreamSpec[];
    let leases: Map<string, LeaseEntry>;
    try {
      specs = await this.store.specs();
      leases = await this.store.leases();
    } catch (e) {
      this.o.log?.('warn', 'cluster state unreadable', { error: String(e) });
      return;
    }
    const ids = new Set(specs.map((s) => s.id));
    for (const id of [...this.held.keys()]) {
      if (ids.has(id)) continue;
      this.held.delete(id);
      await this.hooks.stop(id, 'deleted');
      await this.store.deleteLease(id).catch(() => undefined);
    }
    if (this.closed) return;
    const now = this.now();
    const mine = (e: LeaseEntry | null) => e !== null && e.lease.owner === this.o.me;
    const free = specs.filter((s) => {
      const e = leases.get(s.id) ?? null;
      return !this.held.has(s.id) && (isFree(e, now) || mine(e));
    });
    for (const id of pickClaims(
      free.map((s) => s.id),
      this.held.size,
      this.o.capacity,
      this.o.me,
    )) {
      await this.claim(specs.find((s) => s.id === id)!, leases.get(id) ?? null);
    }
  }

  private async claim(spec: StreamSpec, prev: LeaseEntry | null): Promise<void> {
    if (this.held.has(spec.id)) return;
    const value = claimValue(this.o.me, this.now(), this.o.ttlMs);
    let rev: number | null;
    try {
      rev = await this.store.writeLease(spec.id, value, prev);
    } catch (e) {
      this.o.log?.('warn', 'claim failed', { streamId: spec.id, error: String(e) });
      return;
    }
    if (rev === null || this.closed || this.held.has(spec.id)) return; // another worker was faster
    const h: Held = { spec, epoch: rev, entry: { lease: value, revision: rev } };
    this.held.set(spec.id, h);
    this.o.log?.('info', 'claimed stream', { streamId: spec.id, epoch: rev });
    await this.hooks.start(spec, rev);
  }

  private async refresh(id: string, h: Held): Promise<void> {
    const now = this.now();
    if (!canRefresh(h.entry, this.o.me, h.entry.revision, now)) return this.lose(id, 'expired');
    const value = refreshValue(this.o.me, h.epoch, now, this.o.ttlMs);
    // no later than the watchdog would stop the stream: a hung write must not outlive the lease
    const timeoutMs = Math.max(100, h.entry.lease.expiresAt - this.o.stopMarginMs - now);
    try {
      const rev = await this.store.writeLease(id, value, h.entry, timeoutMs);
      if (this.held.get(id) !== h) return;
      if (rev !== null) {
        h.entry = { lease: value, revision: rev };
        return;
      }
      // a conflict: either another writer, or an earlier refresh of ours that landed but whose ack was lost
      const cur = await this.store.lease(id);
      if (this.held.get(id) !== h) return;
      if (
        cur &&
        cur.lease.owner === this.o.me &&
        epochOf(cur) === h.epoch &&
        this.now() < cur.lease.expiresAt
      ) {
        h.entry = cur;
        return;
      }
      return this.lose(id, 'taken');
    } catch (e) {
      this.o.log?.('warn', 'lease refresh failed', { streamId: id, error: String(e) });
    }
  }

  private checkDeadlines(): void {
    const now = this.now();
    for (const [id, h] of this.held)
      if (mustStop(h.entry.lease.expiresAt, now, this.o.stopMarginMs)) void this.lose(id, 'not refreshed');
  }

  private async lose(id: string, detail: string): Promise<void> {
    if (!this.held.delete(id)) return;
    this.o.log?.('warn', 'lease lost: stopping stream', { streamId: id, detail });
    await this.hooks.stop(id, 'lost');
  }

  /** SIGTERM: stop claiming, drain every stream (the hook ends its events), then free its lease. */
  async drain(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    clearInterval(this.watchdog);
    await Promise.all([this.refreshing, this.scanning]);
    await Promise.all(
      [...this.held].map(async ([id, h]) => {
        await this.hooks.stop(id, 'drain');
        this.held.delete(id);
        await this.store.releaseLease(id, h.epoch, h.entry.revision).catch(() => false);
      }),
    );
  }

  /** Stops the timers without touching the leases (they lapse). */
  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    clearInterval(this.watchdog);
  }
}
