import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/index.js';

describe('cluster config', () => {
  it('defaults are consistent and bounded', () => {
    const c = configSchema.parse({}).cluster;
    expect(c).toMatchObject({
      maxStreams: 4,
      leaseTtlMs: 6000,
      heartbeatMs: 1500,
      stopMarginMs: 1000,
      replicas: 1,
    });
  });
  it('refuses a heartbeat above half the TTL, or a stop margin that leaves no second refresh', () => {
    expect(() => configSchema.parse({ cluster: { leaseTtlMs: 2000, heartbeatMs: 1500 } })).toThrow(/half/);
    expect(() =>
      configSchema.parse({ cluster: { leaseTtlMs: 4000, heartbeatMs: 1000, stopMarginMs: 3000 } }),
    ).toThrow(/stopMarginMs/);
    expect(() => configSchema.parse({ cluster: { replicas: 7 } })).toThrow();
    expect(() => configSchema.parse({ cluster: { bogus: 1 } })).toThrow();
  });
});
