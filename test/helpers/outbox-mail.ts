import type { Context } from '../../src/context.ts';
import type { OutboxMessage } from '../../src/db/schema.ts';

/**
 * Reads the emails oto queued, as the dev mailbox shows them: the rendered message in the outbox.
 * (The real dispatcher and SMTP helper belong to the mail work; this reads the same rendered text
 * that would be handed to SMTP.)
 */
export async function mailsTo(ctx: Context, to: string, kind?: string): Promise<OutboxMessage[]> {
  let query = ctx.db.selectFrom('email_outbox').selectAll().where('recipient', '=', to);
  if (kind !== undefined) query = query.where('kind', '=', kind);
  return query.orderBy('created_at').orderBy('id').execute();
}

export async function lastMail(ctx: Context, to: string, kind: string): Promise<OutboxMessage> {
  const mails = await mailsTo(ctx, to, kind);
  const last = mails.at(-1);
  if (last === undefined) throw new Error(`no ${kind} email to ${to}`);
  return last;
}

/** Every http(s) URL in a message's text body. */
export function linksIn(mail: OutboxMessage): string[] {
  return [...(mail.text_body ?? '').matchAll(/https?:\/\/[^\s<>"]+/g)].map((m) => m[0]);
}

/** The one link carrying a token in a message. */
export function tokenLink(mail: OutboxMessage): URL {
  const links = linksIn(mail).filter((link) => /[?&]token=/.test(link));
  if (links.length !== 1) throw new Error(`expected one token link in ${mail.kind}, found ${links.length}`);
  return new URL(links[0]!);
}

export function tokenOf(link: URL): string {
  return link.searchParams.get('token') ?? '';
}

/** Path and query of a link, for app.inject. */
export function pathOf(link: URL): string {
  return link.pathname + link.search;
}
