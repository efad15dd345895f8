import { problemSchema } from './problem.ts';

/** The logged-in user's newsletter subscription (routes/subscription.ts). */

export const setSubscription = {
  method: 'PUT',
  url: '/me/subscription',
  schema: {
    tags: ['newsletter'],
    summary: "Set the logged-in user's newsletter subscription",
    body: {
      type: 'object',
      required: ['subscribed'],
      additionalProperties: false,
      properties: { subscribed: { type: 'boolean' } },
    },
    response: {
      200: { type: 'object', properties: { subscribed: { type: 'boolean' } } },
      401: problemSchema,
      403: problemSchema,
      422: problemSchema,
    },
  },
} as const;
