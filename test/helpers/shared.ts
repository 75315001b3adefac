/**
 * ../shared beside the repository (real media, the training-time teacher): tests that need it skip with a loud
 * message where it is absent, and fail in CI (CI=true), which always has it.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

export const SHARED_DIR = path.resolve(import.meta.dirname, '..', '..', '..', 'shared');
export const MEDIA_DIR = path.join(SHARED_DIR, 'media');

/** Whether `../shared/<sub>` has every file named; prints why not, and throws in CI. */
export function sharedAvailable(sub: string, files: readonly string[]): boolean {
  const missing = files.filter((f) => !existsSync(path.join(SHARED_DIR, sub, f)));
  if (missing.length === 0) return true;
  const msg = `NOT RUN: ${path.join(SHARED_DIR, sub)} lacks ${missing.join(', ')} (the real media these tests read; see README "Tests")`;
  if (process.env.CI === 'true') throw new Error(msg);
  console.warn(`\n*** ${msg} ***\n`);
  return false;
}
