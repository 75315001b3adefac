/** The one ffmpeg wrapper for bounded runs: stdin in, stdout collected, failures classified or left to the caller. */
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readFrames } from '../../src/dataset/video.js';
import { classifyStderr, liveChildPids, runFfmpeg } from '../../src/ingest/index.js';
import { tempDir } from '../helpers/videos.js';

describe('runFfmpeg', () => {
  it('feeds stdin, collects stdout, and leaves no child behind', async () => {
    const rgb = new Uint8Array(4 * 2 * 3).fill(200);
    const args = ['-v', 'error', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', '4x2', '-i', '-'];
    const { stdout, exit } = await runFfmpeg([...args, '-f', 'rawvideo', '-pix_fmt', 'gray', '-'], {
      stdin: rgb,
    });
    expect(exit.code).toBe(0);
    expect(stdout.length).toBe(8);
    expect(liveChildPids()).toEqual([]);
  });

  it('a failed run resolves with its stderr, which classifies into a source error code', async () => {
    const tmp = tempDir('aupipe-ffrun-');
    try {
      const txt = `${tmp.dir}/noise.bin`;
      writeFileSync(
        txt,
        Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251),
      );
      const { exit } = await runFfmpeg(['-v', 'error', '-i', txt, '-f', 'null', '-']);
      expect(exit.code).not.toBe(0);
      expect(classifyStderr(exit.stderr).code).toBe('NOT_A_VIDEO');
      // the DISFA reader runs through the same wrapper and says so with a code
      await expect(readFrames(txt).next()).rejects.toMatchObject({ code: 'NOT_A_VIDEO' });
    } finally {
      tmp.cleanup();
    }
  });

  it('a missing binary is FFMPEG_MISSING', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(runFfmpeg(['-version'])).rejects.toMatchObject({ code: 'FFMPEG_MISSING' });
    } finally {
      process.env.PATH = path;
    }
  });
});
