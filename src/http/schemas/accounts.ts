import { problemSchema } from './problem.ts';
import { userSchema } from './sessions.ts';

/** The account flows' JSON API (routes/accounts.ts): one route's method, URL under /v1 and schema each. */

// Generous caps that stop huge strings before any work; the real limits (254 characters for an
// email, 1 KiB for a password) are checked by the flows, with a clear message.
export const email = { type: 'string', maxLength: 1024 } as const;

const password = { type: 'string', maxLength: 4096 } as const;

export const token = { type: 'string', maxLength: 512 } as const;

// Digits, perhaps pasted with spaces or dashes; the code engine decides (src/tokens/codes.ts).
export const code = {
  type: 'string',
  maxLength: 40,
  description: 'The code from the email; spaces are ignored.',
} as const;

const acceptedSchema = {
  type: 'object',
  properties: { status: { type: 'string' }, message: { type: 'string' } },
} as const;

const statusSchema = { type: 'object', properties: { status: { type: 'string' } } } as const;

const errors = {
  400: problemSchema,
  401: problemSchema,
  403: problemSchema,
  410: problemSchema,
  422: problemSchema,
  429: problemSchema,
} as const;

export const signUp = {
  method: 'POST',
  url: '/users',
  schema: {
    tags: ['accounts'],
    summary: 'Sign up',
    description: 'Always 202 with the same body for valid input, whether or not the address has an account.',
    body: {
      type: 'object',
      required: ['email', 'password'],
      additionalProperties: false,
      properties: {
        email,
        password,
        locale: {
          type: 'string',
          maxLength: 35,
          description:
            "The account's language (en, de); else the request's Accept-Language if oto speaks it.",
        },
      },
    },
    response: { 202: acceptedSchema, ...errors },
  },
} as const;

export const verifyEmail = {
  method: 'POST',
  url: '/users/verify',
  schema: {
    tags: ['accounts'],
    summary: 'Confirm an email address with the token from the verification link, or the emailed code',
    description:
      'Send {token}, or {email, code} when VERIFY_EMAIL_METHOD allows codes (else 400 code_not_accepted). ' +
      'A wrong code, an address without an account and a spent attempt budget all answer 400 code_invalid.',
    body: {
      type: 'object',
      additionalProperties: false,
      properties: { token, email, code },
      anyOf: [{ required: ['token'] }, { required: ['email', 'code'] }],
    },
    response: { 200: statusSchema, ...errors },
  },
} as const;

export const resendVerification = {
  method: 'POST',
  url: '/users/verify/resend',
  schema: {
    tags: ['accounts'],
    summary: 'Send a new verification link',
    description: 'Always 202; a link is sent only to an existing unverified account.',
    body: { type: 'object', required: ['email'], additionalProperties: false, properties: { email } },
    response: { 202: acceptedSchema, ...errors },
  },
} as const;

export const logIn = {
  method: 'POST',
  url: '/sessions',
  schema: {
    tags: ['sessions'],
    summary: 'Log in',
    description:
      'Sets the session cookie (for browsers) and returns the session token (for API clients, as a bearer token).',
    body: {
      type: 'object',
      required: ['email', 'password'],
      additionalProperties: false,
      properties: { email, password },
    },
    response: {
      200: {
        type: 'object',
        properties: {
          user: userSchema,
          sessionToken: { type: 'string' },
          expiresAt: { type: 'string' },
        },
      },
      ...errors,
    },
  },
} as const;

export const requestPasswordReset = {
  method: 'POST',
  url: '/password-resets',
  schema: {
    tags: ['accounts'],
    summary: 'Forgot password: email a reset link',
    description: 'Always 202 with the same body for a valid address, whether or not it has an account.',
    body: { type: 'object', required: ['email'], additionalProperties: false, properties: { email } },
    response: { 202: acceptedSchema, ...errors },
  },
} as const;

export const resetPassword = {
  method: 'POST',
  url: '/password-resets/confirm',
  schema: {
    tags: ['accounts'],
    summary: 'Set a new password with the token from the reset link, or the emailed code',
    description:
      'Send {token, password}, or {email, code, password} when RESET_PASSWORD_METHOD allows codes. ' +
      'A refused password answers 422 and leaves the token or code usable. Success ends every session; it does not log in.',
    body: {
      type: 'object',
      required: ['password'],
      additionalProperties: false,
      properties: { token, email, code, password },
      anyOf: [{ required: ['token'] }, { required: ['email', 'code'] }],
    },
    response: { 200: statusSchema, ...errors },
  },
} as const;
