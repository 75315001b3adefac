import { spawn } from 'node:child_process';
import type { RunSummary } from '../../src/summary.js';

/** A running `aupipe` CLI process (the real bin, through tsx) with its output collected as it arrives. */
export interface CliProcess {
  readonly pid: number;
  /** Everything printed so far. */
  readonly out: { stdout: string; stderr: string };
  /** Resolves with the exit code once the process has closed its output. */
  readonly exited: Promise<number | null>;
  /** Signals the whole process group, as a terminal's Ctrl-C (SIGINT) does. */
  signalGroup(sig: NodeJS.Signals): void;
}

/** Starts the CLI in its own process group with warn-level logs (plus `env`). */
export function startCli(args: readonly string[], env: Record<string, string> = {}): CliProcess {
  const child = spawn(process.execPath, ['bin/aupipe.mjs', ...args], {
    env: { ...process.env, AUPIPE_LOG_LEVEL: 'warn', ...env },
    detached: true,
  });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d) => {
    out.stdout += d;
  });
  child.stderr.on('data', (d) => {
    out.stderr += d;
  });
  return {
    pid: child.pid ?? -1,
    out,
    exited: new Promise((resolve) => child.on('close', resolve)),
    signalGroup: (sig) => process.kill(-(child.pid ?? 0), sig),
  };
}

/** Runs the CLI to its end: exit code and output. */
export async function runCli(
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = startCli(args, env);
  const code = await p.exited;
  return { code, ...p.out };
}

/** The last line of stdout parsed as JSON (the run summary). */
export const lastJsonLine = (stdout: string): RunSummary => JSON.parse(stdout.trim().split('\n').pop()!);
