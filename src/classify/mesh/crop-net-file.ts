/** Opening a crop network's folder (model.json + model.onnx) on onnxruntime-node, with clear errors. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModelError } from '../../errors.js';
import { OrtOpenError, openOrtInference } from '../../runtime/index.js';
import { resolveModelDir } from '../bundle.js';
import { CropNet, type CropNetKind, type CropNetOptions, TOOL_OPEN } from './crop-net.js';

/** Opens `dirIn` (relative: from the working directory, then from the package). Throws a ModelError. */
export async function openCropNet(
  dirIn: string,
  kind: CropNetKind,
  o: CropNetOptions = TOOL_OPEN,
): Promise<CropNet> {
  const fail = (dir: string, code: string, problem: string, cause?: unknown): never => {
    throw new ModelError(
      `${kind.code}_${code}`,
      `${kind.what} ${dir}: ${problem}`,
      cause === undefined ? undefined : { cause },
    );
  };
  const { dir, tried } = resolveModelDir(dirIn);
  if (!existsSync(dir)) fail(tried, 'NOT_FOUND', 'no such folder');
  for (const f of ['model.json', 'model.onnx'])
    if (!existsSync(join(dir, f))) fail(dir, 'MISSING_FILE', `missing ${f}`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  } catch (e) {
    return fail(dir, 'BAD_CARD', `model.json is not valid JSON (${(e as Error).message})`, e);
  }
  const checked = CropNet.checkCard(raw, kind);
  if ('problem' in checked) return fail(dir, 'BAD_CARD', checked.problem);
  const name = typeof (raw as { name?: unknown })?.name === 'string' ? (raw as { name: string }).name : dir;
  let inference: Awaited<ReturnType<typeof openOrtInference>>['inference'];
  try {
    ({ inference } = await openOrtInference(readFileSync(join(dir, 'model.onnx')), {
      ...o,
      log: (m) => o.log?.(`${name}: ${m}`),
    }));
  } catch (e) {
    if (!(e instanceof OrtOpenError)) throw e;
    return fail(dir, e.kind === 'corrupt' ? 'CORRUPT_ONNX' : 'PROVIDER_UNAVAILABLE', e.message, e);
  }
  return CropNet.create(dir, raw, inference, kind, o.maxBatch ?? 16);
}
