import type { Message } from '../types.js';

/** What every sink implements: publish is fire-and-forget and never throws; flush/close settle delivery. */
export interface Publisher {
  publish(msg: Message): void;
  flush(): Promise<void>;
  close(): Promise<void>;
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
}
