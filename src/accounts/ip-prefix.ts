import { isIPv4, isIPv6 } from 'node:net';

/**
 * The network a session came from, never the address itself: IPv4 cut to its /24, IPv6 to its /48
 * (a site's prefix), written with the prefix length, e.g. "203.0.113.0/24" or "2001:db8:85a3::/48".
 * That is enough for a person to tell "my home" from "somewhere else" in the session list, and it
 * no longer names one household's device (GDPR data minimisation). An IPv4 address seen through an
 * IPv6 socket (::ffff:203.0.113.7) counts as IPv4. Anything that is not an IP address gives null.
 */
export function truncateIp(ip: string | null | undefined): string | null {
  if (ip === null || ip === undefined) return null;
  // A zone ("fe80::1%eth0") names an interface of this host, nothing about the client.
  const address = ip.trim().replace(/%.*$/, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped !== null) return truncateIp(mapped[1]);
  if (isIPv4(address)) {
    const [a, b, c] = address.split('.');
    return `${Number(a)}.${Number(b)}.${Number(c)}.0/24`;
  }
  if (isIPv6(address)) {
    const groups = ipv6Groups(address);
    if (groups === null) return null;
    const prefix = groups.slice(0, 3).map((g) => Number.parseInt(g, 16).toString(16));
    // Trailing zero groups of the prefix fold into the "::" that follows it.
    while (prefix.length > 0 && prefix.at(-1) === '0') prefix.pop();
    return `${prefix.join(':')}::/48`;
  }
  // Already truncated (a stored value shown again) stays as it is.
  if (/^\d+\.\d+\.\d+\.0\/24$/.test(address) || /^[0-9a-f:]*::\/48$/i.test(address)) return address;
  return null;
}

/** The eight 16-bit groups of an IPv6 address, "::" expanded; an embedded IPv4 tail becomes two. */
function ipv6Groups(address: string): string[] | null {
  let text = address;
  const v4Tail = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4Tail !== null) {
    const [, a, b, c, d] = v4Tail.map(Number);
    const high = (((a ?? 0) << 8) | (b ?? 0)).toString(16);
    const low = (((c ?? 0) << 8) | (d ?? 0)).toString(16);
    text = `${text.slice(0, v4Tail.index)}${high}:${low}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? missing !== 0 : missing < 1) return null;
  return [...left, ...Array<string>(missing).fill('0'), ...right];
}
