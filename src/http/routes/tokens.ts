import type { FastifyInstance } from 'fastify';
import { isoTime } from '../../clock.ts';
import type { Context } from '../../context.ts';
import { CODE_PROBLEMS, invalidInput, tokenProblem } from '../problem.ts';
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
  format?: 'token' | 'code';
  digits?: number;
}
interface ConsumeBody {
  purpose: string;
  token?: string;
  subject?: string;
  code?: string;
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
      if (request.body.format === 'code') {
        const coded = await ctx.codes.issue(ctx.db, {
          purpose: request.body.purpose,
          subject: request.body.subject,
          digits: request.body.digits,
          ttlSeconds: request.body.ttlSeconds,
          data: data ?? null,
        });
        if (!coded.ok) throw CODE_PROBLEMS.code_cooldown(coded.retryAfterSeconds);
        return reply
          .status(201)
          .send({ code: coded.code, id: coded.id, expiresAt: isoTime(coded.expiresAt) });
      }
      if (request.body.digits !== undefined)
        throw invalidInput([{ field: 'digits', message: 'is for format "code" only' }]);
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

  app.route<{ Body: ConsumeBody }>({
    ...schemas.consumeToken,
    handler: async (request) => {
      const { purpose, token, subject, code } = request.body;
      if (token === undefined) {
        const consumed = await ctx.codes.consume(ctx.db, { purpose, subject, code });
        if (consumed.ok) return { subject: consumed.code.subject, data: consumed.code.data };
        if (consumed.reason === 'cooling_down')
          throw CODE_PROBLEMS.code_cooldown(await ctx.codes.retryAfter(ctx.db, purpose, { subject }));
        throw CODE_PROBLEMS.code_invalid();
      }
      const result = await ctx.tokens.consume(ctx.db, {
        purpose,
        token,
      });
      if (!result.ok) throw tokenProblem(result.reason);
      return { subject: result.token.subject, data: result.token.data };
    },
  });

  app.route<{ Body: RevokeBody }>({
    ...schemas.revokeTokens,
    handler: async (request) => {
      const owner = { subject: request.body.subject };
      const revoked = await ctx.tokens.revoke(ctx.db, request.body.purpose, owner);
      return { revoked: revoked + (await ctx.codes.revoke(ctx.db, request.body.purpose, owner)) };
    },
  });
}
