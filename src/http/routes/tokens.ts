import type { FastifyInstance } from 'fastify';
import { isoTime } from '../../clock.ts';
import type { Context } from '../../context.ts';
import { PURPOSE_PATTERN } from '../../purposes.ts';
import { invalidInput, problemSchema, tokenProblem } from '../problem.ts';

/**
 * The token API: other backends issue, inspect, consume and revoke tokens for purposes of their own.
 * API-issued tokens belong to a free-form subject, not to an oto user. Behind the API key
 * (routes/index.ts).
 */

const MAX_DATA_BYTES = 4096;
const MAX_TTL_SECONDS = 31_536_000;

const purpose = { type: 'string', pattern: PURPOSE_PATTERN.source } as const;
const subject = { type: 'string', minLength: 1, maxLength: 255 } as const;
// Shape only; isWellFormedToken decides, and a malformed token is answered as token_invalid.
const token = { type: 'string', maxLength: 512 } as const;
const errors = { 400: problemSchema, 401: problemSchema, 410: problemSchema, 422: problemSchema };

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
  app.post<{ Body: IssueBody }>(
    '/tokens',
    {
      schema: {
        tags: ['tokens'],
        summary: 'Issue a token for a subject',
        security: [{ apiKey: [] }],
        body: {
          type: 'object',
          required: ['purpose', 'subject'],
          additionalProperties: false,
          properties: {
            purpose,
            subject,
            ttlSeconds: { type: 'integer', minimum: 1, maximum: MAX_TTL_SECONDS },
            data: { type: 'object' },
          },
        },
        response: {
          201: {
            type: 'object',
            properties: { token: { type: 'string' }, id: { type: 'string' }, expiresAt: { type: 'string' } },
          },
          ...errors,
        },
      },
    },
    async (request, reply) => {
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
  );

  app.post<{ Body: TokenBody }>(
    '/tokens/inspect',
    {
      schema: {
        tags: ['tokens'],
        summary: 'Tell the state of a token without consuming it',
        security: [{ apiKey: [] }],
        body: tokenBodySchema,
        response: {
          200: {
            type: 'object',
            properties: {
              state: { type: 'string', enum: ['active', 'used', 'expired', 'revoked', 'unknown'] },
              subject: { type: ['string', 'null'] },
              data: { type: ['object', 'null'], additionalProperties: true },
              expiresAt: { type: ['string', 'null'] },
            },
          },
          ...errors,
        },
      },
    },
    async (request) => {
      const inspection = await ctx.tokens.inspect(ctx.db, request.body.purpose, request.body.token);
      if (inspection.state === 'unknown')
        return { state: 'unknown', subject: null, data: null, expiresAt: null };
      const { subject, data, expiresAt } = inspection.token;
      return { state: inspection.state, subject, data, expiresAt: isoTime(expiresAt) };
    },
  );

  app.post<{ Body: TokenBody }>(
    '/tokens/consume',
    {
      schema: {
        tags: ['tokens'],
        summary: 'Consume a token once',
        description: 'Of any number of concurrent consumers of one token, exactly one succeeds.',
        security: [{ apiKey: [] }],
        body: tokenBodySchema,
        response: {
          200: {
            type: 'object',
            properties: {
              subject: { type: ['string', 'null'] },
              data: { type: ['object', 'null'], additionalProperties: true },
            },
          },
          ...errors,
        },
      },
    },
    async (request) => {
      const result = await ctx.tokens.consume(ctx.db, {
        purpose: request.body.purpose,
        token: request.body.token,
      });
      if (!result.ok) throw tokenProblem(result.reason);
      return { subject: result.token.subject, data: result.token.data };
    },
  );

  app.post<{ Body: RevokeBody }>(
    '/tokens/revoke',
    {
      schema: {
        tags: ['tokens'],
        summary: "Revoke a subject's live tokens of a purpose",
        security: [{ apiKey: [] }],
        body: {
          type: 'object',
          required: ['purpose', 'subject'],
          additionalProperties: false,
          properties: { purpose, subject },
        },
        response: { 200: { type: 'object', properties: { revoked: { type: 'integer' } } }, ...errors },
      },
    },
    async (request) => {
      const revoked = await ctx.tokens.revoke(ctx.db, request.body.purpose, {
        subject: request.body.subject,
      });
      return { revoked };
    },
  );
}

const tokenBodySchema = {
  type: 'object',
  required: ['purpose', 'token'],
  additionalProperties: false,
  properties: { purpose, token },
} as const;
