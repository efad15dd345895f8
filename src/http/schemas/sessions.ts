import { problemSchema } from './problem.ts';

/** Who is logged in, logging out, and session introspection (routes/sessions.ts). */

/** A user as /v1/me, log-in and sign-in show one (publicUser). */
export const userSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    email: { type: 'string' },
    emailVerified: { type: 'boolean' },
    subscribed: { type: 'boolean' },
    hasPassword: { type: 'boolean' },
    createdAt: { type: 'string' },
    locale: { type: ['string', 'null'], description: "The user's language; null: DEFAULT_LOCALE." },
  },
} as const;

const introspectionSchema = {
  type: 'object',
  properties: {
    active: { type: 'boolean' },
    userId: { type: ['string', 'null'] },
    email: { type: ['string', 'null'] },
    emailVerified: { type: ['boolean', 'null'] },
    expiresAt: { type: ['string', 'null'] },
  },
} as const;

export const currentUser = {
  method: 'GET',
  url: '/me',
  schema: {
    tags: ['sessions'],
    summary: 'The logged-in user',
    response: { 200: userSchema, 401: problemSchema },
  },
} as const;

/** A language tag; whether oto speaks it is the route's to say (422), with the list. */
export const localeTag = {
  type: 'string',
  maxLength: 35,
  pattern: '^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$',
} as const;

export const updateCurrentUser = {
  method: 'PATCH',
  url: '/me',
  schema: {
    tags: ['sessions'],
    summary: "Change the logged-in user's settings: their language",
    description:
      'locale: one oto has a catalogue for (en, de), or null for DEFAULT_LOCALE; another answers 422.',
    body: {
      type: 'object',
      required: ['locale'],
      additionalProperties: false,
      properties: { locale: { anyOf: [localeTag, { type: 'null' }] } },
    },
    response: { 200: userSchema, 401: problemSchema, 403: problemSchema, 422: problemSchema },
  },
} as const;

export const logOut = {
  method: 'DELETE',
  url: '/sessions/current',
  schema: {
    tags: ['sessions'],
    summary: 'Log out: end the session of this request',
    response: { 204: { type: 'null' }, 401: problemSchema, 403: problemSchema },
  },
} as const;

export const introspectSession = {
  method: 'POST',
  url: '/sessions/introspect',
  schema: {
    tags: ['sessions'],
    summary: "Tell the app's backend whether a session token is live, and whose it is",
    description:
      'Send the value of the session cookie (or bearer token) your backend received. ' +
      'An unknown, expired or logged-out session answers {active: false}.',
    security: [{ apiKey: [] }],
    body: {
      type: 'object',
      required: ['token'],
      additionalProperties: false,
      properties: { token: { type: 'string', maxLength: 512 } },
    },
    response: { 200: introspectionSchema, 401: problemSchema, 422: problemSchema },
  },
} as const;
