/**
 * What leaves the student's device: the frame's messages, each checked against the ingest schema and for image
 * data before it is sent (a failing one is counted and never sent), AU samples thinned to `auRateHz` per face
 * (of those, `attentionRateHz` per face keep their attention reading; the rest go without it),
 * events always, numbers rounded to 4 decimals. While the socket is not open AU samples are dropped and events wait in a bounded queue.
 */
import { checkIngestMessage } from '../schemas/browser.js';
import type { Message } from '../types.js';
import { AuThrottle } from './pacing.js';

/** The part of a WebSocket the sender uses. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
}

const OPEN = 1;
/**
 * Decimals kept of fractional numbers on the wire: probabilities to 1e-4 (the parity bound between the browser
 * and the server is 1e-3) and times to 0.1 µs. Halves the bytes of full float64 text.
 */
const DECIMALS = 1e4;
const compact = (_k: string, v: unknown) =>
  typeof v === 'number' && !Number.isInteger(v) ? Math.round(v * DECIMALS) / DECIMALS : v;

/** Events kept while the socket is down; the oldest go first past this. */
const MAX_QUEUED = 256;

export interface SenderStats {
  readonly sent: number;
  readonly bytes: number;
  readonly byType: Readonly<Record<string, number>>;
  /** Bytes sent per message type. */
  readonly bytesByType: Readonly<Record<string, number>>;
  /** AU samples over the rate (not sent). */
  readonly thinned: number;
  /** AU samples sent without their attention reading (over `attentionRateHz`). */
  readonly attentionThinned: number;
  /** Messages dropped: AU samples while disconnected, events past the queue bound. */
  readonly dropped: number;
  /** Messages that failed the ingest check (a bug: never sent). */
  readonly refused: number;
}

export class Sender {
  private readonly throttle: AuThrottle;
  private readonly attention: AuThrottle;
  private attentionThinned = 0;
  private readonly queue: string[] = [];
  private sent = 0;
  private bytes = 0;
  private thinned = 0;
  private dropped = 0;
  private refused = 0;
  private readonly byType: Record<string, number> = {};
  private readonly bytesByType: Record<string, number> = {};

  constructor(
    private socket: SocketLike | null,
    auRateHz: number,
    private readonly onRefused: (problem: string) => void = () => {},
    attentionRateHz: number = auRateHz,
  ) {
    this.throttle = new AuThrottle(auRateHz);
    this.attention = new AuThrottle(attentionRateHz);
  }

  /** A new socket (reconnect): queued events go out on it first. */
  attach(socket: SocketLike): void {
    this.socket = socket;
    this.drain();
  }

  send(messages: readonly Message[]): void {
    for (const msg of messages) {
      if (msg.type === 'track' && msg.phase === 'end') {
        this.throttle.end(msg.trackId);
        this.attention.end(msg.trackId);
      }
      if (msg.type === 'au' && !this.throttle.take(msg.trackId, msg.ptsMs)) {
        this.thinned++;
        continue;
      }
      let m = msg;
      if (m.type === 'au' && m.attention && !this.attention.take(m.trackId, m.ptsMs)) {
        const { attention: _drop, ...rest } = m;
        m = rest;
        this.attentionThinned++;
      }
      const check = checkIngestMessage(m);
      if (!check.ok) {
        this.refused++;
        this.onRefused(`${check.code}: ${check.problem}`);
        continue;
      }
      const data = JSON.stringify(check.msg, compact);
      if (this.socket?.readyState === OPEN) {
        this.drain();
        this.write(m.type, data);
      } else if (m.type === 'au') {
        this.dropped++;
      } else {
        this.queue.push(data);
        if (this.queue.length > MAX_QUEUED) {
          this.queue.shift();
          this.dropped++;
        }
      }
    }
  }

  private drain(): void {
    while (this.queue.length && this.socket?.readyState === OPEN) {
      const data = this.queue.shift()!;
      this.write((JSON.parse(data) as { type: string }).type, data);
    }
  }

  private write(type: string, data: string): void {
    this.socket!.send(data);
    this.sent++;
    this.bytes += data.length;
    this.byType[type] = (this.byType[type] ?? 0) + 1;
    this.bytesByType[type] = (this.bytesByType[type] ?? 0) + data.length;
  }

  stats(): SenderStats {
    return {
      sent: this.sent,
      bytes: this.bytes,
      byType: { ...this.byType },
      bytesByType: { ...this.bytesByType },
      thinned: this.thinned,
      attentionThinned: this.attentionThinned,
      dropped: this.dropped,
      refused: this.refused,
    };
  }
}
