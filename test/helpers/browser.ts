import { type Browser, chromium } from 'playwright-core';

/**
 * Debian's Chromium, headless. `chromium.launch` gives every browser a fresh temporary profile (it
 * refuses `--user-data-dir`) and deletes it on close.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
