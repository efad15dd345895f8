import { code, email, token } from './accounts.ts';
import { problemSchema } from './problem.ts';
import { userSchema } from './sessions.ts';

/** Passwordless sign-in by email (routes/sign-in.ts), when SIGN_IN_EMAIL is on (404 otherwise). */

const errors = {
  400: problemSchema,
  403: problemSchema,
  404: problemSchema,
  409: problemSchema,
  410: problemSchema,
  422: problemSchema,
  429: problemSchema,
} as const;

export const requestSignInEmail = {
  method: 'POST',
  url: '/sign-in/email',
  schema: {
    tags: ['sessions'],
    summary: 'Email a sign-in link and/or code (SIGN_IN_EMAIL_METHOD)',
    description:
      'Always 202 with the same body for a valid address, whether or not it has an account. Sets a ' +
      'short-lived cookie that binds the emailed link to this browser. With SIGN_UP_PASSWORDLESS an ' +
      'address without an account gets an offer to create one.',
    body: { type: 'object', required: ['email'], additionalProperties: false, properties: { email } },
    response: {
      202: { type: 'object', properties: { status: { type: 'string' }, message: { type: 'string' } } },
      ...errors,
    },
  },
} as const;

export const confirmSignInEmail = {
  method: 'POST',
  url: '/sign-in/email/confirm',
  schema: {
    tags: ['sessions'],
    summary: 'Sign in with the emailed link or code',
    description:
      'Send {token} (from the link) or {email, code}. A token without the cookie of the browser that asked ' +
      'answers 409 confirmation_required unless confirm is true. A wrong code, an address without an ' +
      'account and a spent attempt budget all answer 400 code_invalid. Sets the session cookie, as log-in does.',
    body: {
      type: 'object',
      additionalProperties: false,
      properties: { token, email, code, confirm: { type: 'boolean' } },
      anyOf: [{ required: ['token'] }, { required: ['email', 'code'] }],
    },
    response: {
      200: {
        type: 'object',
        properties: { user: userSchema, sessionToken: { type: 'string' }, expiresAt: { type: 'string' } },
      },
      ...errors,
    },
  },
} as const;
