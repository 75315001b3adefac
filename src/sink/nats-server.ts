import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
import path from 'node:path';
import { SinkError } from '../errors.js';

export interface EmbeddedNatsOptions {
  /** JetStream store folder (created). */
  readonly storeDir: string;
  /** Port on 127.0.0.1; -1 (default) lets the server pick a free one. */
  readonly port?: number;
  /** nats-server binary; default: PATH, then /usr/sbin/nats-server. */
  readonly bin?: string;
  readonly startTimeoutMs?: number;
  /** More nats-server flags, e.g. `['--auth', token]`. */
  readonly extraArgs?: readonly string[];
}

export interface EmbeddedNats {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** Stops the server (SIGTERM, SIGKILL after 3 s); resolves once it has exited. */
  stop(): Promise<void>;
  /** Kills the server at once (SIGKILL), as a crash would. */
  kill(): Promise<void>;
  /** Resolves when the process has exited, for whatever reason, with how it ended. */
  readonly exited: Promise<string>;
}

/** Finds Debian's nats-server: it lives in /usr/sbin, which is not on a normal user's PATH. */
export function findNatsServer(bin = ''): string {
  if (bin) return bin;
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/usr/local/sbin'];
  for (const d of dirs) {
    if (!d) continue;
    const p = path.join(d, 'nats-server');
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {}
  }
  throw new SinkError(
    'NATS_SERVER_NOT_FOUND',
    'nats-server not found: install it (apt-get install nats-server) or set sink.nats.url to a running broker',
  );
}

const LISTEN = /Listening for client connections on [^\s]*:(\d+)/;

/** Starts a loopback-only nats-server with JetStream; resolves once it accepts clients. */
export function startNatsServer(opts: EmbeddedNatsOptions): Promise<EmbeddedNats> {
  const bin = findNatsServer(opts.bin);
  mkdirSync(opts.storeDir, { recursive: true });
  const args = [
    '-a',
    '127.0.0.1',
    '-p',
    String(opts.port ?? -1),
    '-js',
    '-sd',
    opts.storeDir,
    ...(opts.extraArgs ?? []),
  ];
  // Own process group, so a terminal's Ctrl-C does not take the broker down before the service has
  // flushed its events into it; killed on our exit instead.
  const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => {
      process.off('exit', killOnExit);
      resolve(signal ? `killed by ${signal}` : `exited with ${code}`);
    }),
  );
  return new Promise((resolve, reject) => {
    let log = '';
    let port = 0;
    const fail = (err: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(err);
    };
    const timer = setTimeout(
      () => fail(new SinkError('NATS_SERVER_START', `nats-server did not start in time: ${log.slice(-500)}`)),
      opts.startTimeoutMs ?? 10_000,
    );
    child.once('error', (e) => fail(new SinkError('NATS_SERVER_START', `cannot run ${bin}`, { cause: e })));
    child.once('exit', (code) => {
      if (!port || !log.includes('Server is ready'))
        fail(new SinkError('NATS_SERVER_START', `nats-server exited with ${code}: ${log.slice(-500)}`));
    });
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      if (log.length < 20_000) log += chunk;
      port ||= Number(LISTEN.exec(log)?.[1] ?? 0);
      if (port && log.includes('Server is ready')) {
        clearTimeout(timer);
        child.stderr!.removeAllListeners('data');
        child.stderr!.resume();
        resolve(handle(child, port, exited));
      }
    });
  });
}

function handle(child: ChildProcess, port: number, exited: Promise<string>): EmbeddedNats {
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    const t = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(t);
  };
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    pid: child.pid ?? 0,
    stop: () => end('SIGTERM'),
    kill: () => end('SIGKILL'),
    exited,
  };
}
