/** Tiny benchmark harness: result type, timing helpers, a table on stdout and a JSON record on disk. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';

export interface BenchResult {
  /** Dotted id, stage first: `ingest.node.frames_per_s`. */
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** What is measured, when the name alone does not say (e.g. 'throughput', 'latency'). */
  readonly metric?: string;
  /** The same quantity for the reference this result is compared with, measured in the same run. */
  readonly baseline?: number;
  /** value / baseline. */
  readonly ratio?: number;
  /** Goal for this number, e.g. '>= 0.85'. */
  readonly target?: string;
  readonly note?: string;
}

export interface BenchOptions {
  /** Shorter inputs and fewer repeats (CI smoke runs). */
  readonly quick: boolean;
  /** Valued options given after the stage names (`--streams 8`, `--minutes=60`), by name. */
  readonly args?: Readonly<Record<string, string>>;
}

/** Valued options (`--name value` or `--name=value`, for the names in `valued`) and the rest of argv. */
export function parseBenchArgs(
  argv: readonly string[],
  valued: readonly string[],
): { args: Record<string, string>; rest: string[] } {
  const args: Record<string, string> = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    if (m && valued.includes(m[1]!)) {
      const v = m[2] ?? argv[++i];
      if (v === undefined) throw new Error(`bench: --${m[1]} needs a value`);
      args[m[1]!] = v;
    } else rest.push(a);
  }
  return { args, rest };
}

/** What every bench/<stage>.ts exports. */
export interface BenchModule {
  run(opts: BenchOptions): Promise<BenchResult[]>;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Wall-clock milliseconds of an async task. */
export async function timeMs(task: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await task();
  return performance.now() - t0;
}

function fmt(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return '';
  const a = Math.abs(x);
  return a >= 1000 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : x.toFixed(3);
}

/** Prints results as an aligned text table. */
export function printTable(results: readonly BenchResult[], out: (s: string) => void = console.log): void {
  const rows = [
    ['name', 'value', 'unit', 'baseline', 'ratio', 'target', 'note'],
    ...results.map((r) => [
      r.name,
      fmt(r.value),
      r.unit,
      fmt(r.baseline),
      fmt(r.ratio),
      r.target ?? '',
      r.note ?? '',
    ]),
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  for (const [i, row] of rows.entries()) {
    out(
      row
        .map((cell, c) =>
          c === 1 || c === 3 || c === 4 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!),
        )
        .join('  ')
        .trimEnd(),
    );
    if (i === 0) out(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

export interface MachineInfo {
  readonly cpu: string;
  readonly cores: number;
  readonly memGiB: number;
  readonly node: string;
  readonly platform: string;
  readonly ort?: Record<string, string>;
  /** 1-minute load average when the run started: a busy machine skews every number. */
  readonly load1: number;
}

export async function machineInfo(): Promise<MachineInfo> {
  const c = cpus();
  let ort: Record<string, string> | undefined;
  try {
    const mod = (await import('onnxruntime-node')) as { env?: { versions?: Record<string, string> } };
    ort = mod.env?.versions ? { ...mod.env.versions } : undefined;
  } catch {
    ort = undefined; // not installed: the record just lacks it
  }
  return {
    cpu: c[0]?.model.trim() ?? 'unknown',
    cores: c.length,
    memGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    ...(ort ? { ort } : {}),
    load1: loadavg()[0] ?? 0,
  };
}

/** Writes `{ date, quick, machine, results }` to `<dir>/<timestamp>.json` and returns the path. */
export function writeResults(
  dir: string,
  machine: MachineInfo,
  results: readonly BenchResult[],
  quick: boolean,
  now = new Date(),
): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${now.toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify({ date: now.toISOString(), quick, machine, results }, null, 2)}\n`);
  return file;
}
