import { type Command, type CommanderError, InvalidArgumentError } from 'commander';
import { type Config, loadConfig } from '../config/index.js';
import { AupipeError } from '../errors.js';

type Plain = { [k: string]: unknown };

/** Sets `obj[a][b]… = value` for a dotted key, skipping undefined values (flags not given). */
export function setIn(obj: Plain, dotted: string, value: unknown): void {
  if (value === undefined) return;
  const parts = dotted.split('.');
  let cur = obj;
  for (const p of parts.slice(0, -1)) {
    cur[p] ??= {};
    cur = cur[p] as Plain;
  }
  cur[parts[parts.length - 1]!] = value;
}

/** Loads the config once, at the edge: default file < --config < env < the given flag overrides. */
export function configFrom(
  opts: { config?: string; logLevel?: string },
  flags: Record<string, unknown>,
): Config {
  const overrides: Plain = {};
  for (const [key, value] of Object.entries(flags)) setIn(overrides, key, value);
  setIn(overrides, 'logLevel', opts.logLevel);
  const config = loadConfig({ ...(opts.config ? { file: opts.config } : {}), overrides });
  checkFlagsUsed(config, flags);
  return config;
}

/** A flag the chosen configuration would ignore is a usage error (exit 2), never silently dropped. */
export function checkFlagsUsed(config: Config, flags: Record<string, unknown>): void {
  if (flags['classify.model'] !== undefined && config.classify.estimator === 'mesh')
    throw new AupipeError(
      'BAD_FLAG',
      '--model names a CNN bundle, but the AU estimator is mesh, which does not use one: add --estimator cnn or --estimator fusion, or drop --model',
    );
}

/** Parses a numeric flag; the config schema checks its bounds. */
/**
 * Parses a numeric flag. A non-number is a usage error that commander reports with the option's name (exit 2,
 * see cli.ts); range checks are the config schema's, applied when the flags are layered over the config.
 */
export const num = (v: string): number => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`"${v}" is not a number`);
  return n;
};

/** Exit status of commander's own outcomes: help and version are not errors; any usage error exits 2. */
export function commanderExit(err: CommanderError): number {
  return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0
    ? 0
    : 2;
}

/** Adds the flags every command shares. */
export function withCommon(cmd: Command): Command {
  return cmd
    .option('-c, --config <file>', 'config file (YAML or JSON) layered over config/default.yaml')
    .option('--log-level <level>', 'debug | info | warn | error | silent');
}

/** Prints a failure the way every command does and returns the exit code. */
export function reportError(command: string, err: unknown): number {
  if (err instanceof AupipeError) {
    process.stderr.write(`aupipe ${command}: ${err.code}: ${err.message}\n`);
    return err.code.startsWith('CONFIG') || err.code === 'BAD_FLAG' || err.code === 'SERVER_PORT_IN_USE'
      ? 2
      : 1;
  }
  process.stderr.write(`aupipe ${command}: ${(err as Error)?.stack ?? String(err)}\n`);
  return 1;
}
