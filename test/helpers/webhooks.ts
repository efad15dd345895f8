import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A webhook receiver on 127.0.0.1: records every request and answers as the test says. */
export interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
  path: string;
}

export interface Receiver {
  port: number;
  /** A URL on `localhost` (a name, resolved like any endpoint's host) at this path. */
  url(path?: string): string;
  received: Received[];
  /** The next answers, in order; then 204. 'hang' reads the request and never answers. */
  answers: Array<number | 'hang' | { status: number; body?: string; headers?: Record<string, string> }>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const answers: Receiver['answers'] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        path: req.url ?? '',
      });
      const answer = answers.shift() ?? 204;
      if (answer === 'hang') return;
      const spec = typeof answer === 'number' ? { status: answer } : answer;
      res.writeHead(spec.status, spec.headers ?? {});
      res.end(spec.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: (path = '/hook') => `http://localhost:${port}${path}`,
    received,
    answers,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * The Standard Webhooks check, written here from the specification with node:crypto alone, so
 * that oto's own verifyWebhook is not what tests its signatures.
 */
export function independentlyValid(secret: string, message: Received): boolean {
  const id = String(message.headers['webhook-id']);
  const timestamp = String(message.headers['webhook-timestamp']);
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${message.body}`).digest();
  return String(message.headers['webhook-signature'] ?? '')
    .split(' ')
    .some((part) => {
      const [version, value] = part.split(',');
      if (version !== 'v1' || value === undefined) return false;
      const given = Buffer.from(value, 'base64');
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
}
