/** Reading the AU → emotion rule file (YAML or JSON) from disk; the rules themselves are in rules.ts. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { PACKAGE_ROOT } from '../config/index.js';
import { ConfigError } from '../errors.js';
import { parseRules, type Rules } from './rules.js';

/** Resolves a rule file path: as given if it exists, else relative to the package root. */
export function resolveRulesPath(file: string): string {
  if (path.isAbsolute(file) || existsSync(file)) return file;
  const fromRoot = path.join(PACKAGE_ROOT, file);
  return existsSync(fromRoot) ? fromRoot : file;
}

/** Reads, parses and validates a rule file (YAML or JSON). Fails with a message naming file, rule and problem. */
export function loadRules(file: string): Rules {
  const resolved = resolveRulesPath(file);
  if (!existsSync(resolved)) {
    throw new ConfigError('RULES_NOT_FOUND', `emotion rule file ${file} does not exist`);
  }
  let data: unknown;
  try {
    data = parseYaml(readFileSync(resolved, 'utf8'));
  } catch (err) {
    throw new ConfigError(
      'RULES_PARSE',
      `emotion rule file ${resolved} is not valid YAML: ${(err as Error).message}`,
      { cause: err },
    );
  }
  return parseRules(data, resolved);
}
