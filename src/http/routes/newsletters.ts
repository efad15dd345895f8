import type { FastifyInstance } from 'fastify';
import type { Context } from '../../context.ts';
import { IdempotencyKeyReused, sendNewsletter } from '../../newsletter/send.ts';
import { HttpProblem, invalidInput, problemSchema } from '../problem.ts';

/** A newsletter is bigger than the 64 KiB other JSON bodies are held to. */
const NEWSLETTER_BODY_LIMIT = 2 * 1024 * 1024;
/** Printable ASCII, as the Idempotency-Key draft (and every client that sends one) uses. */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

interface NewsletterBody {
  subject: string;
  text: string;
  html?: string;
}

export async function newsletterRoutes(app: FastifyInstance, { ctx }: { ctx: Context }) {
  app.post<{ Body: NewsletterBody }>(
    '/newsletters',
    {
      bodyLimit: NEWSLETTER_BODY_LIMIT,
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
    },
    async (request, reply) => {
      const key = request.headers['idempotency-key'];
      if (key !== undefined && (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key))) {
        throw invalidInput([
          { field: 'Idempotency-Key', message: 'must be 1 to 255 printable ASCII characters' },
        ]);
      }
      try {
        const result = await sendNewsletter(ctx, request.body, { idempotencyKey: key });
        return reply.status(202).send({ sendId: result.sendId, queued: result.queued });
      } catch (error) {
        if (error instanceof IdempotencyKeyReused) {
          throw new HttpProblem(
            422,
            'idempotency_key_reused',
            'This Idempotency-Key was used for another newsletter.',
            {
              detail: 'Send a new key for new content; repeat a request with its own key only to retry it.',
            },
          );
        }
        throw error;
      }
    },
  );
}
