export type { LoadOptions } from './load.js';
export { configLeaves, deepMerge, envName, loadConfig, PACKAGE_ROOT } from './load.js';
export { type Config, type ConfigInput, configSchema } from './schema.js';
