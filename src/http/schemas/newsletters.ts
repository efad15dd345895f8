import { problemSchema } from './problem.ts';

/** Sending a newsletter (routes/newsletters.ts). */

export const sendNewsletter = {
  method: 'POST',
  url: '/newsletters',
  schema: {
    tags: ['newsletter'],
    summary: 'Send a newsletter to every subscribed, verified user',
    description:
      'Queues one message per recipient, each with its own unsubscribe link and the RFC 8058 ' +
      'List-Unsubscribe headers. With an Idempotency-Key header, a retried request resumes or ' +
      'replays the first one instead of sending twice.',
    security: [{ apiKey: [] }],
    headers: {
      type: 'object',
      properties: { 'idempotency-key': { type: 'string' } },
    },
    body: {
      type: 'object',
      required: ['subject', 'text'],
      additionalProperties: false,
      properties: {
        // One line without control characters: a line break in a subject is a header injection.
        subject: {
          type: 'string',
          minLength: 1,
          maxLength: 200,
          pattern: '^[^\\u0000-\\u001f\\u007f]*$',
        },
        text: { type: 'string', minLength: 1, maxLength: 1_000_000 },
        html: { type: 'string', minLength: 1, maxLength: 1_000_000 },
      },
    },
    response: {
      202: {
        type: 'object',
        properties: { sendId: { type: 'string' }, queued: { type: 'integer' } },
      },
      401: problemSchema,
      422: problemSchema,
    },
  },
} as const;
