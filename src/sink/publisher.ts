import type { Message } from '../types.js';

/** Messages a sink could not deliver by the time it closed: `events` are the durable ones (events, status). */
export interface Undelivered {
  readonly messages: number;
  readonly events: number;
}

/**
 * What every sink implements: publish is fire-and-forget and never throws; flush/close settle delivery, each
 * within a bound (a sink whose peer is gone must not hang shutdown); `undelivered` says what was left.
 */
export interface Publisher {
  publish(msg: Message): void;
  flush(): Promise<void>;
  close(): Promise<void>;
  undelivered?(): Undelivered;
}

/** Fans one message out to several publishers. */
export class FanoutPublisher implements Publisher {
  constructor(private readonly targets: readonly Publisher[]) {}
  publish(msg: Message): void {
    for (const t of this.targets) t.publish(msg);
  }
  async flush(): Promise<void> {
    await Promise.all(this.targets.map((t) => t.flush()));
  }
  async close(): Promise<void> {
    await Promise.all(this.targets.map((t) => t.close()));
  }
  undelivered(): Undelivered {
    let messages = 0;
    let events = 0;
    for (const t of this.targets) {
      const u = t.undelivered?.();
      messages += u?.messages ?? 0;
      events += u?.events ?? 0;
    }
    return { messages, events };
  }
}
