import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lastJsonLine, startCli } from '../helpers/cli.js';
import { type RtspServer, startRtspServer } from '../helpers/rtsp.js';
import { loopVideo, tempDir } from '../helpers/videos.js';

const { dir, cleanup } = tempDir('aupipe-cli-rtsp-');
let server: RtspServer | undefined;
afterAll(async () => {
  await server?.kill();
  cleanup();
});

describe('aupipe run on a live RTSP camera', () => {
  it('reads a real RTSP server until SIGTERM, then exits 0 with faces found and every event ended', async () => {
    // The GStreamer server stops at end of file: pre-loop the sample so the "camera" outlives the test.
    const long = loopVideo('assets/sample.mp4', 3, path.join(dir, 'long.mp4'));
    server = await startRtspServer(long);
    const jsonl = path.join(dir, 'rtsp.jsonl');
    const cli = startCli(['run', '--source', server.url, '--fps', '5', '--jsonl', jsonl]);
    // Stop once a few seconds of live frames have been analysed (polling the JSONL the run writes).
    const deadline = Date.now() + 40_000;
    for (;;) {
      await new Promise((r) => setTimeout(r, 500));
      let aus = 0;
      try {
        aus = readFileSync(jsonl, 'utf8')
          .split('\n')
          .filter((l) => l.includes('"type":"au"')).length;
      } catch {}
      if (aus >= 10 || Date.now() > deadline) break;
    }
    cli.signalGroup('SIGTERM');
    expect(await cli.exited, cli.out.stderr).toBe(0);
    const summary = lastJsonLine(cli.out.stdout);
    expect(summary.frames).toBeGreaterThan(5);
    expect(summary.faces).toBeGreaterThanOrEqual(10);
    const msgs = readFileSync(jsonl, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const states = msgs.filter((m) => m.type === 'status').map((m) => m.state);
    expect(states.slice(0, 2)).toEqual(['connecting', 'live']);
    const started = msgs.filter((m) => m.type === 'emotion' && m.phase === 'start').map((m) => m.id);
    const ended = new Set(msgs.filter((m) => m.type === 'emotion' && m.phase === 'end').map((m) => m.id));
    expect(started.filter((id) => !ended.has(id))).toEqual([]);
    const trackStarts = msgs.filter((m) => m.type === 'track' && m.phase === 'start').length;
    const trackEnds = msgs.filter((m) => m.type === 'track' && m.phase === 'end').length;
    expect(trackEnds).toBe(trackStarts);
  });
});
