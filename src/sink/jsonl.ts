import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import type { Message } from '../types.js';
import type { Publisher } from './publisher.js';

/** Appends every published message as one JSON line; `flush` waits until the OS has the bytes. */
export class JsonlPublisher implements Publisher {
  private readonly out: WriteStream;
  private count = 0;
  constructor(readonly file: string) {
    mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    this.out = createWriteStream(file, { flags: 'w' });
  }
  publish(msg: Message): void {
    this.out.write(`${JSON.stringify(msg)}\n`);
    this.count++;
  }
  get published(): number {
    return this.count;
  }
  flush(): Promise<void> {
    // An empty write's callback runs once everything queued before it has been handed to the OS.
    return new Promise((resolve, reject) => {
      this.out.write('', (err) => (err ? reject(err) : resolve()));
    });
  }
  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.out.end((err?: Error | null) => (err ? reject(err) : resolve()));
    });
  }
}
