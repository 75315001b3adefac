import { type ChildProcess, spawn } from 'node:child_process';
import type { Socket } from 'node:net';
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
  /** Null when stdout was handed a socket of ours (see openReadChannel). */
  readonly stdout: Readable | null;
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

export interface SpawnOptions {
  readonly bin?: 'ffmpeg' | 'ffprobe';
  /** A socket to use as the child's stdout instead of a pipe. */
  readonly stdout?: Socket;
  /** Bytes written to the child's stdin, which is then closed (default: stdin closed from the start). */
  readonly stdin?: Uint8Array;
}

/**
 * The one way aupipe runs ffmpeg and ffprobe (live and file decoding, probing, stills, DISFA videos,
 * JPEG round trips): spawns `args` (no shell), stdin closed (or fed `opts.stdin`), stdout piped (or the
 * given socket), stderr kept as a bounded tail. A missing binary surfaces as
 * `SourceError('FFMPEG_MISSING')` in `exited`'s `spawnError`; `classifyStderr` turns a failed exit's
 * stderr into a SourceErrorCode.
 */
export function spawnFfmpeg(args: readonly string[], opts: SpawnOptions = {}): FfmpegProcess {
  installExitHook();
  const bin = opts.bin ?? 'ffmpeg';
  let child: ChildProcess;
  try {
    // Own process group: a terminal's Ctrl-C reaches only us, and we stop ffmpeg after the pipeline
    // has ended its events (the exit hook above kills any child still running).
    child = spawn(bin, args, {
      stdio: [opts.stdin ? 'pipe' : 'ignore', opts.stdout ?? 'pipe', 'pipe'],
      detached: true,
    });
  } catch (e) {
    throw missing(bin, e);
  }
  let tail = '';
  let killed = false;
  let spawnError: SourceError | undefined;
  // A stream error must not become an uncaught exception; the exit status tells what went wrong.
  child.stdout?.on('error', () => {});
  if (opts.stdin) {
    child.stdin?.on('error', () => {}); // a child that exits early closes its stdin: its exit says why
    child.stdin?.end(opts.stdin);
  }
  child.stderr?.on('error', () => {});
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => {
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

/** A finished ffmpeg/ffprobe run: all of stdout, and how it exited. */
export interface FfmpegResult {
  readonly stdout: Buffer;
  readonly exit: FfmpegExit;
}

/**
 * Runs ffmpeg (or ffprobe) to completion, collecting stdout (for bounded outputs: stills, probes, one
 * encoded image). Rejects only when the binary cannot run (FFMPEG_MISSING); a failed exit is the
 * caller's to judge (`exit.code`, `ffmpegError`).
 */
export async function runFfmpeg(args: readonly string[], opts: SpawnOptions = {}): Promise<FfmpegResult> {
  const proc = spawnFfmpeg(args, opts);
  const chunks: Buffer[] = [];
  proc.stdout?.on('data', (d: Buffer) => chunks.push(d));
  const exit = await proc.exited;
  if (exit.spawnError) throw exit.spawnError;
  return { stdout: Buffer.concat(chunks), exit };
}
