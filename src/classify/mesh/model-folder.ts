/**
 * Opening a model folder (`model.json` + `model.onnx`) on onnxruntime-node with coded errors, shared by the crop
 * nets and the mesh student: the folder resolved (working directory, then the package), both files present, the
 * card parsed and checked by the caller before the graph is loaded, then the session opened. `fail` builds the
 * caller's error (its code prefix: LANDMARKS_…, STUDENT_…) with the suffixes NOT_FOUND, MISSING_FILE, BAD_CARD,
 * CORRUPT_ONNX, PROVIDER_UNAVAILABLE.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Inference, type OpenOptions, OrtOpenError, openOrtInference } from '../../runtime/index.js';
import { resolveModelDir } from '../bundle.js';

export type FolderFail = (dir: string, code: string, problem: string, cause?: unknown) => never;

export async function openModelFolder<C>(
  dirIn: string,
  fail: FolderFail,
  /** Checks the parsed card (throwing through `fail`) and returns what the caller keeps of it. */
  check: (dir: string, raw: unknown) => C,
  o: OpenOptions,
  /** Prefix of the session's log lines, from the checked card. */
  logName?: (card: C, dir: string) => string,
): Promise<{ dir: string; card: C; inference: Inference }> {
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
  const card = check(dir, raw);
  const name = logName?.(card, dir);
  try {
    const { inference } = await openOrtInference(readFileSync(join(dir, 'model.onnx')), {
      ...o,
      ...(name !== undefined && { log: (m: string) => o.log?.(`${name}: ${m}`) }),
    });
    return { dir, card, inference };
  } catch (e) {
    if (!(e instanceof OrtOpenError)) throw e;
    return fail(dir, e.kind === 'corrupt' ? 'CORRUPT_ONNX' : 'PROVIDER_UNAVAILABLE', e.message, e);
  }
}
