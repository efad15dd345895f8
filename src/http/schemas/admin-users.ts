import { problemSchema } from './problem.ts';

/**
 * The admin API (routes/admin-users.ts): operators find accounts and act on them. Every route needs
 * an API key with the `admin` scope.
 */

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

const security = [{ apiKey: [] }];
const adminOnly = 'Needs an API key with the `admin` scope (403 insufficient_scope otherwise).';
const errors = { 401: problemSchema, 403: problemSchema, 404: problemSchema, 422: problemSchema } as const;
const params = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', maxLength: 64 } },
} as const;
/** The actions that need nothing but the id take an empty JSON object, or no body at all. */
const noBody = { type: 'object', additionalProperties: false, properties: {} } as const;
const time = { type: 'string', format: 'date-time' } as const;
const maybeTime = { type: ['string', 'null'], format: 'date-time' } as const;
const status = { type: 'string', enum: ['unverified', 'active', 'disabled'] } as const;

const summaryProperties = {
  id: { type: 'string' },
  email: { type: 'string' },
  status,
  createdAt: time,
  verifiedAt: maybeTime,
  disabledAt: maybeTime,
} as const;

export const adminListUsers = {
  method: 'GET',
  url: '/admin/users',
  schema: {
    tags: ['admin'],
    summary: 'Find accounts by email prefix and status, oldest first, a page at a time',
    description: `${adminOnly} Pages are stable while people sign up: pass nextCursor as cursor.`,
    security,
    querystring: {
      type: 'object',
      additionalProperties: false,
      properties: {
        email: { type: 'string', maxLength: 254, description: 'a prefix of the address, or all of it' },
        status,
        cursor: { type: 'string', maxLength: 200, description: 'nextCursor of the previous page' },
        // Query values are strings, and oto does not coerce types: the pattern says the shape.
        limit: {
          type: 'string',
          pattern: '^[0-9]{1,9}$',
          description: `1 to ${MAX_PAGE_SIZE}, default ${DEFAULT_PAGE_SIZE}`,
        },
      },
    },
    response: {
      200: {
        type: 'object',
        properties: {
          users: { type: 'array', items: { type: 'object', properties: summaryProperties } },
          nextCursor: { type: ['string', 'null'] },
        },
      },
      ...errors,
    },
  },
} as const;

export const adminGetUser = {
  method: 'GET',
  url: '/admin/users/:id',
  schema: {
    tags: ['admin'],
    summary: 'One account: its status, dates, last log-in, live sessions and subscription',
    description: adminOnly,
    security,
    params,
    response: {
      200: {
        type: 'object',
        properties: {
          ...summaryProperties,
          disabledReason: { type: ['string', 'null'] },
          subscribed: { type: 'boolean' },
          lastLoginAt: maybeTime,
          sessionCount: { type: 'integer' },
        },
      },
      ...errors,
    },
  },
} as const;

const statusChange = {
  type: 'object',
  properties: {
    status,
    changed: { type: 'boolean', description: 'false when the account already was so' },
    revokedSessions: { type: 'integer' },
    revokedTokens: { type: 'integer' },
  },
} as const;

export const adminDisableUser = {
  method: 'POST',
  url: '/admin/users/:id/disable',
  schema: {
    tags: ['admin'],
    summary: 'Disable an account: no more log-ins or links, and every session and live link ends now',
    description: `${adminOnly} The reason is for the operators; the user is told the account was disabled.`,
    security,
    params,
    body: {
      type: 'object',
      required: ['reason'],
      additionalProperties: false,
      properties: { reason: { type: 'string', minLength: 1, maxLength: 500 } },
    },
    response: { 200: statusChange, ...errors },
  },
} as const;

export const adminEnableUser = {
  method: 'POST',
  url: '/admin/users/:id/enable',
  schema: {
    tags: ['admin'],
    summary: 'Enable a disabled account again',
    description: adminOnly,
    security,
    params,
    body: noBody,
    response: { 200: statusChange, ...errors },
  },
} as const;

export const adminRevokeSessions = {
  method: 'POST',
  url: '/admin/users/:id/sessions/revoke',
  schema: {
    tags: ['admin'],
    summary: 'Log an account out everywhere',
    description: adminOnly,
    security,
    params,
    body: noBody,
    response: {
      200: { type: 'object', properties: { revoked: { type: 'integer' } } },
      ...errors,
    },
  },
} as const;

export const adminDeleteUser = {
  method: 'DELETE',
  url: '/admin/users/:id',
  schema: {
    tags: ['admin'],
    summary: 'Delete an account and its data',
    description:
      `${adminOnly} The same erasure as DELETE /v1/me, without the password: the user, its sessions, ` +
      'tokens and unsent mail go, its open invitations are revoked, its audit entries stay without the ' +
      'address, and a notice goes to the address.',
    security,
    params,
    response: { 204: { type: 'null' }, ...errors },
  },
} as const;

const sentSchema = {
  type: 'object',
  properties: {
    sent: {
      type: 'boolean',
      description: "false when the account gets none: disabled, already verified, or past the address's cap",
    },
  },
} as const;

export const adminSendVerificationEmail = {
  method: 'POST',
  url: '/admin/users/:id/verification-email',
  schema: {
    tags: ['admin'],
    summary: 'Send an unverified account a fresh verification link, under the usual per-address cap',
    description: adminOnly,
    security,
    params,
    body: noBody,
    response: { 202: sentSchema, ...errors },
  },
} as const;

export const adminSendPasswordReset = {
  method: 'POST',
  url: '/admin/users/:id/password-reset',
  schema: {
    tags: ['admin'],
    summary: 'Send an account the usual password reset link, under the usual per-address cap',
    description: adminOnly,
    security,
    params,
    body: noBody,
    response: { 202: sentSchema, ...errors },
  },
} as const;
