import { randomUUID } from 'node:crypto';

/**
 * A UUIDv7 (RFC 9562): 48 bits of milliseconds, then random bits.
 * Time-ordered ids keep primary-key inserts at the right edge of the B-tree, and unlike
 * serial integers they do not reveal how many users or tokens exist.
 *
 * Built from a random UUIDv4 (whose variant bits are already right): its first 48 bits become the
 * time and its version digit a 7. randomUUID draws from a buffered pool; a randomBytes call per id
 * cost several microseconds, three or four times in each request. Ids are not secrets; tokens
 * still come from randomBytes, one call each.
 */
export function newId(now: number = Date.now()): string {
  const random = randomUUID();
  const time = now.toString(16).padStart(12, '0');
  return `${time.slice(0, 8)}-${time.slice(8)}-7${random.slice(15)}`;
}

export const ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
