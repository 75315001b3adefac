import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { type Config, configSchema } from './schema.js';

type Plain = { [k: string]: unknown };
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Deep-merges `over` onto `base`; plain objects merge key by key, anything else replaces. */
export function deepMerge(base: Plain, over: Plain): Plain {
  const out: Plain = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    const b = out[k];
    out[k] = isPlain(b) && isPlain(v) ? deepMerge(b, v) : v;
  }
  return out;
}

/** Every leaf of the default config as [dotted path, default value]. */
export function configLeaves(obj: Plain = configSchema.parse({}) as Plain, prefix = ''): [string, unknown][] {
  return Object.entries(obj).flatMap(([k, v]) =>
    isPlain(v) ? configLeaves(v, `${prefix}${k}.`) : [[`${prefix}${k}`, v] as [string, unknown]],
  );
}

/** `ingest.stallTimeoutMs` → `AUPIPE_INGEST_STALL_TIMEOUT_MS`. */
export function envName(dotted: string): string {
  return `AUPIPE_${dotted
    .split('.')
    .map((p) => p.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase())
    .join('_')}`;
}

function setPath(obj: Plain, dotted: string, value: unknown): void {
  const parts = dotted.split('.');
  let cur = obj;
  for (const p of parts.slice(0, -1)) {
    if (!isPlain(cur[p])) cur[p] = {};
    cur = cur[p] as Plain;
  }
  cur[parts[parts.length - 1]!] = value;
}

function getPath(obj: unknown, parts: readonly PropertyKey[]): unknown {
  let cur = obj;
  for (const p of parts) cur = isPlain(cur) ? cur[p as string] : undefined;
  return cur;
}

/**
 * AUPIPE_* variables that are not pipeline config: the Python trainer's (training/README.md). Scripts that
 * set them for a training sweep also call the CLI (dataset building), so they must not fail it.
 */
export const TRAINER_ENV: ReadonlySet<string> = new Set(['AUPIPE_THREADS', 'AUPIPE_QUIET']);

/** Reads AUPIPE_* variables, typed by the default value of the key they name. Unknown names fail. */
export function envOverrides(env: NodeJS.ProcessEnv): Plain {
  const byName = new Map(configLeaves().map(([k, v]) => [envName(k), [k, v] as const]));
  const out: Plain = {};
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('AUPIPE_') || raw === undefined || TRAINER_ENV.has(name)) continue;
    const leaf = byName.get(name);
    if (!leaf) {
      throw new ConfigError(
        'CONFIG_UNKNOWN_ENV',
        `environment variable ${name} names no config key (known: ${[...byName.keys()].slice(0, 5).join(', ')}, …; see README "Configuration")`,
      );
    }
    const [key, def] = leaf;
    let value: unknown = raw;
    if (typeof def === 'number') value = raw.trim() === '' ? Number.NaN : Number(raw);
    else if (typeof def === 'boolean') {
      if (!/^(true|false|1|0)$/i.test(raw)) {
        throw new ConfigError(
          'CONFIG_INVALID',
          `config key "${key}" (from ${name}): value "${raw}" is not allowed: expected true or false`,
        );
      }
      value = /^(true|1)$/i.test(raw);
    }
    setPath(out, key, value);
  }
  return out;
}

function readConfigFile(file: string): Plain {
  if (!existsSync(file)) throw new ConfigError('CONFIG_NOT_FOUND', `config file ${file} does not exist`);
  let data: unknown;
  try {
    data = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(
      'CONFIG_PARSE',
      `config file ${file} is not valid YAML/JSON: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  if (data == null) return {};
  if (!isPlain(data))
    throw new ConfigError('CONFIG_INVALID', `config file ${file} must hold a mapping at the top level`);
  return data;
}

/** Turns zod issues into one message naming each key, its value and what is allowed. */
export function formatIssues(error: z.ZodError, input: unknown): string {
  return error.issues
    .map((issue) => {
      const key = issue.path.join('.') || '(root)';
      if (issue.code === 'unrecognized_keys') {
        const where = issue.path.length ? `under "${key}"` : 'at the top level';
        return `unknown config key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')} ${where}`;
      }
      const value = getPath(input, issue.path);
      return `config key "${key}": value ${JSON.stringify(value)} is not allowed: ${issue.message}`;
    })
    .join('\n');
}

export interface LoadOptions {
  /** Extra config file (`--config FILE`). */
  readonly file?: string;
  /** Overrides from CLI flags, as a partial config object. */
  readonly overrides?: Plain;
  readonly env?: NodeJS.ProcessEnv;
  /** Base default file; `config/default.yaml` in the package root unless given. */
  readonly defaultFile?: string | null;
}

export const PACKAGE_ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');

/** Loads default file < --config file < environment < flags, and validates once. */
export function loadConfig(opts: LoadOptions = {}): Config {
  const defaultFile =
    opts.defaultFile === undefined ? path.join(PACKAGE_ROOT, 'config', 'default.yaml') : opts.defaultFile;
  let merged: Plain = {};
  if (defaultFile && existsSync(defaultFile)) merged = deepMerge(merged, readConfigFile(defaultFile));
  if (opts.file) merged = deepMerge(merged, readConfigFile(opts.file));
  merged = deepMerge(merged, envOverrides(opts.env ?? process.env));
  if (opts.overrides) merged = deepMerge(merged, opts.overrides);
  const result = configSchema.safeParse(merged);
  if (!result.success) throw new ConfigError('CONFIG_INVALID', formatIssues(result.error, merged));
  return result.data;
}
