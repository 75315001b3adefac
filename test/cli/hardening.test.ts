import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastJsonLine, runCli } from '../helpers/cli.js';
import { makeTestsrc } from '../helpers/videos.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'aupipe-clih-'));
const cut = path.join(tmp, 'cut-midway.mp4');

beforeAll(() => {
  // index first, then the data stops part-way: the first frames decode, then the file breaks off
  const whole = makeTestsrc(path.join(tmp, 'whole.mp4'), { seconds: 4, faststart: true });
  const bytes = readFileSync(whole);
  writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('aupipe CLI: no silent endings, no ignored flags, coded start-up errors', () => {
  it('a video corrupt part-way: frames analysed, then a CORRUPT_INPUT warning, the summary says so, exit 3', async () => {
    const r = await runCli(['run', '--source', cut, '--fps', '5'], { AUPIPE_LOG_LEVEL: 'silent' });
    expect(r.code, r.stderr).toBe(3);
    const s = lastJsonLine(r.stdout);
    expect(s.frames).toBeGreaterThan(0);
    expect(s.source).toMatchObject({ state: 'ended', code: 'CORRUPT_INPUT' });
    // even with logs silenced, one line on stderr says what happened
    expect(r.stderr).toMatch(/^aupipe run: CORRUPT_INPUT: .*truncated or corrupt/m);
  });

  it('--model with the mesh estimator is a usage error (exit 2), not silently ignored', async () => {
    const r = await runCli(['run', '--source', cut, '--model', 'models/au-mobilenet']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/BAD_FLAG: --model .* mesh/);
    expect(r.stdout).toBe('');
  });

  it('serve on a busy port: one coded line (SERVER_PORT_IN_USE), exit 2, no stack', async () => {
    const blocker = createServer();
    await new Promise<void>((res) => blocker.listen(0, '127.0.0.1', res));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = await runCli(['serve', '--port', String(port)], {
        AUPIPE_SERVER_DATA_DIR: path.join(tmp, 'state'),
        AUPIPE_SINK_NATS_ENABLED: 'false',
      });
      expect(r.code, r.stderr).toBe(2);
      expect(
        r.stderr
          .trim()
          .split('\n')
          .filter((l) => l.startsWith('aupipe serve:')),
      ).toEqual([
        expect.stringMatching(/^aupipe serve: SERVER_PORT_IN_USE: port \d+ on 127\.0\.0\.1 is in use/),
      ]);
      expect(r.stderr).not.toMatch(/EADDRINUSE|\n\s+at /);
    } finally {
      blocker.close();
    }
  }, 90_000);

  it('serve on a non-loopback host without a token refuses to start (CONFIG_AUTH_REQUIRED, exit 2)', async () => {
    const r = await runCli(['serve', '--host', '0.0.0.0', '--port', '0'], {
      AUPIPE_SERVER_DATA_DIR: path.join(tmp, 'state'),
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^aupipe serve: CONFIG_AUTH_REQUIRED: server\.host "0\.0\.0\.0"/m);
  });
});
