import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configReferenceMarkdown, defaultConfigYaml, describeConfig } from '../../src/config/describe.js';
import { configLeaves, envName, loadConfig } from '../../src/config/index.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'aupipe-config-'));
const file = (name: string, text: string) => {
  const p = path.join(tmp, name);
  writeFileSync(p, text);
  return p;
};

describe('config', () => {
  it('config/room-camera.yaml loads over the defaults and turns the scan on for streams', () => {
    const cfg = loadConfig({ file: 'config/room-camera.yaml', env: {} });
    expect(cfg.detect.scanEvery).toBeGreaterThan(0);
    // tracks must outlive the frames between scans (scanEvery full detections of detect.every frames each)
    expect(cfg.detect.trackGraceFrames).toBeGreaterThanOrEqual(2 * cfg.detect.scanEvery * cfg.detect.every);
    expect(loadConfig({ env: {} }).detect.scanEvery).toBe(0);
  });

  it('config/default.yaml is what the schema generates (run npm run gen:config after a schema change)', () => {
    expect(readFileSync('config/default.yaml', 'utf8')).toBe(defaultConfigYaml());
    expect(readFileSync('docs/config.md', 'utf8')).toBe(configReferenceMarkdown());
  });

  it('every key has a description and a default', () => {
    for (const doc of describeConfig()) {
      expect(doc.description, doc.key).not.toBe('');
      expect(doc.default, doc.key).not.toBeUndefined();
    }
  });

  it('layers default file < --config file < env < flags', () => {
    const f = file('a.yaml', 'ingest:\n  fps: 12\n  width: 320\ndetect:\n  every: 5\n');
    const cfg = loadConfig({
      file: f,
      env: { AUPIPE_INGEST_FPS: '15', AUPIPE_SINK_NATS_ENABLED: 'false' },
      overrides: { ingest: { fps: 20 } },
    });
    expect(cfg.ingest.fps).toBe(20);
    expect(cfg.ingest.width).toBe(320);
    expect(cfg.ingest.height).toBe(480);
    expect(cfg.detect.every).toBe(5);
    expect(cfg.sink.nats.enabled).toBe(false);
  });

  it('a bad value names the key, the value and what is allowed', () => {
    expect(() => loadConfig({ env: {}, overrides: { ingest: { fps: 100 } } })).toThrow(
      /config key "ingest\.fps": value 100 is not allowed: .*<=\s?60/,
    );
    expect(() => loadConfig({ env: {}, overrides: { classify: { provider: 'gpu' } } })).toThrow(
      /config key "classify\.provider": value "gpu" is not allowed: .*"cpu"/,
    );
  });

  it('unknown keys fail, in files and in the environment', () => {
    const f = file('b.yaml', 'ingest:\n  fpss: 12\n');
    expect(() => loadConfig({ file: f, env: {} })).toThrow(/unknown config key "fpss" under "ingest"/);
    expect(() => loadConfig({ env: { AUPIPE_INGEST_FPSS: '3' } })).toThrow(
      /AUPIPE_INGEST_FPSS names no config key/,
    );
    // The Python trainer's variables are not config, and not typos either (training sweeps call the CLI).
    const withTrainer = loadConfig({ env: { AUPIPE_THREADS: '2', AUPIPE_QUIET: '1' } });
    expect(withTrainer).toEqual(loadConfig({ env: {} }));
  });

  it('env values are typed by the key they name', () => {
    expect(() => loadConfig({ env: { AUPIPE_INGEST_FPS: 'fast' } })).toThrow(/config key "ingest\.fps"/);
    expect(() => loadConfig({ env: { AUPIPE_INGEST_LOOP: 'maybe' } })).toThrow(/expected true or false/);
    expect(loadConfig({ env: { AUPIPE_INGEST_LOOP: '1' } }).ingest.loop).toBe(true);
  });

  it('a missing or unparsable config file is a clear error', () => {
    expect(() => loadConfig({ file: path.join(tmp, 'nope.yaml'), env: {} })).toThrow(/does not exist/);
    expect(() => loadConfig({ file: file('c.yaml', 'ingest: [1, 2\n'), env: {} })).toThrow(/not valid YAML/);
  });

  it('env names are derived from keys', () => {
    expect(envName('ingest.stallTimeoutMs')).toBe('AUPIPE_INGEST_STALL_TIMEOUT_MS');
    expect(configLeaves().map(([k]) => k)).toContain('sink.nats.url');
  });
});
