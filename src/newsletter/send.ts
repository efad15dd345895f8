import { createHash } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { Context } from '../context.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { newId } from '../db/ids.ts';
import type { Db, NewsletterSendsTable } from '../db/schema.ts';
import { buildLink, pageLink } from '../links/links.ts';
import { type QueuedItem, queueMails } from '../mail/queue.ts';
import { unsubscribeToken } from './subscription.ts';

/**
 * Sending a newsletter: one outbox message per subscribed, verified user, each with the user's own
 * signed unsubscribe link and the RFC 8058 one-click headers.
 *
 * Recipients are walked by keyset pagination on users.id, one batch per transaction, so memory and
 * lock time stay bounded whatever the number of users. Progress is a cursor in newsletter_sends:
 * a retry with the same idempotency key resumes after the last committed batch (or does nothing,
 * once the send is done), and two workers on one send never queue the same batch twice, because
 * each batch's commit is conditional on the batch counter it started from.
 */

export const DEFAULT_BATCH_SIZE = 500;

export interface NewsletterContent {
  subject: string;
  text: string;
  html?: string | null;
}

export interface SendOptions {
  /** The Idempotency-Key header or --send-id. Without one, the send cannot be safely retried. */
  idempotencyKey?: string;
  batchSize?: number;
}

export interface SendResult {
  sendId: string;
  queued: number;
  /** True when this call found the send already done and queued nothing. */
  replayed: boolean;
}

/** The idempotency key was used before for a newsletter with other content. */
export class IdempotencyKeyReused extends Error {
  override name = 'IdempotencyKeyReused';
}

/** Another worker committed a batch first; this one's batch is rolled back and retried. */
class LostRace extends Error {}

type SendRow = Selectable<NewsletterSendsTable>;

export async function sendNewsletter(
  ctx: Context,
  content: NewsletterContent,
  options: SendOptions = {},
): Promise<SendResult> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  let send = await claimSend(ctx, content, options.idempotencyKey ?? newId(ctx.clock.now()));
  const replayed = send.status === 'done';
  while (send.status !== 'done') {
    try {
      await ctx.db.transaction().execute((trx) => queueBatch(ctx, trx, send, content, batchSize));
    } catch (error) {
      // Another worker on the same send won this batch; carry on from where it left the cursor.
      if (!(error instanceof LostRace) && !isUniqueViolation(error)) throw error;
    }
    send = await ctx.db
      .selectFrom('newsletter_sends')
      .selectAll()
      .where('id', '=', send.id)
      .executeTakeFirstOrThrow();
  }
  return { sendId: send.id, queued: send.queued, replayed };
}

/** The send's row: a new one, or the existing one for this key when the content is the same. */
async function claimSend(ctx: Context, content: NewsletterContent, key: string): Promise<SendRow> {
  const now = ctx.clock.now();
  const hash = contentHash(content);
  try {
    return await ctx.db
      .insertInto('newsletter_sends')
      .values({
        id: newId(now),
        idempotency_key: key,
        content_hash: hash,
        subject: content.subject,
        status: 'sending',
        created_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
  }
  const existing = await ctx.db
    .selectFrom('newsletter_sends')
    .selectAll()
    .where('idempotency_key', '=', key)
    .executeTakeFirstOrThrow();
  if (existing.content_hash !== hash) {
    throw new IdempotencyKeyReused('this idempotency key was used for a newsletter with other content');
  }
  return existing;
}

async function queueBatch(
  ctx: Context,
  trx: Db,
  send: SendRow,
  content: NewsletterContent,
  batchSize: number,
): Promise<void> {
  let query = trx
    .selectFrom('users')
    .select(['id', 'email', 'locale'])
    .where('email_verified_at', 'is not', null)
    .where('unsubscribed_at', 'is', null)
    .orderBy('id')
    .limit(batchSize);
  if (send.last_user_id !== null) query = query.where('id', '>', send.last_user_id);
  const recipients = await query.execute();
  await queueMails(
    ctx,
    trx,
    'newsletter',
    recipients.map((user) => newsletterFor(ctx, send.id, content, user)),
  );
  const last = recipients.at(-1)?.id ?? send.last_user_id;
  const done = recipients.length < batchSize;
  const result = await trx
    .updateTable('newsletter_sends')
    .set((eb) => ({
      last_user_id: last,
      batches: eb('batches', '+', 1),
      queued: eb('queued', '+', recipients.length),
      ...(done ? { status: 'done' as const, finished_at: ctx.clock.now() } : {}),
    }))
    .where('id', '=', send.id)
    .where('batches', '=', send.batches)
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) throw new LostRace();
}

function newsletterFor(
  ctx: Context,
  sendId: string,
  content: NewsletterContent,
  user: { id: string; email: string; locale: string | null },
): QueuedItem<'newsletter'> {
  const token = unsubscribeToken(ctx, user.id);
  return {
    to: user.email,
    params: {
      subject: content.subject,
      text: content.text,
      html: content.html ?? null,
      unsubscribeLink: buildLink(ctx.config, 'unsubscribe', token),
    },
    options: {
      userId: user.id,
      // The operator's words are as written; the unsubscribe line around them is in the reader's language.
      locale: user.locale,
      from: ctx.config.mail.newsletterFrom,
      sendId,
      // The header names oto's own endpoint even when LINK_UNSUBSCRIBE sends the body's link to the
      // app's front end: a mail client POSTs List-Unsubscribe=One-Click to this URL, and only oto's
      // endpoint is sure to handle that.
      headers: {
        'List-Unsubscribe': `<${pageLink(ctx.config, `/unsubscribe?token=${encodeURIComponent(token)}`)}>`,
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      },
    },
  };
}

function contentHash(content: NewsletterContent): string {
  return createHash('sha256')
    .update(JSON.stringify([content.subject, content.text, content.html ?? null]))
    .digest('hex');
}
