import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { ConfigError, SourceError } from '../errors.js';

/**
 * The RTSP host allowlist (`server.rtspAllowHosts`) for streams created through the API: a caller must not
 * make the server connect to its own loopback services or the private network behind it unless the
 * operator listed them. Entries: `*`, `public`, an IP, a CIDR, a host name or `*.suffix`.
 */
const INTERNAL = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  INTERNAL.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 96], // unspecified, loopback and the deprecated IPv4-compatible ::a.b.c.d
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
] as const)
  INTERNAL.addSubnet(net, bits, 'ipv6');

/**
 * `::ffff:10.0.0.1` is 10.0.0.1: check mapped IPv4 addresses as IPv4 (BlockList itself matches the hex
 * spelling `::ffff:a00:1` against IPv4 subnets).
 */
function normalize(ip: string): { ip: string; family: 'ipv4' | 'ipv6' } {
  const m = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (m) return { ip: m[1]!, family: 'ipv4' };
  return { ip, family: isIP(ip) === 6 ? 'ipv6' : 'ipv4' };
}

/** Loopback, private, link-local, CGNAT, multicast, reserved or unspecified. */
export function isInternalAddress(ip: string): boolean {
  const n = normalize(ip);
  return INTERNAL.check(n.ip, n.family);
}

export interface HostPolicy {
  readonly any: boolean;
  readonly public: boolean;
  readonly nets: BlockList;
  readonly names: readonly string[];
}

/** Parses the entries once; a malformed CIDR throws (the config is checked at start). */
export function hostPolicy(entries: readonly string[]): HostPolicy {
  const nets = new BlockList();
  const names: string[] = [];
  let any = false;
  let pub = false;
  for (const raw of entries) {
    const e = raw.trim().toLowerCase();
    if (e === '*') any = true;
    else if (e === 'public') pub = true;
    else if (e.includes('/')) {
      const [addr = '', bits = ''] = e.split('/');
      const fam = isIP(addr);
      const b = Number(bits);
      if (!fam || !Number.isInteger(b) || b < 0 || b > (fam === 4 ? 32 : 128))
        throw new ConfigError('CONFIG_INVALID', `server.rtspAllowHosts: "${raw}" is not a CIDR`);
      nets.addSubnet(addr, b, fam === 4 ? 'ipv4' : 'ipv6');
    } else if (isIP(e)) {
      const n = normalize(e);
      nets.addAddress(n.ip, n.family);
    } else names.push(e);
  }
  return { any, public: pub, nets, names };
}

const nameListed = (host: string, p: HostPolicy) =>
  p.names.some((n) => (n.startsWith('*.') ? host.endsWith(n.slice(1)) : host === n));

/** Whether one resolved address may be connected to under the policy. */
export function addressAllowed(ip: string, p: HostPolicy): boolean {
  if (p.any) return true;
  const n = normalize(ip);
  if (p.nets.check(n.ip, n.family)) return true;
  return p.public && !isInternalAddress(ip);
}

export type Resolver = (host: string) => Promise<readonly string[]>;

const dnsResolver: Resolver = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

/**
 * Throws SOURCE_HOST_FORBIDDEN unless the URL's host is allowed: a listed name passes as it is; otherwise
 * the host is resolved and every address it has must be allowed (an unresolvable one is
 * SOURCE_UNREACHABLE). Runs before any connection attempt.
 */
export async function checkSourceHost(
  url: string,
  p: HostPolicy,
  resolve: Resolver = dnsResolver,
): Promise<void> {
  if (p.any) return;
  let host: string;
  try {
    host = new URL(url).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  } catch {
    throw new SourceError('INVALID_SOURCE', 'not a URL');
  }
  if (!host) throw new SourceError('INVALID_SOURCE', 'the URL names no host');
  if (nameListed(host, p)) return;
  let addrs: readonly string[];
  if (isIP(host)) addrs = [host];
  else {
    try {
      addrs = await resolve(host);
    } catch {
      throw new SourceError('SOURCE_UNREACHABLE', `host "${host}" does not resolve`);
    }
  }
  const bad = addrs.find((a) => !addressAllowed(a, p));
  if (addrs.length === 0 || bad !== undefined)
    throw new SourceError(
      'SOURCE_HOST_FORBIDDEN',
      `host "${host}"${bad && bad !== host ? ` (${bad})` : ''} is not in server.rtspAllowHosts: loopback, private and link-local addresses need an explicit entry`,
    );
}
