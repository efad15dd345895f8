import type { FastifyInstance } from 'fastify';
import { isoTime } from '../../clock.ts';
import type { Context } from '../../context.ts';
import { invalidInput, tokenProblem } from '../problem.ts';
import * as schemas from '../schemas/tokens.ts';

/**
 * The token API: other backends issue, inspect, consume and revoke tokens for purposes of their own.
 * API-issued tokens belong to a free-form subject, not to an oto user. Behind the API key
 * (routes/index.ts).
 */

const MAX_DATA_BYTES = 4096;

interface IssueBody {
  purpose: string;
  subject: string;
  ttlSeconds?: number;
  data?: Record<string, unknown>;
}
interface TokenBody {
  purpose: string;
  token: string;
}
interface RevokeBody {
  purpose: string;
  subject: string;
}

export async function tokenRoutes(app: FastifyInstance, { ctx }: { ctx: Context }) {
  app.route<{ Body: IssueBody }>({
    ...schemas.issueToken,
    handler: async (request, reply) => {
      const { data } = request.body;
      if (data !== undefined && Buffer.byteLength(JSON.stringify(data)) > MAX_DATA_BYTES) {
        throw invalidInput([{ field: 'data', message: `must be at most ${MAX_DATA_BYTES} bytes of JSON` }]);
      }
      const issued = await ctx.tokens.issue(ctx.db, {
        purpose: request.body.purpose,
        subject: request.body.subject,
        ttlSeconds: request.body.ttlSeconds,
        data: data ?? null,
      });
      return reply
        .status(201)
        .send({ token: issued.token, id: issued.id, expiresAt: isoTime(issued.expiresAt) });
    },
  });

  app.route<{ Body: TokenBody }>({
    ...schemas.inspectToken,
    handler: async (request) => {
      const inspection = await ctx.tokens.inspect(ctx.db, request.body.purpose, request.body.token);
      if (inspection.state === 'unknown')
        return { state: 'unknown', subject: null, data: null, expiresAt: null };
      const { subject, data, expiresAt } = inspection.token;
      return { state: inspection.state, subject, data, expiresAt: isoTime(expiresAt) };
    },
  });

  app.route<{ Body: TokenBody }>({
    ...schemas.consumeToken,
    handler: async (request) => {
      const result = await ctx.tokens.consume(ctx.db, {
        purpose: request.body.purpose,
        token: request.body.token,
      });
      if (!result.ok) throw tokenProblem(result.reason);
      return { subject: result.token.subject, data: result.token.data };
    },
  });

  app.route<{ Body: RevokeBody }>({
    ...schemas.revokeTokens,
    handler: async (request) => {
      const revoked = await ctx.tokens.revoke(ctx.db, request.body.purpose, {
        subject: request.body.subject,
      });
      return { revoked };
    },
  });
}
