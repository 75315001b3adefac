/** The config's public face: the one schema, its loader and the section types other folders name. */
export type { LoadOptions } from './load.js';
export { configLeaves, deepMerge, envName, loadConfig, PACKAGE_ROOT } from './load.js';
export { type Config, type ConfigInput, configSchema } from './schema.js';
export type { AttentionConfig } from './sections/attention.js';
export type { ClusterConfig } from './sections/cluster.js';
export type { OrtProvider } from './sections/provider.js';
export type { RoomsConfig } from './sections/rooms.js';
export type { SinkConfig } from './sections/sink.js';
