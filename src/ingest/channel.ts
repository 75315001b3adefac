import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type OnReadOpts, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A connected pair of Unix sockets: `peer` goes to the child as its stdout, `socket` is ours and reads with
 * `onread`, so the kernel copies ffmpeg's output straight into the buffers we choose (the frame pool), with
 * no per-read allocation and no second copy. A plain `stdio: 'pipe'` cannot take `onread`.
 * The rendezvous path lives in a private (0700) temp folder that is gone before this resolves.
 */
export async function openReadChannel(onread: OnReadOpts): Promise<{ socket: Socket; peer: Socket }> {
  const dir = mkdtempSync(join(tmpdir(), 'aupipe-'));
  const path = join(dir, 's');
  const server = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, resolve);
    });
    const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
    const socket = connect({ path, onread });
    const connected = new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const [peer] = await Promise.all([accepted, connected]);
    return { socket, peer };
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
