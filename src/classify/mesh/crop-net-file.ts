/** Opening a crop network's folder (model.json + model.onnx) on onnxruntime-node, with clear errors. */
import { ModelError } from '../../errors.js';
import { CropNet, type CropNetKind, type CropNetOptions, TOOL_OPEN } from './crop-net.js';
import { openModelFolder } from './model-folder.js';

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
  const { dir, card, inference } = await openModelFolder(
    dirIn,
    fail,
    (d, raw) => {
      const checked = CropNet.checkCard(raw, kind);
      if ('problem' in checked) fail(d, 'BAD_CARD', checked.problem);
      return raw;
    },
    o,
    (raw, dir) =>
      typeof (raw as { name?: unknown })?.name === 'string' ? (raw as { name: string }).name : dir,
  );
  return CropNet.create(dir, card, inference, kind, o.maxBatch ?? 16);
}
