import { problemSchema } from './problem.ts';

/** Change of email (routes/email-change.ts). */

const errors = {
  400: problemSchema,
  401: problemSchema,
  403: problemSchema,
  409: problemSchema,
  410: problemSchema,
  422: problemSchema,
  429: problemSchema,
} as const;

export const requestEmailChange = {
  method: 'POST',
  url: '/me/email',
  schema: {
    tags: ['accounts'],
    summary: 'Ask to change the email of the logged-in account',
    description:
      'Needs the current password, or, for an account without a password, the code from ' +
      'POST /v1/me/action-codes (400 code_invalid when wrong). Mails a confirmation link to the new address and a notice to ' +
      'the old one. Answers 202 with the same body whether or not the new address is free.',
    body: {
      type: 'object',
      required: ['newEmail'],
      anyOf: [{ required: ['currentPassword'] }, { required: ['password'] }, { required: ['code'] }],
      additionalProperties: false,
      properties: {
        newEmail: { type: 'string', maxLength: 1024 },
        currentPassword: {
          type: 'string',
          maxLength: 4096,
          description: 'Wrong: 401 invalid_credentials, counted toward the login cool-down.',
        },
        password: {
          type: 'string',
          maxLength: 4096,
          deprecated: true,
          description: 'The older name of currentPassword, still taken.',
        },
        code: { type: 'string', maxLength: 40, description: 'The emailed code; spaces are ignored.' },
      },
    },
    response: {
      202: { type: 'object', properties: { status: { type: 'string' }, message: { type: 'string' } } },
      ...errors,
    },
  },
} as const;

export const confirmEmailChange = {
  method: 'POST',
  url: '/me/email/confirm',
  schema: {
    tags: ['accounts'],
    summary: 'Confirm a change of email with the token from the link sent to the new address',
    description:
      "Needs the session of the account that asked. Switches the address, marks it verified and ends the account's other sessions.",
    body: {
      type: 'object',
      required: ['token'],
      additionalProperties: false,
      properties: { token: { type: 'string', maxLength: 512 } },
    },
    response: { 200: { type: 'object', properties: { status: { type: 'string' } } }, ...errors },
  },
} as const;
