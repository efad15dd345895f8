import { isIPv4, isIPv6 } from 'node:net';
import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe the schema as it was then.
type AnyDb = Kysely<any>;

/**
 * Sessions keep only the network they came from (src/accounts/ip-prefix.ts, from this release on):
 * the rows written before it held the whole address, and are cut here the same way, IPv4 to its
 * /24 and IPv6 to its /48, so that no stored session names one household's device any longer. A
 * value that is no address becomes null. The rule is copied rather than imported, so that this
 * migration keeps doing what it did when it was released.
 */
export async function up(db: AnyDb): Promise<void> {
  const rows: { id: string; ip: string }[] = await db
    .selectFrom('sessions')
    .select(['id', 'ip'])
    .where('ip', 'is not', null)
    .execute();
  for (const row of rows) {
    const cut = networkOf(row.ip);
    if (cut !== row.ip) await db.updateTable('sessions').set({ ip: cut }).where('id', '=', row.id).execute();
  }
}

function networkOf(ip: string): string | null {
  const address = ip.trim().replace(/%.*$/, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped !== undefined) return networkOf(mapped);
  if (isIPv4(address)) return `${address.split('.').slice(0, 3).map(Number).join('.')}.0/24`;
  if (!isIPv6(address)) return null;
  // An embedded IPv4 tail sits past the first 48 bits of any valid address: drop it.
  const text = address.replace(/:?\d+\.\d+\.\d+\.\d+$/, ':0');
  const [head = '', tail] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  const prefix = groups.slice(0, 3).map((g) => Number.parseInt(g, 16).toString(16));
  while (prefix.length > 0 && prefix.at(-1) === '0') prefix.pop();
  return `${prefix.join(':')}::/48`;
}
