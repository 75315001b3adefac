import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./rtsp-server.py', import.meta.url));

/** A loopback port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface RtspServer {
  readonly port: number;
  readonly url: string;
  readonly pid: number;
  /** SIGKILL, as a crashed camera would vanish; resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGSTOP / SIGCONT: the server keeps its sockets open but sends nothing (a hung camera). */
  pause(): void;
  resume(): void;
}

/**
 * Starts GStreamer's RTSP server (Debian's python3-gi) serving `file` at rtsp://127.0.0.1:port/stream;
 * with `auth: 'user:password'` it demands basic authentication.
 */
export async function startRtspServer(
  file: string,
  port?: number,
  opts: { auth?: string } = {},
): Promise<RtspServer> {
  const p = port ?? (await freePort());
  const args = [SCRIPT, file, String(p), ...(opts.auth ? ['/stream', opts.auth] : [])];
  const child: ChildProcess = spawn('/usr/bin/python3', args, {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`RTSP server not ready in 10 s: ${err}`)), 10_000);
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('READY')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`RTSP server exited (${code}) before ready: ${err}`));
    });
  });
  return {
    port: p,
    url: `rtsp://127.0.0.1:${p}/stream`,
    pid: child.pid ?? -1,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGCONT');
        child.kill('SIGKILL');
      }
      await exited;
    },
    pause: () => child.kill('SIGSTOP'),
    resume: () => child.kill('SIGCONT'),
  };
}
