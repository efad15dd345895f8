import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { ApiKey, ApiScope } from '../config/api-keys.ts';
import { HttpProblem } from './problem.ts';

/** The key each guarded request came with, for handlers that audit who acted (apiKeyActor). */
const presentedKeys = new WeakMap<FastifyRequest, ApiKey>();

/**
 * Checks `Authorization: Bearer <key>` against OTO_API_KEYS, then the key's scopes. Keys are
 * compared as SHA-256 digests with timingSafeEqual, against every key: equal lengths always, and no
 * early exit that would time a prefix or tell which key matched. A known key without the route
 * group's scope gets 403 insufficient_scope; an unknown one 401.
 */
export function apiKeyGuard(keys: readonly ApiKey[], scope: ApiScope) {
  const digests = keys.map((key) => ({ key, digest: digest(key.key) }));
  return async function requireApiKey(request: FastifyRequest): Promise<void> {
    const presented = bearerToken(request);
    const key = presented === null ? null : matching(digest(presented), digests);
    if (key === null) {
      throw new HttpProblem(401, 'unauthorized', 'A valid API key is required.', {
        detail:
          digests.length === 0
            ? 'No API keys are configured: set OTO_API_KEYS.'
            : 'Send Authorization: Bearer <key> with a key from OTO_API_KEYS.',
        headers: { 'www-authenticate': 'Bearer' },
      });
    }
    if (!key.scopes.includes(scope)) {
      throw new HttpProblem(403, 'insufficient_scope', 'This API key may not use this route.', {
        detail: `The route needs the scope "${scope}"; give the key it in OTO_API_KEYS (name:scopes:key).`,
        headers: { 'www-authenticate': `Bearer error="insufficient_scope", scope="${scope}"` },
      });
    }
    presentedKeys.set(request, key);
  };
}

/** The name of the key a guarded request came with: the actor its audit entries name. */
export function apiKeyActor(request: FastifyRequest): string {
  const key = presentedKeys.get(request);
  if (key === undefined) throw new Error('apiKeyActor called on a route without apiKeyGuard');
  return key.name;
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

function matching(candidate: Buffer, digests: { key: ApiKey; digest: Buffer }[]): ApiKey | null {
  let found: ApiKey | null = null;
  for (const known of digests) if (timingSafeEqual(candidate, known.digest)) found ??= known.key;
  return found;
}
