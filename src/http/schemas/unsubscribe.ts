import { problemSchema } from './problem.ts';

/** Unsubscribing with the token of an unsubscribe link (routes/unsubscribe.ts). */

export const unsubscribe = {
  method: 'POST',
  url: '/unsubscribe',
  schema: {
    tags: ['newsletter'],
    summary: 'Unsubscribe from newsletters with the token of an unsubscribe link',
    description: 'Idempotent. Needs no session: the signed token is the authority.',
    body: {
      type: 'object',
      required: ['token'],
      additionalProperties: false,
      properties: { token: { type: 'string', maxLength: 512 } },
    },
    response: {
      200: { type: 'object', properties: { status: { type: 'string', enum: ['unsubscribed'] } } },
      400: problemSchema,
      422: problemSchema,
    },
  },
} as const;
