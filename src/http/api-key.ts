import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { HttpProblem } from './problem.ts';

/**
 * Checks `Authorization: Bearer <key>` against OTO_API_KEYS. Keys are compared as SHA-256 digests
 * with timingSafeEqual: equal lengths always, and no early exit that would time a prefix.
 */
export function apiKeyGuard(keys: readonly string[]) {
  const digests = keys.map(digest);
  return async function requireApiKey(request: FastifyRequest): Promise<void> {
    const presented = bearerToken(request);
    if (presented === null || !matchesAny(digest(presented), digests)) {
      throw new HttpProblem(401, 'unauthorized', 'A valid API key is required.', {
        detail:
          digests.length === 0
            ? 'No API keys are configured: set OTO_API_KEYS.'
            : 'Send Authorization: Bearer <key> with a key from OTO_API_KEYS.',
        headers: { 'www-authenticate': 'Bearer' },
      });
    }
  };
}

export function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return null;
  const match = /^Bearer\s+(\S{1,512})\s*$/i.exec(header);
  return match ? match[1]! : null;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function matchesAny(candidate: Buffer, digests: Buffer[]): boolean {
  let found = false;
  for (const known of digests) found = timingSafeEqual(candidate, known) || found;
  return found;
}
