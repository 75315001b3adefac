/**
 * The browser client's public face for the server (types only: the client itself is the bundle built from
 * `main.ts` by `npm run build:client`, see docs/browser.md).
 */

export type { ClientState, ParityFrame } from './main.js';
export type { ClientSettings, CropNetUrls, WebProvider } from './settings.js';
