import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * A plain `npm ci` must work offline: onnxruntime-node's postinstall downloads CUDA binaries unless told to
 * skip. npm hands every .npmrc key to install scripts as `npm_config_<key with _ for ->`; the script
 * reads `npm_config_onnxruntime_node_install`. (Checked by hand with a real `npm ci --offline` in a copy:
 * it fails without the key and passes with it.)
 */
describe('.npmrc', () => {
  const keys = Object.fromEntries(
    readFileSync('.npmrc', 'utf8')
      .split('\n')
      .filter((l) => /^[^#;].*=/.test(l))
      .map((l) => l.split('=').map((s) => s.trim()) as [string, string]),
  );

  it('tells onnxruntime-node not to download anything at install', () => {
    expect(keys['onnxruntime-node-install']).toBe('skip');
  });

  it('is honoured by the install script as npm passes it (exits at once, no network)', () => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      npm_config_onnxruntime_node_install: keys['onnxruntime-node-install'],
    };
    delete env.ONNXRUNTIME_NODE_INSTALL;
    const r = spawnSync(process.execPath, ['node_modules/onnxruntime-node/script/install.js'], {
      env,
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toBe('');
  });
});
