import type { Config } from '../config/config.ts';
import type { Context } from '../context.ts';
import type { Db } from '../db/schema.ts';
import { isLocale, LOCALES, type Locale } from '../i18n/locales.ts';
import { enqueueEmail, enqueueEmails, type OutboxRow, type OutgoingEmail, outboxRow } from './outbox.ts';
import { type EmailKind, type EmailParams, renderEmail, type TemplateEnv } from './templates.ts';

export interface QueueOptions {
  userId?: string | null;
  /** Defaults: NEWSLETTER_FROM for newsletters, MAIL_FROM for everything else. */
  from?: string;
  /** Added to (and overriding) the kind's own headers, e.g. a different List-Unsubscribe URL. */
  headers?: Record<string, string>;
  sendId?: string;
  /**
   * The recipient's language: users.locale, or null for DEFAULT_LOCALE. It is decided here, when the
   * message is queued, not looked up at send: the outbox row holds the finished message, so a retry
   * sends the same bytes (DKIM-signed at each attempt, over the same body), the worker needs no
   * template or account to send it, and the link it carries is never stored apart from its words.
   * A user who changes language after asking gets that one email in the old one.
   */
  locale?: string | null;
}

/**
 * Renders an email of a kind and puts it in the outbox, in the caller's transaction. This is the
 * one way flows send mail: nothing is sent inline, so a response never waits for (or reveals) SMTP.
 */
export async function queueMail<K extends EmailKind>(
  ctx: Context,
  db: Db,
  kind: K,
  to: string,
  params: EmailParams[K],
  options: QueueOptions = {},
): Promise<string> {
  return enqueueEmail(db, ctx.clock, prepare(ctx, kind, to, params, options), messageDomain(ctx));
}

/**
 * The outbox row queueMail would insert, rendered before the recipient is known: for a PostgreSQL
 * statement that finds the account and inserts the row itself, taking recipient and user from it.
 */
function renderedMail<K extends EmailKind>(
  ctx: Context,
  kind: K,
  params: EmailParams[K],
  locale: string | null,
): Omit<OutboxRow, 'recipient' | 'user_id'> {
  const {
    recipient: _,
    user_id: __,
    ...row
  } = outboxRow(ctx.clock, prepare(ctx, kind, '', params, { locale }), messageDomain(ctx));
  return row;
}

/** An email in each language a deployment writes in, for a statement that picks the recipient's. */
export interface Renditions {
  /** The outbox row's id, sender and Message-ID: the same whichever language goes. */
  id: string;
  sender: string;
  messageId: string;
  /** mailLocales' order: DEFAULT_LOCALE first, which also goes to a recipient whose language is not here. */
  locales: Locale[];
  /** Each language's words, in the order of locales. */
  subjects: string[];
  textBodies: string[];
  htmlBodies: (string | null)[];
  headers: (string | null)[];
}

/**
 * renderedMail in every language of mailLocales, for a PostgreSQL statement that learns the
 * recipient's language only when it finds the account (src/accounts/password-reset.ts).
 */
export function renderedMailInEachLocale<K extends EmailKind>(
  ctx: Context,
  kind: K,
  params: EmailParams[K],
): Renditions {
  const [first, ...others] = mailLocales(ctx.config);
  const render = (locale: Locale) => renderedMail(ctx, kind, params, locale);
  const firstRow = render(first);
  // The others' ids and Message-IDs go unused: only one of the renditions is queued.
  const rows = [firstRow, ...others.map(render)];
  return {
    id: firstRow.id,
    sender: firstRow.sender,
    messageId: firstRow.message_id,
    locales: [first, ...others],
    subjects: rows.map((row) => row.subject),
    textBodies: rows.map((row) => row.text_body),
    htmlBodies: rows.map((row) => row.html_body),
    headers: rows.map((row) => row.headers),
  };
}

/**
 * The languages this deployment writes email in: every one oto has a catalogue for, DEFAULT_LOCALE
 * first. A stored language outside them is written in the first (recipientLocale).
 */
function mailLocales(config: Config): [Locale, ...Locale[]] {
  const first = config.presentation.defaultLocale;
  return [first, ...LOCALES.filter((locale) => locale !== first)];
}

export interface QueuedItem<K extends EmailKind> {
  to: string;
  params: EmailParams[K];
  options?: QueueOptions;
}

/** queueMail for many messages of one kind, in one INSERT: for newsletters, batch by batch. */
export async function queueMails<K extends EmailKind>(
  ctx: Context,
  db: Db,
  kind: K,
  items: QueuedItem<K>[],
): Promise<void> {
  const emails = items.map((item) => prepare(ctx, kind, item.to, item.params, item.options ?? {}));
  await enqueueEmails(db, ctx.clock, emails, messageDomain(ctx));
}

function prepare<K extends EmailKind>(
  ctx: Context,
  kind: K,
  to: string,
  params: EmailParams[K],
  options: QueueOptions,
): OutgoingEmail {
  const rendered = renderEmail(kind, templateEnv(ctx.config, recipientLocale(ctx, options.locale)), params);
  return {
    kind,
    to,
    // Account mail and newsletters come from different addresses, so that unsubscribing from
    // (or filtering) the newsletter never catches a password reset.
    from: options.from ?? (kind === 'newsletter' ? ctx.config.mail.newsletterFrom : ctx.config.mail.from),
    userId: options.userId ?? null,
    subject: rendered.subject,
    text: rendered.text,
    html: rendered.html,
    headers: rendered.headers || options.headers ? { ...rendered.headers, ...options.headers } : null,
    sendId: options.sendId ?? null,
  };
}

/** What every email of this config is rendered with: its name, branding and templates, in a language. */
export function templateEnv(config: Config, locale: Locale): TemplateEnv {
  return {
    appName: config.appName,
    locale,
    brand: config.presentation.brand,
    templates: config.presentation.templates,
  };
}

/** A stored language oto still speaks, else DEFAULT_LOCALE. */
export function recipientLocale(ctx: Context, locale: string | null | undefined): Locale {
  return isLocale(locale) ? locale : ctx.config.presentation.defaultLocale;
}

function messageDomain(ctx: Context): string {
  return new URL(ctx.config.publicUrl).hostname;
}
