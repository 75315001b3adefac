import { type ChildProcessByStdio, spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { SourceError } from '../errors.js';

/** How an ffmpeg/ffprobe child ended, with the tail of its stderr (bounded: a broken stream can spew MBs). */
export interface FfmpegExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
  /** True when we killed it (unsubscribe, watchdog, shutdown), so its exit status means nothing. */
  readonly killed: boolean;
  /** Set when the binary could not be started at all (code FFMPEG_MISSING). */
  readonly spawnError?: SourceError;
}

/** One running ffmpeg/ffprobe child: stdout is the data, stderr is kept as a bounded tail. */
export interface FfmpegProcess {
  readonly pid: number;
  readonly stdout: Readable;
  /** Settles (never rejects) once the child has exited and its stdio is closed. */
  readonly exited: Promise<FfmpegExit>;
  /** SIGKILL: a decoder holds nothing worth flushing, and a hung RTSP client ignores gentler signals. */
  kill(): void;
  stderrTail(): string;
}

const STDERR_TAIL = 16 * 1024;
const live = new Map<number, FfmpegProcess>();
let exitHookInstalled = false;

/** PIDs of the ffmpeg/ffprobe children this process started and that have not exited yet (for tests). */
export function liveChildPids(): number[] {
  return [...live.keys()];
}

/** Kills every child still running; called on process exit so a crash never leaves a decoder behind. */
export function killAllChildren(): void {
  for (const p of live.values()) p.kill();
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', killAllChildren);
}

/**
 * Spawns `bin` with `args` (no shell), stdin closed, stdout piped, stderr kept as a bounded tail.
 * A missing binary surfaces as `SourceError('FFMPEG_MISSING')` in `exited`'s `spawnError`.
 */
export function spawnFfmpeg(args: readonly string[], bin = 'ffmpeg'): FfmpegProcess {
  installExitHook();
  let child: ChildProcessByStdio<null, Readable, Readable>;
  try {
    child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw missing(bin, e);
  }
  let tail = '';
  let killed = false;
  let spawnError: SourceError | undefined;
  // A stream error must not become an uncaught exception; the exit status tells what went wrong.
  child.stdout.on('error', () => {});
  child.stderr.on('error', () => {});
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => {
    tail += d;
    if (tail.length > STDERR_TAIL * 2) tail = tail.slice(-STDERR_TAIL);
  });
  const exited = new Promise<FfmpegExit>((resolve) => {
    child.once('error', (e) => {
      spawnError = missing(bin, e);
      // 'close' still follows an 'error' from spawn; the promise settles there.
    });
    // Dead is dead: drop it from the registry at 'exit'; 'close' additionally waits for stdio to drain.
    child.once('exit', () => {
      if (child.pid !== undefined) live.delete(child.pid);
    });
    child.once('close', (code, signal) => {
      if (child.pid !== undefined) live.delete(child.pid);
      const stderr = tail.slice(-STDERR_TAIL);
      resolve(spawnError ? { code, signal, stderr, killed, spawnError } : { code, signal, stderr, killed });
    });
  });
  const proc: FfmpegProcess = {
    pid: child.pid ?? -1,
    stdout: child.stdout,
    exited,
    kill(): void {
      if (child.exitCode !== null || child.signalCode !== null) return;
      killed = true;
      child.kill('SIGKILL');
    },
    stderrTail: () => tail.slice(-STDERR_TAIL),
  };
  if (child.pid !== undefined) live.set(child.pid, proc);
  return proc;
}

function missing(bin: string, e: unknown): SourceError {
  const msg = e instanceof Error ? e.message : String(e);
  return new SourceError('FFMPEG_MISSING', `cannot run ${bin} (${msg}); install ffmpeg`, { cause: e });
}

/** Runs a short ffmpeg/ffprobe command to completion and collects stdout (probe, single images). */
export async function runFfmpeg(
  args: readonly string[],
  bin = 'ffmpeg',
): Promise<{ out: Buffer; stderr: string; code: number | null }> {
  const p = spawnFfmpeg(args, bin);
  const chunks: Buffer[] = [];
  p.stdout.on('data', (d: Buffer) => chunks.push(d));
  const exit = await p.exited;
  if (exit.spawnError) throw exit.spawnError;
  return { out: Buffer.concat(chunks), stderr: exit.stderr, code: exit.code };
}
