/** JSON Schema documents exported from the zod message schemas (what `schemas/*.schema.json` hold). */
import { z } from 'zod';
import { SCHEMA_VERSION } from '../types.js';
import { MESSAGE_SCHEMAS, type MessageType, messageSchema } from './messages.js';

export const SCHEMA_ID_BASE = 'urn:aupipe:schema';
export const MESSAGE_FILE = 'message.schema.json';

function toJson(schema: z.ZodType, id: string, title: string): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'output' }) as Record<string, unknown>;
  return { $schema: json.$schema, $id: `${SCHEMA_ID_BASE}:${id}:v${SCHEMA_VERSION}`, title, ...json };
}

/** File name → JSON Schema document, for every message type and for the union of all. */
export function jsonSchemas(): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [type, { schema, file, title }] of Object.entries(MESSAGE_SCHEMAS) as [
    MessageType,
    (typeof MESSAGE_SCHEMAS)[MessageType],
  ][]) {
    out[file] = toJson(schema, type, title);
  }
  out[MESSAGE_FILE] = toJson(messageSchema, 'message', 'Message');
  return out;
}

/** The exact text written to each file (stable key order, 2-space indent, trailing newline). */
export function jsonSchemaFiles(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(jsonSchemas()).map(([f, s]) => [f, `${JSON.stringify(s, null, 2)}\n`]),
  );
}
