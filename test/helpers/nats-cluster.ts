import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { findNatsServer } from '../../src/sink/nats-server.js';

/** A free loopback TCP port (closed again before it is returned). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export interface NatsNode {
  readonly name: string;
  readonly url: string;
  readonly port: number;
  proc: ChildProcess;
}

/** A real 3-node nats-server cluster (JetStream, routes, no client URL advertising) on loopback. */
export interface NatsCluster {
  readonly nodes: readonly NatsNode[];
  /** All client URLs, comma-separated. */
  readonly urls: string;
  kill(i: number): Promise<void>;
  restart(i: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startNatsCluster(n = 3): Promise<NatsCluster> {
  const bin = findNatsServer();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aupipe-cluster-'));
  const ports = await Promise.all(Array.from({ length: n * 2 }, () => freePort()));
  const client = ports.slice(0, n);
  const route = ports.slice(n);
  const routes = route.map((p) => `nats://127.0.0.1:${p}`).join(',');
  const spawnNode = (i: number) =>
    spawn(
      bin,
      [
        ...[
          '-a',
          '127.0.0.1',
          '-p',
          String(client[i]),
          '-n',
          `n${i + 1}`,
          '-js',
          '-sd',
          path.join(dir, `n${i + 1}`),
        ],
        ...['--cluster_name', 'aupipe', '--cluster', `nats://127.0.0.1:${route[i]}`, '--routes', routes],
        '--no_advertise',
      ],
      { stdio: 'ignore', detached: true },
    );
  const nodes: NatsNode[] = client.map((port, i) => ({
    name: `n${i + 1}`,
    port,
    url: `nats://127.0.0.1:${port}`,
    proc: spawnNode(i),
  }));
  const exitKill = () => {
    for (const x of nodes) x.proc.kill('SIGKILL');
  };
  process.once('exit', exitKill);
  const urls = nodes.map((x) => x.url).join(',');
  await waitJetStream(urls, 20_000);
  const killNode = async (i: number) => {
    const p = nodes[i]!.proc;
    if (p.exitCode !== null || p.signalCode !== null) return;
    const gone = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await gone;
  };
  return {
    nodes,
    urls,
    kill: killNode,
    async restart(i) {
      nodes[i]!.proc = spawnNode(i);
      await waitJetStream(nodes[i]!.url, 20_000);
    },
    async stop() {
      await Promise.all(nodes.map((_, i) => killNode(i)));
      process.off('exit', exitKill);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Waits until JetStream answers (the cluster has elected its meta leader). */
async function waitJetStream(urls: string, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      const nc = await connect({ servers: urls.split(','), timeout: 1000 });
      try {
        const jsm = await jetstreamManager(nc, { timeout: 1000 });
        await jsm.getAccountInfo();
        return;
      } finally {
        await nc.close();
      }
    } catch (e) {
      if (Date.now() > end) throw new Error(`JetStream cluster not ready: ${String(e)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** A TCP proxy in front of one NATS node: `cut()` destroys every connection and stops listening. */
export async function startProxy(targetPort: number): Promise<{ port: number; cut(): void }> {
  const socks = new Set<net.Socket>();
  const server = net.createServer((c) => {
    const up = net.connect(targetPort, '127.0.0.1');
    socks.add(c);
    socks.add(up);
    c.pipe(up).pipe(c);
    const end = () => {
      c.destroy();
      up.destroy();
    };
    c.on('error', end).on('close', end);
    up.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    cut() {
      server.close();
      for (const s of socks) s.destroy();
    },
  };
}
