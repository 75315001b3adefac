import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AupipeError } from '../errors.js';
import { probe } from '../ingest/index.js';

/** An upload refused with the HTTP status that says why. */
export type UploadErrorCode = 'UPLOAD_EMPTY' | 'UPLOAD_NOT_VIDEO' | 'UPLOAD_TOO_LARGE';

export class UploadError extends AupipeError<UploadErrorCode> {
  constructor(
    readonly status: 400 | 413 | 415,
    code: UploadErrorCode,
    message: string,
  ) {
    super(code, message);
  }
}

/**
 * The stored name never derives from the client's file name (so `../` cannot escape the folder); only
 * a short alphanumeric extension is kept, to help humans and ffprobe's format guess.
 */
export function storedName(clientName: string | undefined): string {
  const ext = path.extname(path.basename(clientName ?? '')).toLowerCase();
  return `${randomUUID()}${/^\.[a-z0-9]{1,5}$/.test(ext) ? ext : '.bin'}`;
}

/** Streams `body` into `dir` under a generated name, at most `maxBytes`; returns the path. */
export async function storeUpload(
  body: Readable,
  dir: string,
  clientName: string | undefined,
  maxBytes: number,
): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, storedName(clientName));
  let n = 0;
  let tooLarge = false;
  const limit = async function* (src: AsyncIterable<Buffer>) {
    for await (const chunk of src) {
      n += chunk.length;
      if (n > maxBytes) {
        tooLarge = true;
        throw new UploadError(
          413,
          'UPLOAD_TOO_LARGE',
          `upload exceeds ${maxBytes} bytes (server.maxUploadBytes)`,
        );
      }
      yield chunk;
    }
  };
  try {
    await pipeline(body, limit, createWriteStream(file, { flags: 'wx' }));
  } catch (err) {
    rmSync(file, { force: true });
    if (tooLarge) body.resume(); // drain the rest so the client can read the 413
    throw err;
  }
  if (n === 0) {
    rmSync(file, { force: true });
    throw new UploadError(
      400,
      'UPLOAD_EMPTY',
      'empty upload: send the video as the request body or a multipart "file" field',
    );
  }
  return file;
}

/** Removes every file in the upload folder but `keep` (start-up: orphans of an earlier run); returns the count. */
export function removeUploads(dir: string, keep: ReadonlySet<string> = new Set()): number {
  let n = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    const f = path.join(dir, name);
    if (keep.has(f)) continue;
    rmSync(f, { force: true, recursive: true });
    n++;
  }
  return n;
}

/** Keeps the file only if ffprobe finds a video stream in it; otherwise deletes it and throws 415. */
export async function checkVideo(
  file: string,
): Promise<{ width: number; height: number; durationMs: number }> {
  try {
    const p = await probe(file, { timeoutMs: 15_000 });
    if (!(p.width > 0 && p.height > 0)) throw new Error('no video stream');
    return { width: p.width, height: p.height, durationMs: p.durationMs };
  } catch (err) {
    rmSync(file, { force: true });
    // ffprobe's messages name the stored file: say why without the server's paths
    const why = ((err as Error).message.split('\n')[0] ?? '')
      .replaceAll(file, 'the upload')
      .replaceAll(path.dirname(file), '…')
      .replace(/(?:\/[^\s/:'"]+)+\/?/g, '…');
    throw new UploadError(
      415,
      'UPLOAD_NOT_VIDEO',
      `not a video ffmpeg can read (${why}): upload an MP4, MKV, MOV, AVI or WebM file`,
    );
  }
}
