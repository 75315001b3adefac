import path from 'node:path';
import type { Browser } from 'playwright-core';
import { concat, NEVER, of, takeUntil } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSinks } from '../../src/compose.js';
import { parseSource } from '../../src/ingest/index.js';
import { type AupipeServer, createServer } from '../../src/server/index.js';
import { type Message, SCHEMA_VERSION } from '../../src/types.js';
import { launchChromium } from '../helpers/browser.js';
import { emotionEvent } from '../helpers/messages.js';
import { ingestOnlyFactory, testConfig } from '../helpers/service.js';
import { tempDir } from '../helpers/videos.js';

const READ = 'dashboard-read-token-01';
// an hour ago: a replayed status must show this time, not the time the page loaded
const PAST = Date.now() - 3_600_000;

describe('dashboard (Chromium): token, failed camera, own timestamps, per-stream log, favicon', () => {
  const tmp = tempDir('aupipe-dash-');
  let srv: AupipeServer;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    const config = testConfig(path.join(tmp.dir, 'state'), {
      server: { auth: { tokens: [{ token: READ, scope: 'read' }] }, rtspAllowHosts: ['127.0.0.1'] },
      ingest: { reconnect: { connectAttempts: 1 }, connectTimeoutMs: 2000 },
    });
    const { hub } = await createSinks(config, undefined, { ws: true });
    const real = ingestOnlyFactory(config);
    srv = createServer({
      config,
      hub: hub!,
      factory: (id, spec, o) => {
        if (id !== 'old') return real(id, spec, o);
        const status: Message = {
          v: SCHEMA_VERSION,
          type: 'status',
          streamId: 'old',
          state: 'live',
          atMs: PAST,
        };
        return concat(of(status, { ...emotionEvent('old', 1), startMs: 12_000 }), NEVER).pipe(
          takeUntil(o.stop$),
        );
      },
    });
    base = await srv.listen();
    srv.manager.add(parseSource('rtsp://127.0.0.1:1/cam'), { id: 'cam' }); // nothing listens: refused
    srv.manager.add(parseSource(path.resolve('assets/sample.mp4')), { id: 'old' });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await srv?.close();
    tmp.cleanup();
  });

  it('works with the token from ?token=, shows why a camera failed, stamps and filters events', async () => {
    const page = await browser.newPage();
    const notFound: string[] = [];
    page.on('response', (r) => {
      if (r.status() >= 400) notFound.push(`${r.status()} ${r.url()}`);
    });
    await page.goto(`${base}/?token=${READ}`);
    // the token leaves the address bar but stays for the tab
    await page.waitForFunction(() => !location.search.includes('token'));
    await page.waitForSelector('#conn.conn-ok', { timeout: 10_000 });
    const why = await page.waitForSelector('[data-stream-id="cam"] .why', { timeout: 20_000 });
    expect(await why.textContent()).toMatch(/^SOURCE_UNREACHABLE: .*refused/i);
    expect(await page.textContent('[data-stream-id="cam"] .pill')).toBe('failed');
    await page.waitForSelector('.ev-failed');

    // replayed after a reload, without ?token= (sessionStorage), and still with the messages' own times
    await page.reload();
    await page.waitForSelector('#conn.conn-ok', { timeout: 10_000 });
    await page.waitForSelector('.ev-emotion[data-stream-id="old"]');
    const statusTime = await page.$eval('.ev-status[data-stream-id="old"] time', (t) => t.textContent);
    const browserPast = await page.evaluate(
      (ms) =>
        new Date(ms).toLocaleTimeString([], {
          hourCycle: 'h23',
          hour: '2-digit',
          minute: '2-digit',
          second: '2-digit',
        }),
      PAST,
    );
    expect(statusTime).toBe(browserPast);
    expect(await page.$eval('.ev-emotion[data-stream-id="old"] time', (t) => t.textContent)).toBe('▶ 0:12');

    // the log can show one stream only
    expect(await page.$$eval('#events li[data-stream-id="cam"]', (l) => l.length)).toBeGreaterThan(0);
    await page.selectOption('#event-filter', 'old');
    await page.waitForFunction(
      () => document.querySelectorAll('#events li[data-stream-id="cam"]').length === 0,
    );
    expect(await page.$$eval('#events li[data-stream-id="old"]', (l) => l.length)).toBeGreaterThan(0);

    // favicon present, and no request failed (API calls carried the token)
    expect(await page.$eval('link[rel=icon]', (l) => (l as HTMLLinkElement).href)).toMatch(/favicon\.svg$/);
    expect((await page.request.get(`${base}/favicon.ico`)).status()).toBe(200);
    expect(notFound).toEqual([]);
    await page.close();
  });
});
