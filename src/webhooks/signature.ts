import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): the HMAC-SHA-256 of
 * "<webhook-id>.<webhook-timestamp>.<body>" under the secret's bytes, sent as
 * `webhook-signature: v1,<base64>`, several space-separated while a rotated secret still signs.
 * Pure (node:crypto only), so a receiver can import it without the rest of oto.
 */

const PREFIX = 'whsec_';

/** A new secret: 32 random bytes. */
export function newWebhookSecret(): string {
  return `${PREFIX}${randomBytes(32).toString('base64')}`;
}

function secretBytes(secret: string): Buffer {
  return Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64');
}

/** The `v1,<base64>` signature of one message under one secret. */
export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', secretBytes(secret)).update(`${id}.${timestamp}.${body}`).digest('base64');
  return `v1,${mac}`;
}

/** The webhook-signature header: one signature per secret that still signs. */
export function signatureHeader(
  secrets: readonly string[],
  id: string,
  timestamp: number,
  body: string,
): string {
  return secrets.map((secret) => signWebhook(secret, id, timestamp, body)).join(' ');
}

export interface VerifyOptions {
  /** How far webhook-timestamp may be from now, in seconds (default 300), against replays. */
  toleranceSeconds?: number;
  /** Seconds since the epoch; defaults to the system clock. */
  now?: number;
}

type Headers = Record<string, string | string[] | undefined> | { get(name: string): string | null };

/**
 * True when one of the webhook-signature header's signatures is the secret's over this id,
 * timestamp and body, and the timestamp is recent. `body` is the raw request body, as received.
 */
export function verifyWebhook(
  secret: string,
  headers: Headers,
  body: string | Buffer,
  options: VerifyOptions = {},
): boolean {
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (id === undefined || timestamp === undefined || signatures === undefined) return false;
  if (!/^\d{1,15}$/.test(timestamp)) return false;
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - Number(timestamp)) > (options.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(
    signWebhook(secret, id, Number(timestamp), typeof body === 'string' ? body : body.toString('utf8')),
  );
  return signatures.split(' ').some((candidate) => {
    const given = Buffer.from(candidate);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

function header(headers: Headers, name: string): string | undefined {
  if (typeof (headers as { get?: unknown }).get === 'function')
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  const value = (headers as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(value) ? value[0] : value;
}
