import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { type EmbeddedNats, startNatsServer } from '../../src/sink/nats-server.js';

/** A real nats-server (JetStream) on a free loopback port, restartable on the same port and store. */
export interface TestNats {
  readonly url: string;
  readonly port: number;
  readonly storeDir: string;
  /** SIGKILLs the server (a crash). */
  kill(): Promise<void>;
  /** Starts it again on the same port with the same store. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestNats(): Promise<TestNats> {
  const storeDir = mkdtempSync(path.join(os.tmpdir(), 'aupipe-nats-'));
  let server: EmbeddedNats = await startNatsServer({ storeDir });
  const port = server.port;
  return {
    url: server.url,
    port,
    storeDir,
    kill: () => server.kill(),
    async restart() {
      server = await startNatsServer({ storeDir, port });
    },
    async stop() {
      await server.stop();
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}

/** Replays a JetStream stream from the start through an ordered consumer (a late dashboard's view). */
export async function replayStream(
  url: string,
  stream: string,
  subject: string,
  opts: { min: number; timeoutMs?: number },
): Promise<unknown[]> {
  const nc = await connect({ servers: url });
  try {
    const c = await jetstream(nc).consumers.get(stream, { filter_subjects: subject });
    const out: unknown[] = [];
    const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
    while (out.length < opts.min && Date.now() < deadline) {
      const it = await c.fetch({ max_messages: opts.min - out.length, expires: 1000 });
      for await (const m of it) out.push(m.json());
    }
    return out;
  } finally {
    await nc.close();
  }
}

/** Collects core-NATS messages on a subject (wildcards allowed) until `stop()` is called. */
export async function collect(
  url: string,
  subject: string,
): Promise<{ msgs: unknown[]; nc: NatsConnection }> {
  const nc = await connect({ servers: url });
  const msgs: unknown[] = [];
  nc.subscribe(subject, {
    callback: (_e, m) => {
      msgs.push(m.json());
    },
  });
  await nc.flush();
  return { msgs, nc };
}

/** Waits until `cond()` holds, polling every 20 ms. */
export async function until(cond: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
