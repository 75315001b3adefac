/**
 * The cluster's state in JetStream KV (one adapter): `specs` (stream id → what to analyse), `leases`
 * (stream id → who analyses it, see lease.ts) and `open` (stream id → the events its owner has open, so a
 * new owner can end them). Writes to `leases` are revision-checked (`create` / `update` against the last
 * revision read): of two workers racing for a lease, one wins.
 */
import { type JetStreamManager, jetstreamManager } from '@nats-io/jetstream';
import { type KV, Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { EmotionEvent } from '../types.js';
import { type Lease, type LeaseEntry, releaseValue } from './lease.js';

/** What the API writes for a stream: its source and settings. */
export interface StreamSpec {
  readonly id: string;
  /** A file path or rtsp:// URL, as `aupipe run --source` takes it. */
  readonly source: string;
  readonly loop?: boolean;
  /** Read a file at its native speed, as a camera delivers frames (default true in a worker). */
  readonly realtime?: boolean;
  readonly room?: string;
}

/** The events a stream's owner has open, and the stream time of its last frame. */
export interface OpenEvents {
  readonly epoch: number;
  readonly lastMs: number;
  readonly events: readonly EmotionEvent[];
}

export interface ClusterStoreOptions {
  /** JetStream replicas of the buckets (1 on one node, 3 on a 3-node cluster). */
  readonly replicas: number;
  /** Bucket name prefix. */
  readonly prefix?: string;
}

const enc = new TextEncoder();
const json = (v: unknown) => enc.encode(JSON.stringify(v));

export class ClusterStore {
  private constructor(
    private readonly jsm: JetStreamManager,
    private readonly prefix: string,
    private readonly specsKv: KV,
    private readonly leasesKv: KV,
    private readonly openKv: KV,
  ) {}

  static async open(nc: NatsConnection, o: ClusterStoreOptions): Promise<ClusterStore> {
    const kvm = new Kvm(nc);
    const p = o.prefix ?? 'aupipe';
    const mk = (n: string) => kvm.create(`${p}_${n}`, { replicas: o.replicas, history: 1 });
    return new ClusterStore(
      await jetstreamManager(nc),
      p,
      await mk('specs'),
      await mk('leases'),
      await mk('open'),
    );
  }

  /**
   * The keys of a bucket (deleted ones included: their delete marker is the key's last message), from the
   * stream leader's subject index. Not `kv.keys()`: that creates a consumer, and after a NATS node dies
   * consumer creation times out again and again for as long as the dead node stays in the stream's peer set
   * (5 s timeouts in 4 of 6 tries over 30 s, measured; docs/cluster.md, "Fixed"), while stream info
   * answers in milliseconds throughout.
   */
  private async keys(bucket: string): Promise<string[]> {
    const prefix = `$KV.${this.prefix}_${bucket}.`;
    const si = await this.jsm.streams.info(`KV_${this.prefix}_${bucket}`, { subjects_filter: `${prefix}>` });
    return Object.keys(si.state.subjects ?? {}).map((s) => s.slice(prefix.length));
  }

  async putSpec(spec: StreamSpec): Promise<void> {
    await this.specsKv.put(spec.id, json(spec));
  }

  async deleteSpec(id: string): Promise<void> {
    await this.specsKv.delete(id);
  }

  async spec(id: string): Promise<StreamSpec | null> {
    const e = await this.specsKv.get(id);
    return e && e.operation === 'PUT' ? e.json<StreamSpec>() : null;
  }

  async specs(): Promise<StreamSpec[]> {
    const out: StreamSpec[] = [];
    for (const id of await this.keys('specs')) {
      const s = await this.spec(id);
      if (s) out.push(s);
    }
    return out;
  }

  async lease(id: string): Promise<LeaseEntry | null> {
    const e = await this.leasesKv.get(id);
    if (e?.operation !== 'PUT') return null;
    return { lease: e.json<Lease>(), revision: e.revision };
  }

  async leases(): Promise<Map<string, LeaseEntry>> {
    const out = new Map<string, LeaseEntry>();
    for (const id of await this.keys('leases')) {
      const l = await this.lease(id);
      if (l) out.set(id, l);
    }
    return out;
  }

  /**
   * Writes `value` if the lease is still at `prev` (null: the key must not exist or be deleted). Resolves
   * with the new revision, or null when another writer got there first; rejects on a broker error or, for
   * an update, after `timeoutMs` without an answer (the write may still land: its ack was lost).
   */
  async writeLease(
    id: string,
    value: Lease,
    prev: LeaseEntry | null,
    timeoutMs?: number,
  ): Promise<number | null> {
    return writeAtRevision(this.leasesKv, id, json(value), prev?.revision ?? 0, timeoutMs);
  }

  /** Frees a lease this worker holds at `revision` (a drain); false if it was no longer ours. */
  async releaseLease(id: string, epoch: number, revision: number): Promise<boolean> {
    try {
      await this.leasesKv.update(id, json(releaseValue(epoch)), revision);
      return true;
    } catch (e) {
      if (isRevisionConflict(e)) return false;
      throw e;
    }
  }

  async deleteLease(id: string): Promise<void> {
    await this.leasesKv.delete(id);
  }

  async open(id: string): Promise<OpenEvents | null> {
    return (await this.openEntry(id)).open;
  }

  /** The open-event record with its revision (0: no key yet), for `writeOpen`. */
  async openEntry(id: string): Promise<{ open: OpenEvents | null; revision: number }> {
    const e = await this.openKv.get(id);
    if (!e) return { open: null, revision: 0 };
    return { open: e.operation === 'PUT' ? e.json<OpenEvents>() : null, revision: e.revision };
  }

  /**
   * Writes an owner's open-event record if it is still at `revision` (0: the key must not exist): a late
   * write of an older owner, delayed by a leader election, cannot overwrite the next owner's record.
   * Resolves with the new revision, or null when someone else wrote in between; rejects on a broker error.
   */
  async writeOpen(id: string, open: OpenEvents, revision: number): Promise<number | null> {
    return writeAtRevision(this.openKv, id, json(open), revision);
  }
}

/**
 * Writes `value` if the key is still at `revision` (0: it must not exist; KV revisions start at 1): the new
 * revision, or null when another writer got there first; rejects on a broker error.
 */
async function writeAtRevision(
  kv: KV,
  id: string,
  value: Uint8Array,
  revision: number,
  timeoutMs?: number,
): Promise<number | null> {
  try {
    return revision === 0 ? await kv.create(id, value) : await kv.update(id, value, revision, timeoutMs);
  } catch (e) {
    if (isRevisionConflict(e)) return null;
    throw e;
  }
}

/** A `create` on an existing key or an `update` at a stale revision (JetStream error 10071, "wrong last sequence"). */
export function isRevisionConflict(e: unknown): boolean {
  const s = String((e as Error)?.message ?? e);
  return /wrong last sequence|key exists|10071/i.test(s);
}
