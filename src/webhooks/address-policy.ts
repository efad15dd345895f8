import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/**
 * SSRF defence for webhook URLs: where an endpoint may point. The host is resolved, every address
 * it resolves to is checked, and the request then connects to the checked address (pinnedLookup),
 * so a DNS answer that changes between the check and the connect (rebinding) cannot reach inside.
 */

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network", 0.0.0.0 included
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // CGNAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata (169.254.169.254) included
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  blocked.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7], // unique local, fd00:ec2::254 (AWS metadata) included
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
] as const)
  blocked.addSubnet(net, prefix, 'ipv6');

/** True for an address a webhook must not reach: loopback, private, link-local, metadata… */
export function isForbiddenAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family !== 6) return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped !== undefined) return blocked.check(mapped, 'ipv4');
  return blocked.check(address, 'ipv6');
}

export type Resolver = (host: string) => Promise<LookupAddress[]>;

export const systemResolver: Resolver = (host) =>
  new Promise((resolve, reject) =>
    dnsLookup(host, { all: true, verbatim: true }, (error, addresses) =>
      error ? reject(error) : resolve(addresses),
    ),
  );

export type UrlProblem = { ok: false; reason: string };

/** What a URL must be to be stored as an endpoint: checked before any DNS. */
export function urlProblem(raw: string, options: { production: boolean }): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must use https';
  if (url.protocol === 'http:' && options.production) return 'must use https in production';
  if (url.username || url.password) return 'must not hold credentials';
  if (url.hash) return 'must not have a fragment';
  if (raw.length > 2000) return 'must be at most 2000 characters';
  return null;
}

/**
 * Resolves a URL's host and checks every address. Returns the one to connect to, or why none.
 * With allowPrivate every address is accepted (WEBHOOK_ALLOW_PRIVATE, for development).
 */
export async function resolveTarget(
  url: URL,
  options: { allowPrivate: boolean; resolver?: Resolver },
): Promise<{ ok: true; address: string; family: number } | UrlProblem> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: LookupAddress[];
  if (isIP(host) !== 0) addresses = [{ address: host, family: isIP(host) }];
  else {
    try {
      addresses = await (options.resolver ?? systemResolver)(host);
    } catch {
      return { ok: false, reason: 'host does not resolve' };
    }
  }
  if (addresses.length === 0) return { ok: false, reason: 'host does not resolve' };
  if (!options.allowPrivate && addresses.some((a) => isForbiddenAddress(a.address)))
    return { ok: false, reason: 'host resolves to a private, loopback or link-local address' };
  const first = addresses[0]!;
  return { ok: true, address: first.address, family: first.family };
}

/** A `lookup` for node:http that answers with the checked address only. */
export function pinnedLookup(address: string, family: number) {
  return (
    _host: string,
    options: { all?: boolean },
    callback: (error: Error | null, address: string | LookupAddress[], family?: number) => void,
  ) => {
    if (options?.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  };
}
