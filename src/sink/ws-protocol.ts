import { CHANNELS, type Channel } from './subjects.js';

/**
 * The WebSocket protocol (docs/api.md). Client → server, JSON text frames:
 *   { "op": "subscribe",   "streams": ["cam-1"] | ["*"], "channels": ["emotion", "status"] }
 *   { "op": "unsubscribe", "streams"?: [...], "channels"?: [...] }
 *   { "op": "ping" }
 * Server → client: the published messages themselves (`type` au | au_summary | emotion | engagement |
 * status | track) and control messages `hello`, `subscribed`, `gap`, `pong`, `error`.
 */
export const WS_PROTOCOL_VERSION = 1;

export const WS_CLOSE = {
  /** Token missing or wrong. */
  unauthorized: 4401,
  /** The client could not keep up with its channels even after AU samples were dropped. */
  tooSlow: 4408,
  /** The server is shutting down. */
  goingAway: 1001,
} as const;

export type ClientRequest =
  | { readonly op: 'subscribe'; readonly streams: readonly string[]; readonly channels: readonly Channel[] }
  | { readonly op: 'unsubscribe'; readonly streams: readonly string[]; readonly channels: readonly Channel[] }
  | { readonly op: 'ping' };

export type ParseResult = { ok: true; req: ClientRequest } | { ok: false; error: string };

const isChannel = (c: unknown): c is Channel =>
  typeof c === 'string' && (CHANNELS as readonly string[]).includes(c);
/** A stream id, `room:<roomId>` for a room's messages, or `*`. */
const STREAM = /^(\*|(room:)?[A-Za-z0-9_-]{1,64})$/;

function strings(v: unknown, what: string): string[] | string {
  if (v === undefined) return [];
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string'))
    return `"${what}" must be an array of strings`;
  return v as string[];
}

/** Parses one client frame; errors say what to fix. */
export function parseClientRequest(text: string): ParseResult {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    return { ok: false, error: 'not JSON: send {"op":"subscribe","streams":["*"],"channels":["emotion"]}' };
  }
  if (typeof o !== 'object' || o === null) return { ok: false, error: 'expected a JSON object with "op"' };
  const r = o as Record<string, unknown>;
  if (r.op === 'ping') return { ok: true, req: { op: 'ping' } };
  if (r.op !== 'subscribe' && r.op !== 'unsubscribe')
    return { ok: false, error: `unknown op ${JSON.stringify(r.op)}: use subscribe, unsubscribe or ping` };
  const streams = strings(r.streams, 'streams');
  if (typeof streams === 'string') return { ok: false, error: streams };
  const bad = streams.find((s) => !STREAM.test(s));
  if (bad !== undefined)
    return {
      ok: false,
      error: `bad stream id ${JSON.stringify(bad)}: use "*", [A-Za-z0-9_-] or room:<roomId>`,
    };
  const channels = strings(r.channels, 'channels');
  if (typeof channels === 'string') return { ok: false, error: channels };
  const badCh = channels.find((c) => !isChannel(c));
  if (badCh !== undefined)
    return { ok: false, error: `unknown channel "${badCh}": use ${CHANNELS.join(', ')}` };
  if (r.op === 'subscribe' && (streams.length === 0 || channels.length === 0))
    return { ok: false, error: 'subscribe needs non-empty "streams" (ids or "*") and "channels"' };
  return { ok: true, req: { op: r.op, streams, channels: channels as Channel[] } };
}

/** A client's subscription: which streams (or all) and which channels. */
export class Subscription {
  private all = false;
  private readonly streams = new Set<string>();
  private readonly channels = new Set<Channel>();

  apply(req: Exclude<ClientRequest, { op: 'ping' }>): void {
    if (req.op === 'subscribe') {
      for (const s of req.streams) {
        if (s === '*') this.all = true;
        else this.streams.add(s);
      }
      for (const c of req.channels) this.channels.add(c);
      return;
    }
    for (const s of req.streams) {
      if (s !== '*') this.streams.delete(s);
      else {
        this.all = false;
        this.streams.clear();
      }
    }
    for (const c of req.channels) this.channels.delete(c);
  }

  matches(streamId: string, channel: Channel): boolean {
    return this.channels.has(channel) && (this.all || this.streams.has(streamId));
  }

  describe(): { streams: string[]; channels: Channel[] } {
    return { streams: this.all ? ['*', ...this.streams] : [...this.streams], channels: [...this.channels] };
  }
}
