import type { z } from 'zod';
import { envName } from './load.js';
import { configSchema } from './schema.js';

/** One documented config key: dotted path, description, default and allowed values/bounds. */
export interface KeyDoc {
  readonly key: string;
  readonly description: string;
  readonly default: unknown;
  readonly allowed: string;
}

interface Def {
  type: string;
  innerType?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  entries?: Record<string, string>;
  checks?: { _zod: { def: { check: string; value?: number; inclusive?: boolean } } }[];
}
const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

function unwrap(s: z.ZodType): z.ZodType {
  let cur = s;
  for (;;) {
    const d = defOf(cur);
    if ((d.type === 'default' || d.type === 'prefault' || d.type === 'optional') && d.innerType)
      cur = d.innerType;
    else return cur;
  }
}

function allowedOf(s: z.ZodType): string {
  const d = defOf(s);
  if (d.type === 'enum' && d.entries) return Object.values(d.entries).join(' | ');
  if (d.type === 'boolean') return 'true | false';
  const parts: string[] = [];
  for (const c of d.checks ?? []) {
    const cd = c._zod.def;
    if (cd.check === 'greater_than') parts.push(`${cd.inclusive ? '>=' : '>'} ${cd.value}`);
    if (cd.check === 'less_than') parts.push(`${cd.inclusive ? '<=' : '<'} ${cd.value}`);
    if (cd.check === 'number_format') parts.push('integer');
  }
  const isInt = parts.includes('integer');
  const bounds = parts.filter((p) => p !== 'integer');
  const kind = isInt ? 'integer' : d.type;
  return bounds.length ? `${kind} ${bounds.join(', ')}` : kind;
}

/** Walks the schema: every leaf key with its description, default and bounds (for docs and the default file). */
export function describeConfig(
  schema: z.ZodType = configSchema,
  prefix = '',
  defaults: unknown = configSchema.parse({}),
): KeyDoc[] {
  const inner = unwrap(schema);
  const d = defOf(inner);
  if (d.type === 'object' && d.shape) {
    return Object.entries(d.shape).flatMap(([k, v]) =>
      describeConfig(v, `${prefix}${k}.`, (defaults as Record<string, unknown>)[k]),
    );
  }
  const description =
    (schema as { description?: string }).description ?? (inner as { description?: string }).description ?? '';
  return [{ key: prefix.slice(0, -1), description, default: defaults, allowed: allowedOf(inner) }];
}

/** The default config as commented YAML: what `config/default.yaml` holds. */
export function defaultConfigYaml(): string {
  const lines = [
    '# aupipe default configuration, generated from the schema in src/config (npm run gen:config).',
    '# Override with --config FILE, AUPIPE_* environment variables (e.g. AUPIPE_INGEST_FPS=15) or CLI flags.',
  ];
  let open: string[] = [];
  for (const doc of describeConfig()) {
    const parts = doc.key.split('.');
    const parents = parts.slice(0, -1);
    // open each mapping the first time a key below it appears
    parents.forEach((p, i) => {
      if (open[i] !== p) {
        open = [...open.slice(0, i), p];
        if (i === 0) lines.push('');
        lines.push(`${'  '.repeat(i)}${p}:`);
      }
    });
    open = open.slice(0, parents.length);
    const indent = '  '.repeat(parents.length);
    lines.push(`${indent}# ${doc.description} (${doc.allowed})`);
    lines.push(`${indent}${parts[parts.length - 1]}: ${JSON.stringify(doc.default)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The configuration reference as a Markdown table: what `docs/config.md` holds. */
export function configReferenceMarkdown(): string {
  const rows = describeConfig().map(
    (d) =>
      `| \`${d.key}\` | \`${envName(d.key)}\` | \`${JSON.stringify(d.default)}\` | ${d.allowed.replaceAll('|', '\\|')} | ${d.description} |`,
  );
  return [
    '# Configuration reference',
    '',
    'Generated from the schema in `src/config` by `npm run gen:config`; a test keeps it in step.',
    'Layers, later wins: `config/default.yaml` < `--config FILE` < `AUPIPE_*` environment variables < CLI flags.',
    "Unknown keys and out-of-range values fail at start with a message naming the key, the value and what is allowed (`AUPIPE_THREADS` and `AUPIPE_QUIET` are the Python trainer's, not config).",
    '',
    '| key | environment | default | allowed | meaning |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}
