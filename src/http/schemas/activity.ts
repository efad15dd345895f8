import { problemSchema } from './problem.ts';

/** The logged-in user's security events (routes/activity.ts). */

export const DEFAULT_LIMIT = 20;

export const MAX_LIMIT = 100;

const eventSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    event: { type: 'string', description: 'e.g. login.succeeded, login.failed, password_reset.completed' },
    at: { type: 'string', format: 'date-time' },
    ip: { type: ['string', 'null'] },
    detail: { type: ['object', 'null'], additionalProperties: true },
  },
} as const;

export const recentActivity = {
  method: 'GET',
  url: '/me/activity',
  schema: {
    tags: ['sessions'],
    summary: "The logged-in user's recent security events (log-ins, resets, changes), newest first",
    querystring: {
      type: 'object',
      additionalProperties: false,
      properties: {
        // Query values are strings, and oto does not coerce types: the patterns say the shape.
        limit: {
          type: 'string',
          pattern: '^[0-9]{1,3}$',
          description: `1 to ${MAX_LIMIT}, default ${DEFAULT_LIMIT}`,
        },
        before: { type: 'string', maxLength: 100, description: 'nextBefore of the previous page' },
      },
    },
    response: {
      200: {
        type: 'object',
        properties: {
          events: { type: 'array', items: eventSchema },
          nextBefore: { type: ['string', 'null'] },
        },
      },
      401: problemSchema,
      422: problemSchema,
    },
  },
} as const;
