/**
 * Bounded, ordered outbox for a publisher whose broker may be away. Two lanes share one bound:
 * `bulk` (high-rate AU samples and the like) and `keep` (events that must survive). On overflow the
 * oldest bulk entry goes first, then the oldest keep entry; every drop is counted per stream.
 * Entries leave in the order they came in, across both lanes.
 */
export interface OutboxEntry<T> {
  readonly seq: number;
  readonly keep: boolean;
  readonly streamId: string;
  readonly item: T;
}

export interface DropCount {
  bulk: number;
  keep: number;
}

class Deque<T> {
  private buf: (T | undefined)[] = new Array(16);
  private head = 0;
  size = 0;
  push(v: T): void {
    if (this.size === this.buf.length) {
      const next = new Array<T | undefined>(this.buf.length * 2);
      for (let i = 0; i < this.size; i++) next[i] = this.buf[(this.head + i) % this.buf.length];
      this.buf = next;
      this.head = 0;
    }
    this.buf[(this.head + this.size) % this.buf.length] = v;
    this.size++;
  }
  peek(): T | undefined {
    return this.at(0);
  }
  at(i: number): T | undefined {
    return i < this.size ? this.buf[(this.head + i) % this.buf.length] : undefined;
  }
  shift(): T | undefined {
    if (!this.size) return undefined;
    const v = this.buf[this.head];
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) % this.buf.length;
    this.size--;
    return v;
  }
}

export class Outbox<T> {
  private readonly bulk = new Deque<OutboxEntry<T>>();
  private readonly keep = new Deque<OutboxEntry<T>>();
  private nextSeq = 0;
  private readonly drops = new Map<string, DropCount>();
  /** Total dropped since creation. */
  dropped = 0;

  constructor(readonly max: number) {}

  get size(): number {
    return this.bulk.size + this.keep.size;
  }

  /** Entries that must survive (events, status) still waiting. */
  get keepSize(): number {
    return this.keep.size;
  }

  /** Adds an item; returns the entry dropped to make room, if any. */
  push(item: T, streamId: string, keep: boolean): OutboxEntry<T> | undefined {
    (keep ? this.keep : this.bulk).push({ seq: this.nextSeq++, keep, streamId, item });
    if (this.size <= this.max) return undefined;
    const victim = (this.bulk.size ? this.bulk : this.keep).shift()!;
    const d = this.drops.get(victim.streamId) ?? { bulk: 0, keep: 0 };
    if (victim.keep) d.keep++;
    else d.bulk++;
    this.drops.set(victim.streamId, d);
    this.dropped++;
    return victim;
  }

  /** The oldest entries across both lanes, in arrival order, without removing them. */
  peek(n: number): OutboxEntry<T>[] {
    const out: OutboxEntry<T>[] = [];
    let i = 0;
    let j = 0;
    while (out.length < n) {
      const a = this.bulk.at(i);
      const b = this.keep.at(j);
      if (!a && !b) break;
      if (!b || (a && a.seq < b.seq)) {
        out.push(a!);
        i++;
      } else {
        out.push(b);
        j++;
      }
    }
    return out;
  }

  /** Removes the `n` oldest entries (those `peek(n)` returned). */
  remove(n: number): void {
    for (let k = 0; k < n; k++) {
      const a = this.bulk.peek();
      const b = this.keep.peek();
      if (!a && !b) return;
      if (!b || (a && a.seq < b.seq)) this.bulk.shift();
      else this.keep.shift();
    }
  }

  get hasDrops(): boolean {
    return this.drops.size > 0;
  }

  /** Drop counts per stream since the last call, then cleared. */
  takeDrops(): Map<string, DropCount> {
    const d = new Map(this.drops);
    this.drops.clear();
    return d;
  }
}
