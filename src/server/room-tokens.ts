/**
 * Room tokens: issued through the API (`POST /api/rooms/:id/tokens`, admin), random, held in memory with an
 * expiry, optionally naming one student. A student holding one may open the student page and ingest into that
 * room only (docs/api.md, "Room tokens"). The clock is injected for tests.
 */
import { randomBytes } from 'node:crypto';

export interface RoomToken {
  readonly token: string;
  readonly room: string;
  /** The student it was issued for (display name), if any. */
  readonly student?: string;
  /** Wall-clock ms since epoch after which the token is refused. */
  readonly expiresAt: number;
}

/** Room tokens carry this prefix, so the other token kinds can never be mistaken for one. */
export const ROOM_TOKEN_PREFIX = 'rt_';

export class RoomTokens {
  private readonly tokens = new Map<string, RoomToken>();

  constructor(
    private readonly o: { readonly maxTtlSec: number; readonly maxTokens: number },
    private readonly clock: () => number = Date.now,
  ) {}

  /** A new token for `room`, living `ttlSec` (at most the configured maximum); null when the store is full. */
  issue(room: string, opts: { student?: string; ttlSec?: number } = {}): RoomToken | null {
    this.prune();
    if (this.tokens.size >= this.o.maxTokens) return null;
    const ttl = Math.min(opts.ttlSec ?? this.o.maxTtlSec, this.o.maxTtlSec);
    const t: RoomToken = {
      token: `${ROOM_TOKEN_PREFIX}${randomBytes(24).toString('base64url')}`,
      room,
      ...(opts.student ? { student: opts.student } : {}),
      expiresAt: this.clock() + ttl * 1000,
    };
    this.tokens.set(t.token, t);
    return t;
  }

  /** The unexpired token's grant, or undefined (unknown, expired, or not a room token). */
  check(token: string): RoomToken | undefined {
    if (!token.startsWith(ROOM_TOKEN_PREFIX)) return undefined;
    const t = this.tokens.get(token);
    if (!t) return undefined;
    if (this.clock() >= t.expiresAt) {
      this.tokens.delete(token);
      return undefined;
    }
    return t;
  }

  /** Revokes every token of a room (it was deleted); returns how many. */
  revokeRoom(room: string): number {
    let n = 0;
    for (const [k, t] of this.tokens)
      if (t.room === room) {
        this.tokens.delete(k);
        n++;
      }
    return n;
  }

  /** Unexpired tokens held. */
  size(): number {
    this.prune();
    return this.tokens.size;
  }

  private prune(): void {
    const now = this.clock();
    for (const [k, t] of this.tokens) if (now >= t.expiresAt) this.tokens.delete(k);
  }
}
