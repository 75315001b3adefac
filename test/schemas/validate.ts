/**
 * Validates messages against the exported JSON Schema files in `schemas/` with ajv, independently of
 * the zod schemas they were generated from. For any test: `expect(validateMessage(m)).toEqual([])`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';

const SCHEMA_DIR = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..', 'schemas');

const ajv = new Ajv2020({ allErrors: true, strict: true });
const byFile = new Map<string, object>();
for (const f of readdirSync(SCHEMA_DIR).filter((f) => f.endsWith('.schema.json'))) {
  const schema = JSON.parse(readFileSync(path.join(SCHEMA_DIR, f), 'utf8')) as object;
  byFile.set(f, schema);
  ajv.addSchema(schema, f);
}

/** Problems found validating `msg` against `schemas/<file>` (default: any message); empty when valid. */
export function validateMessage(msg: unknown, file = 'message.schema.json'): string[] {
  const validate = ajv.getSchema(file);
  if (!validate) throw new Error(`no schema file schemas/${file}`);
  if (validate(msg)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? ''}`.trim());
}

/** Throws with every problem listed unless `msg` is a valid message. */
export function assertValidMessage(msg: unknown): void {
  const errors = validateMessage(msg);
  if (errors.length) throw new Error(`invalid message ${JSON.stringify(msg)}:\n  ${errors.join('\n  ')}`);
}

export const schemaFiles = (): readonly string[] => [...byFile.keys()];
