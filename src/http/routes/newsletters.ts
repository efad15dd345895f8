import type { FastifyInstance } from 'fastify';
import type { Context } from '../../context.ts';
import { IdempotencyKeyReused, sendNewsletter } from '../../newsletter/send.ts';
import { HttpProblem, invalidInput } from '../problem.ts';
import * as schemas from '../schemas/newsletters.ts';

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
  app.route<{ Body: NewsletterBody }>({
    ...schemas.sendNewsletter,
    bodyLimit: NEWSLETTER_BODY_LIMIT,
    handler: async (request, reply) => {
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
  });
}
