import { describe, expect, it } from 'vitest';
import { startCli } from '../helpers/cli.js';

describe('aupipe demo (the README first command)', () => {
  it('serves the bundled sample as a live stream with an embedded NATS, then stops cleanly on a terminal Ctrl-C', async () => {
    const cli = startCli(['demo', '--port', '0'], {
      AUPIPE_SERVER_DATA_DIR: `/tmp/aupipe-demo-test-${process.pid}`,
    });
    const { out } = cli;
    const deadline = Date.now() + 45_000;
    while (!/dashboard\s+(http:\S+)/.test(out.stdout) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    const url = /dashboard\s+(http:\S+?)\/?\n/.exec(out.stdout)?.[1];
    expect(url, out.stderr).toBeDefined();
    expect(out.stdout).toMatch(/NATS\s+nats:\/\/127\.0\.0\.1:\d+ \(embedded\)/);
    // wait until the sample stream has analysed frames and found a face
    let stream: { id: string; state: string; frames: number; activeTracks: number[] } | undefined;
    while (Date.now() < deadline) {
      const body = (await (await fetch(`${url}/api/streams`)).json()) as { streams: (typeof stream)[] };
      stream = body.streams.find((s) => s?.id === 'sample');
      if (stream && stream.frames > 10 && stream.activeTracks.length > 0) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(stream?.state).toBe('live');
    expect(stream?.activeTracks.length).toBeGreaterThan(0);
    const page = await (await fetch(`${url}/`)).text();
    expect(page).toContain('aupipe');
    // Ctrl-C in a terminal signals the whole process group (ffmpeg and nats-server included)
    cli.signalGroup('SIGINT');
    expect(await cli.exited, out.stderr).toBe(0);
    expect(out.stderr).not.toMatch(/NATS disconnected/);
  });
});
