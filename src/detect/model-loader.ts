import { readFile } from 'node:fs/promises';
import path from 'node:path';

/** The slice of tfjs-core's `io` namespace this loader needs (kept structural: no tfjs types leak out). */
export interface TfIo {
  registerLoadRouter(router: (url: string | string[]) => unknown): void;
}

interface WeightsGroup {
  paths: string[];
  weights: unknown[];
}

/** Marks a model path as local so that our router, and only it, claims it. */
export const LOCAL_SCHEME = 'aupipe-local://';

/**
 * Registers a tfjs load router that reads graph models (model.json + shards) from disk.
 * Node's fetch rejects file:// URLs and we must never fetch models over a network, so model paths
 * are given as `aupipe-local:///abs/path/model.json` and served from the file system.
 */
export function registerLocalModelLoader(io: TfIo): void {
  io.registerLoadRouter((url) => {
    if (typeof url !== 'string' || !url.startsWith(LOCAL_SCHEME)) return null;
    const file = url.slice(LOCAL_SCHEME.length);
    return { load: () => loadArtifacts(file) };
  });
}

async function loadArtifacts(file: string): Promise<Record<string, unknown>> {
  const json = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  const groups = (json.weightsManifest ?? []) as WeightsGroup[];
  const dir = path.dirname(file);
  const shards = await Promise.all(groups.flatMap((g) => g.paths.map((p) => readFile(path.join(dir, p)))));
  const total = shards.reduce((n, b) => n + b.length, 0);
  const weightData = new Uint8Array(total);
  let off = 0;
  for (const b of shards) {
    weightData.set(b, off);
    off += b.length;
  }
  return {
    modelTopology: json.modelTopology,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy,
    signature: json.signature,
    userDefinedMetadata: json.userDefinedMetadata,
    modelInitializer: json.modelInitializer,
    weightSpecs: groups.flatMap((g) => g.weights),
    weightData: weightData.buffer,
  };
}
