import type { Context } from '../../src/context.ts';
import { createTransport, type MailTransport } from '../../src/mail/transport.ts';
import { deliverDue } from './mail.ts';
import { startSmtpServer, type TestSmtpServer } from './smtp.ts';

/**
 * The mail a test reads, as a user would: queued by the flows, delivered by the real outbox
 * dispatcher over SMTP to an in-process SMTP server, and parsed from the wire by mailparser.
 * The outbox row only tells which received message is of which kind (by its Message-ID).
 *
 *   const inbox = await startInbox();                        // before the app: gives SMTP_URL
 *   t = await startTestApp(dialect, { ...inbox.env });
 *   const mail = await inbox.last(t.ctx, 'a@example.com', 'verify_email');
 *   tokenLink(mail) …
 *   await inbox.close();
 */
export interface Mail {
  kind: string;
  recipient: string;
  subject: string;
  text: string;
  html: string;
}

export interface Inbox {
  readonly env: { SMTP_URL: string };
  readonly smtp: TestSmtpServer;
  /** Delivers what is due, then every message of a kind (or all) received by one address, oldest first. */
  to(ctx: Context, recipient: string, kind?: string): Promise<Mail[]>;
  /** The newest message of a kind received by an address; throws when there is none. */
  last(ctx: Context, recipient: string, kind: string): Promise<Mail>;
  /** Delivers what is due, then every message received so far. */
  all(ctx: Context): Promise<Mail[]>;
  close(): Promise<void>;
}

export async function startInbox(): Promise<Inbox> {
  const smtp = await startSmtpServer();
  let transport: MailTransport | undefined;

  async function deliver(ctx: Context): Promise<void> {
    transport ??= createTransport(ctx.config);
    await deliverDue(ctx, { transport });
  }

  async function received(ctx: Context, recipient?: string, kind?: string): Promise<Mail[]> {
    await deliver(ctx);
    let query = ctx.db.selectFrom('email_outbox').select(['kind', 'recipient', 'message_id', 'status']);
    if (recipient !== undefined) query = query.where('recipient', '=', recipient);
    if (kind !== undefined) query = query.where('kind', '=', kind);
    const rows = await query.orderBy('created_at').orderBy('id').execute();
    return rows.map((row) => {
      const message = smtp.messages.find((m) => m.messageId === row.message_id);
      if (message === undefined)
        throw new Error(`${row.kind} to ${row.recipient} was not delivered (${row.status})`);
      return {
        kind: row.kind,
        recipient: row.recipient,
        subject: message.parsed.subject ?? '',
        text: message.parsed.text ?? '',
        html: typeof message.parsed.html === 'string' ? message.parsed.html : '',
      };
    });
  }

  return {
    env: { SMTP_URL: smtp.url },
    smtp,
    to: (ctx, recipient, kind) => received(ctx, recipient, kind),
    async last(ctx, recipient, kind) {
      const mail = (await received(ctx, recipient, kind)).at(-1);
      if (mail === undefined) throw new Error(`no ${kind} email to ${recipient}`);
      return mail;
    },
    all: (ctx) => received(ctx),
    async close() {
      await transport?.close();
      await smtp.close();
    },
  };
}

/** Every http(s) URL in a message's text. */
export function linksIn(mail: Mail): string[] {
  return [...mail.text.matchAll(/https?:\/\/[^\s<>"]+/g)].map((m) => m[0]);
}

/** The one link carrying a token in a message. */
export function tokenLink(mail: Mail): URL {
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
