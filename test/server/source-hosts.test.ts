import { describe, expect, it } from 'vitest';
import { checkSourceHost, hostPolicy, isInternalAddress } from '../../src/server/source-hosts.js';

const dns =
  (table: Record<string, string[]>) =>
  async (host: string): Promise<string[]> => {
    const a = table[host];
    if (!a) throw new Error('ENOTFOUND');
    return a;
  };

const code = async (p: Promise<unknown>) => {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return (e as { code: string }).code;
  }
};

describe('RTSP source host allowlist (pure policy)', () => {
  it('classifies loopback, private, link-local, CGNAT, mapped and unique-local addresses as internal', () => {
    for (const ip of [
      '127.0.0.1',
      '10.1.2.3',
      '172.20.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      '::',
      'fd00::1',
      'fe80::1',
      '::ffff:127.0.0.1',
      '::ffff:10.0.0.1',
    ])
      expect(isInternalAddress(ip), ip).toBe(true);
    for (const ip of ['8.8.8.8', '93.184.216.34', '2606:4700::1111', '172.32.0.1', '::ffff:8.8.8.8'])
      expect(isInternalAddress(ip), ip).toBe(false);
  });

  it('by default (public) refuses internal hosts, literal or resolved, and allows public ones', async () => {
    const p = hostPolicy(['public']);
    const r = dns({
      'cam.example': ['93.184.216.34'],
      'evil.example': ['93.184.216.34', '127.0.0.1'],
      'lan.example': ['192.168.0.5'],
    });
    expect(await code(checkSourceHost('rtsp://127.0.0.1:8554/x', p, r))).toBe('SOURCE_HOST_FORBIDDEN');
    expect(await code(checkSourceHost('rtsp://[::1]:8554/x', p, r))).toBe('SOURCE_HOST_FORBIDDEN');
    // other spellings of loopback: hex-mapped IPv6, and numeric forms the resolver turns into 127.0.0.1
    expect(await code(checkSourceHost('rtsp://[::ffff:7f00:1]/x', p, r))).toBe('SOURCE_HOST_FORBIDDEN');
    const libc = dns({ '0x7f000001': ['127.0.0.1'], '2130706433': ['127.0.0.1'] });
    expect(await code(checkSourceHost('rtsp://0x7f000001/x', p, libc))).toBe('SOURCE_HOST_FORBIDDEN');
    expect(await code(checkSourceHost('rtsp://2130706433/x', p, libc))).toBe('SOURCE_HOST_FORBIDDEN');
    // the host is the part after the last "@", as ffmpeg reads it too
    expect(await code(checkSourceHost('rtsp://8.8.8.8@127.0.0.1/x', p, r))).toBe('SOURCE_HOST_FORBIDDEN');
    expect(await code(checkSourceHost('rtsp://localhost/x', p, dns({ localhost: ['127.0.0.1'] })))).toBe(
      'SOURCE_HOST_FORBIDDEN',
    );
    expect(await code(checkSourceHost('rtsp://lan.example/x', p, r))).toBe('SOURCE_HOST_FORBIDDEN');
    // one internal address among several is enough to refuse (a DNS answer cannot smuggle one in)
    expect(await code(checkSourceHost('rtsp://evil.example/x', p, r))).toBe('SOURCE_HOST_FORBIDDEN');
    expect(await code(checkSourceHost('rtsp://cam.example/x', p, r))).toBe('ok');
    expect(await code(checkSourceHost('rtsp://8.8.8.8/x', p, r))).toBe('ok');
    expect(await code(checkSourceHost('rtsp://nowhere.example/x', p, r))).toBe('SOURCE_UNREACHABLE');
  });

  it('allows what the operator listed: CIDRs, addresses, names and *.suffix; an empty list allows nothing', async () => {
    const p = hostPolicy(['192.168.0.0/16', '::1', 'cam.lan', '*.cams.lan']);
    const r = dns({
      'cam.lan': ['10.9.9.9'],
      'a.cams.lan': ['10.0.0.2'],
      'other.lan': ['192.168.3.3'],
      'x.lan': ['10.1.1.1'],
    });
    expect(await code(checkSourceHost('rtsp://192.168.7.7/x', p, r))).toBe('ok');
    expect(await code(checkSourceHost('rtsp://[::1]/x', p, r))).toBe('ok');
    expect(await code(checkSourceHost('rtsp://cam.lan/x', p, r))).toBe('ok');
    expect(await code(checkSourceHost('rtsp://a.cams.lan/x', p, r))).toBe('ok');
    expect(await code(checkSourceHost('rtsp://other.lan/x', p, r))).toBe('ok');
    expect(await code(checkSourceHost('rtsp://x.lan/x', p, r))).toBe('SOURCE_HOST_FORBIDDEN');
    expect(await code(checkSourceHost('rtsp://8.8.8.8/x', p, r))).toBe('SOURCE_HOST_FORBIDDEN');
    expect(await code(checkSourceHost('rtsp://8.8.8.8/x', hostPolicy([]), r))).toBe('SOURCE_HOST_FORBIDDEN');
    expect(await code(checkSourceHost('rtsp://127.0.0.1/x', hostPolicy(['*']), r))).toBe('ok');
  });

  it('rejects a malformed CIDR at start with a config error', () => {
    expect(() => hostPolicy(['10.0.0.0/33'])).toThrow(/not a CIDR/);
    expect(() => hostPolicy(['nonsense/8'])).toThrow(/not a CIDR/);
  });
});
