import http from 'node:http';
import https from 'node:https';
import { pinnedLookup, type Resolver, resolveTarget } from './address-policy.ts';
import { signatureHeader } from './signature.ts';

/**
 * One HTTP attempt at a webhook: a POST of the event's body with the Standard Webhooks headers, to
 * the address the SSRF check approved, within the timeout. A redirect is an answer like any other
 * (3xx: not a success) and is never followed.
 */

export interface AttemptOutcome {
  /** The HTTP status, or null when there was no answer. */
  status: number | null;
  /** At most 200 characters of the answer's body. */
  excerpt: string | null;
  /** Why there was no usable answer: refused target, timeout, connection error. */
  error: string | null;
  durationMs: number;
}

export interface AttemptInput {
  url: string;
  id: string;
  /** Seconds since the epoch: webhook-timestamp. */
  timestamp: number;
  body: string;
  secrets: readonly string[];
  timeoutMs: number;
  allowPrivate: boolean;
  resolver?: Resolver;
}

const EXCERPT_CHARS = 200;
const READ_LIMIT = 4096;

export async function attemptDelivery(input: AttemptInput): Promise<AttemptOutcome> {
  const started = performance.now();
  const done = (outcome: Omit<AttemptOutcome, 'durationMs'>): AttemptOutcome => ({
    ...outcome,
    durationMs: Math.round(performance.now() - started),
  });
  const url = new URL(input.url);
  const target = await resolveTarget(url, { allowPrivate: input.allowPrivate, resolver: input.resolver });
  if (!target.ok) return done({ status: null, excerpt: null, error: `refused: ${target.reason}` });
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    const request = client.request(
      url,
      {
        method: 'POST',
        lookup: pinnedLookup(target.address, target.family) as never,
        timeout: input.timeoutMs,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'oto-webhooks',
          'webhook-id': input.id,
          'webhook-timestamp': String(input.timestamp),
          'webhook-signature': signatureHeader(input.secrets, input.id, input.timestamp, input.body),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          if (size < READ_LIMIT) chunks.push(chunk);
          size += chunk.length;
          if (size >= READ_LIMIT) response.destroy();
        });
        const finish = () => {
          clearTimeout(overall);
          const text = Buffer.concat(chunks).toString('utf8').slice(0, EXCERPT_CHARS);
          resolve(
            done({ status: response.statusCode ?? null, excerpt: text === '' ? null : text, error: null }),
          );
        };
        response.on('end', finish);
        response.on('close', finish);
        response.on('error', finish);
      },
    );
    // `timeout` is for an idle socket; this bounds the whole attempt.
    const overall = setTimeout(() => request.destroy(new Error('timeout')), input.timeoutMs);
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(overall);
      const reason = error.message === 'timeout' ? 'timeout' : (error.code ?? 'connection error');
      resolve(done({ status: null, excerpt: null, error: reason }));
    });
    request.end(input.body);
  });
}
