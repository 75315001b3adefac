// Writes schemas/*.schema.json and docs/messages.md from the zod message schemas (src/schemas).
import { mkdirSync, writeFileSync } from 'node:fs';
import { messagesMarkdown } from '../src/schemas/docs.js';
import { jsonSchemaFiles } from '../src/schemas/json-schema.js';

const dir = new URL('../schemas/', import.meta.url);
mkdirSync(dir, { recursive: true });
for (const [file, text] of Object.entries(jsonSchemaFiles())) writeFileSync(new URL(file, dir), text);
writeFileSync(new URL('../docs/messages.md', import.meta.url), messagesMarkdown());
console.log(`wrote ${Object.keys(jsonSchemaFiles()).length} files to schemas/ and docs/messages.md`);
