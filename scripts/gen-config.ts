// Regenerates config/default.yaml from the config schema (the single source of truth).
import { writeFileSync } from 'node:fs';
import { defaultConfigYaml } from '../src/config/describe.js';

writeFileSync(new URL('../config/default.yaml', import.meta.url), defaultConfigYaml());
console.log('wrote config/default.yaml');
