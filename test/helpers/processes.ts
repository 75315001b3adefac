import { readdirSync, readFileSync } from 'node:fs';

/** PIDs of this process's direct children named `name` (from /proc, independent of our own bookkeeping). */
export function childPids(name = 'ffmpeg'): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    // "pid (comm) state ppid ..."; comm may contain spaces, so split after the last ')'.
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (comm === name && ppid === process.pid) out.push(Number(entry));
  }
  return out;
}

/** True while /proc still lists the PID (a zombie counts: it has not been reaped yet). */
export function pidExists(pid: number): boolean {
  try {
    readFileSync(`/proc/${pid}/stat`);
    return true;
  } catch {
    return false;
  }
}

export async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Waits until every given PID is gone (killed children are reaped asynchronously). */
export async function waitGone(pids: readonly number[], timeoutMs = 3000): Promise<void> {
  await waitFor(() => pids.every((p) => !pidExists(p)), timeoutMs, `PIDs ${pids.join(',')} to exit`);
}
