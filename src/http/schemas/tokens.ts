import { PURPOSE_PATTERN } from '../../purposes.ts';
import { problemSchema } from './problem.ts';

/** The token API (routes/tokens.ts): one route's method, URL under /v1 and schema each. */

const MAX_TTL_SECONDS = 31_536_000;

const purpose = { type: 'string', pattern: PURPOSE_PATTERN.source } as const;

const subject = { type: 'string', minLength: 1, maxLength: 255 } as const;

// Shape only; isWellFormedToken decides, and a malformed token is answered as token_invalid.
const token = { type: 'string', maxLength: 512 } as const;

// Digits, perhaps pasted with spaces; the code engine decides (src/tokens/codes.ts).
const code = { type: 'string', maxLength: 40 } as const;

const errors = {
  400: problemSchema,
  401: problemSchema,
  410: problemSchema,
  422: problemSchema,
  429: problemSchema,
} as const;

const tokenBodySchema = {
  type: 'object',
  required: ['purpose', 'token'],
  additionalProperties: false,
  properties: { purpose, token },
} as const;

export const issueToken = {
  method: 'POST',
  url: '/tokens',
  schema: {
    tags: ['tokens'],
    summary: 'Issue a token, or a one-time code, for a subject',
    description:
      'format "code" issues a numeric code of `digits` digits (default CODE_LENGTH) for a person to type, ' +
      'answered as {code, id, expiresAt}; its lifetime defaults to CODE_TTL. Wrong guesses at the codes of one ' +
      'subject and purpose share one budget (CODE_MAX_ATTEMPTS); while it cools down, issuing answers 429 code_cooldown.',
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
        format: { type: 'string', enum: ['token', 'code'], description: 'token (the default) or code' },
        // MIN_CODE_DIGITS and MAX_CODE_DIGITS (src/tokens/code-format.ts), written out: the client
        // loads these schemas and nothing of the server.
        digits: { type: 'integer', minimum: 6, maximum: 10 },
      },
    },
    response: {
      201: {
        type: 'object',
        properties: {
          token: { type: 'string' },
          code: { type: 'string' },
          id: { type: 'string' },
          expiresAt: { type: 'string' },
        },
      },
      ...errors,
    },
  },
} as const;

export const inspectToken = {
  method: 'POST',
  url: '/tokens/inspect',
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
} as const;

export const consumeToken = {
  method: 'POST',
  url: '/tokens/consume',
  schema: {
    tags: ['tokens'],
    summary: 'Consume a token, or a code with its subject, once',
    description:
      'Of any number of concurrent consumers of one token, exactly one succeeds. A code is sent with the subject ' +
      'it was issued for: {purpose, subject, code}. A wrong code answers 400 code_invalid and spends one attempt ' +
      "of the subject's budget; the last one revokes the subject's live codes of the purpose and answers 429 code_cooldown.",
    security: [{ apiKey: [] }],
    body: {
      type: 'object',
      required: ['purpose'],
      additionalProperties: false,
      properties: { purpose, token, subject, code },
      anyOf: [{ required: ['token'] }, { required: ['subject', 'code'] }],
    },
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
} as const;

export const revokeTokens = {
  method: 'POST',
  url: '/tokens/revoke',
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
} as const;
