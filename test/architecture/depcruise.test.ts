/**
 * The dependency rules (.dependency-cruiser.cjs) hold on src/ and bench/, and they do bite: a fixture
 * tree with a deep import, a Node built-in in a pure module, an ffmpeg spawned outside the ingest
 * wrapper, and a browser client reaching a server face or a Node built-in fails the same check.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'node_modules/.bin/depcruise');
const CONFIG = path.join(ROOT, '.dependency-cruiser.cjs');

function depcruise(cwd: string, ...targets: string[]) {
  const r = spawnSync(BIN, [...targets, '--config', CONFIG, '--output-type', 'err'], {
    cwd,
    encoding: 'utf8',
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('dependency rules', () => {
  it('pass on src and bench', () => {
    const r = depcruise(ROOT, 'src', 'bench');
    expect(r.out).toContain('no dependency violations');
    expect(r.status).toBe(0);
  });

  it('fail on a deliberate deep import, a Node built-in in a pure module and a stray ffmpeg spawn', () => {
    const r = depcruise(path.join(ROOT, 'test/fixtures/depcruise'), 'src');
    expect(r.status).not.toBe(0);
    expect(r.out).toMatch(/no-deep-import: src\/beta\/index\.ts → src\/alpha\/internal\.ts/);
    expect(r.out).toMatch(/pure-no-node-builtins: src\/detect\/align\.ts → (node:)?fs/);
    expect(r.out).toMatch(/one-process-wrapper: src\/dataset\/video\.ts → (node:)?child_process/);
    expect(r.out).toMatch(/pure-imports-pure: src\/runtime\/browser\.ts → src\/runtime\/index\.ts/);
    // the browser client: a server face and a Node built-in would put Node code into the bundle
    expect(r.out).toMatch(/client-imports-browser-faces: src\/client\/main\.ts → src\/runtime\/index\.ts/);
    expect(r.out).toMatch(/client-no-node: src\/client\/main\.ts → (node:)?fs/);
    // the public face is allowed
    expect(r.out).not.toMatch(/alpha\/index\.ts/);
  });
});
