import { problemSchema } from './problem.ts';

/** Change of password, and the logged-in user's sessions and devices (routes/account-security.ts). */

const errors = {
  400: problemSchema,
  401: problemSchema,
  403: problemSchema,
  422: problemSchema,
  429: problemSchema,
} as const;

const code = { type: 'string', maxLength: 40, description: 'The emailed code; spaces are ignored.' } as const;

// Up to 4 KiB reach the handler, which answers more than 1 KiB with a reasoned 422 (passwords.ts).
const password = { type: 'string', maxLength: 4096 } as const;

export const changePassword = {
  method: 'POST',
  url: '/me/password',
  schema: {
    tags: ['accounts'],
    summary: 'Change the password of the logged-in account',
    description:
      'Needs the current password (wrong: 401 invalid_credentials, counted toward the login cool-down), ' +
      'or, for an account without a password, the code from POST /v1/me/action-codes. The new one must meet the password policy (422 with the reasons). Ends every other session and ' +
      'every pending reset link, and emails a notice. The session that asked stays logged in.',
    body: {
      type: 'object',
      required: ['newPassword'],
      additionalProperties: false,
      properties: { currentPassword: password, code, newPassword: password },
      anyOf: [{ required: ['currentPassword'] }, { required: ['code'] }],
    },
    response: {
      200: {
        type: 'object',
        required: ['status', 'revokedSessions'],
        properties: {
          status: { type: 'string', enum: ['password_changed'] },
          revokedSessions: { type: 'integer' },
        },
      },
      ...errors,
    },
  },
} as const;

const sessionSchema = {
  type: 'object',
  required: ['id', 'current', 'createdAt', 'lastSeenAt', 'expiresAt', 'userAgent', 'ip'],
  properties: {
    id: { type: 'string', description: 'Opaque; names the session for DELETE /v1/me/sessions/{id}' },
    current: { type: 'boolean', description: 'The session of this request' },
    createdAt: { type: 'string', format: 'date-time' },
    lastSeenAt: { type: 'string', format: 'date-time', description: 'Updated at most once a minute' },
    expiresAt: { type: 'string', format: 'date-time' },
    userAgent: { type: 'string', description: 'e.g. "Firefox on Linux", or "Unknown browser"' },
    ip: {
      type: ['string', 'null'],
      description: 'The network only: a /24 for IPv4 ("203.0.113.0/24"), a /48 for IPv6',
    },
  },
} as const;

export const listSessions = {
  method: 'GET',
  url: '/me/sessions',
  schema: {
    tags: ['sessions'],
    summary: "The logged-in user's live sessions (devices), this one first",
    response: {
      200: {
        type: 'object',
        required: ['sessions'],
        properties: { sessions: { type: 'array', items: sessionSchema } },
      },
      401: problemSchema,
    },
  },
} as const;

export const revokeSession = {
  method: 'DELETE',
  url: '/me/sessions/:id',
  schema: {
    tags: ['sessions'],
    summary: 'Log out one of your sessions',
    description:
      'Any id that is not one of your own sessions (unknown, malformed, or of another user) answers ' +
      '404 not_found, alike. Revoking the current session logs this request out.',
    params: { type: 'object', required: ['id'], properties: { id: { type: 'string' } } },
    response: { 204: { type: 'null' }, 401: problemSchema, 403: problemSchema, 404: problemSchema },
  },
} as const;

export const revokeOtherSessions = {
  method: 'POST',
  url: '/me/sessions/revoke-others',
  schema: {
    tags: ['sessions'],
    summary: 'Log out of every other device',
    description:
      'Needs the current password (wrong: 401 invalid_credentials, counted toward the login cool-down), or, ' +
      'for an account without a password, the code from POST /v1/me/action-codes (wrong: 400 code_invalid). ' +
      'Ends every session of the account but this one.',
    body: {
      type: 'object',
      additionalProperties: false,
      properties: { currentPassword: password, code },
      anyOf: [{ required: ['currentPassword'] }, { required: ['code'] }],
    },
    response: {
      200: { type: 'object', required: ['revoked'], properties: { revoked: { type: 'integer' } } },
      ...errors,
    },
  },
} as const;

export const requestActionCode = {
  method: 'POST',
  url: '/me/action-codes',
  schema: {
    tags: ['accounts'],
    summary: 'Email a code for one sensitive action (accounts without a password)',
    description:
      'For an account that signs in by email: queues an email with a code for that one action, to send ' +
      'as {code} in place of currentPassword. An account with a password answers 400 code_not_accepted.',
    body: {
      type: 'object',
      required: ['action'],
      additionalProperties: false,
      properties: {
        action: {
          type: 'string',
          enum: ['change_email', 'change_password', 'delete_account', 'revoke_other_sessions'],
        },
      },
    },
    response: {
      202: { type: 'object', properties: { status: { type: 'string' }, message: { type: 'string' } } },
      ...errors,
    },
  },
} as const;
