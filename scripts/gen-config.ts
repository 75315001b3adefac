// Regenerates config/default.yaml and docs/config.md from the config schema (the single source of truth).
import { mkdirSync, writeFileSync } from 'node:fs';
import { configReferenceMarkdown, defaultConfigYaml } from '../src/config/describe.js';

writeFileSync(new URL('../config/default.yaml', import.meta.url), defaultConfigYaml());
mkdirSync(new URL('../docs/', import.meta.url), { recursive: true });
writeFileSync(new URL('../docs/config.md', import.meta.url), configReferenceMarkdown());
console.log('wrote config/default.yaml and docs/config.md');
