import nodemailer from 'nodemailer';
import type { Config } from '../config/config.ts';
import type { DkimSettings } from '../config/mail.ts';
import type { OutboxMessage } from '../db/schema.ts';

/**
 * Where the dispatcher hands a claimed message. Two exist: real SMTP (SMTP_URL set) and the dev
 * transport (SMTP_URL unset), whose "delivery" is leaving the message in the database, where the
 * dev mailbox shows it.
 */
export interface MailTransport {
  readonly name: 'smtp' | 'dev' | 'app';
  /**
   * True when a sent message's bodies must stay in the outbox: the dev mailbox is the user's inbox
   * in development. Every other transport has them erased once sent, so no token rests there.
   */
  readonly keepsBodies: boolean;
  /** How many sends the dispatcher may have in flight at once. */
  readonly concurrency: number;
  /** Resolves once the server accepted the message; rejects with the SMTP error otherwise. */
  send(message: OutboxMessage): Promise<void>;
  close(): Promise<void>;
}

/** True when oto delivers into the dev mailbox rather than to an SMTP server. */
export function usesDevTransport(config: Config): boolean {
  return config.mail.delivery === 'dev';
}

/** The transport the configuration names; the app's own ('app') is handed to the worker instead. */
export function createTransport(config: Config): MailTransport {
  if (config.mail.delivery === 'app') throw new Error('the app delivers this mail: pass its transport');
  return config.mail.smtpUrl === null ? devTransport() : smtpTransport(config.mail.smtpUrl, config.mail.dkim);
}

/**
 * The headers a DKIM signature covers: nodemailer's list (RFC 6376's recommendation) and
 * List-Unsubscribe-Post, which RFC 8058 requires a signature to cover along with List-Unsubscribe
 * for a one-click unsubscribe to count.
 */
const DKIM_SIGNED_HEADERS = [
  'From',
  'Sender',
  'Reply-To',
  'Subject',
  'Date',
  'Message-ID',
  'To',
  'Cc',
  'MIME-Version',
  'Content-Type',
  'Content-Transfer-Encoding',
  'In-Reply-To',
  'References',
  'List-Id',
  'List-Unsubscribe',
  'List-Unsubscribe-Post',
].join(':');

/**
 * Why `oto serve` and `oto worker` refuse to start, or null. In production the dev transport
 * would publish every reset link at /dev/mailbox, so SMTP_URL is required there.
 */
export function mailConfigProblem(config: Config): string | null {
  if (config.production && usesDevTransport(config)) {
    return 'SMTP_URL: is required when NODE_ENV=production (the dev mailbox is for development only)';
  }
  return null;
}

function devTransport(): MailTransport {
  return {
    name: 'dev',
    keepsBodies: true,
    concurrency: 1,
    async send() {},
    async close() {},
  };
}

/**
 * Connections kept open to the SMTP server, and so the number of sends in flight. nodemailer's
 * default; a relay that allows more takes ?maxConnections=N in SMTP_URL.
 */
const DEFAULT_POOL_SIZE = 5;

/**
 * SMTP through a nodemailer pool. The URL carries the scheme (smtp:// upgrades with STARTTLS when
 * offered, smtps:// is TLS from the start), the credentials and the port; nodemailer reads its
 * query string for further options (e.g. ?maxConnections=10), which take precedence over ours.
 */
function smtpTransport(url: string, dkim: DkimSettings | null): MailTransport {
  const poolSize = Number(new URL(url).searchParams.get('maxConnections')) || DEFAULT_POOL_SIZE;
  const transporter = nodemailer.createTransport({
    url,
    ...(dkim ? { dkim: { ...dkim, headerFieldNames: DKIM_SIGNED_HEADERS } } : {}),
    pool: true,
    maxConnections: poolSize,
    // Outbox rows never carry attachments; refusing file and URL access anyway means a template
    // mistake cannot make the mailer read local files or fetch remote content.
    disableFileAccess: true,
    disableUrlAccess: true,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  return {
    name: 'smtp',
    keepsBodies: false,
    concurrency: poolSize,
    async send(message) {
      await transporter.sendMail(outgoingMessage(message));
    },
    async close() {
      transporter.close();
    },
  };
}

/** A message as it leaves oto: nodemailer's message fields, which the app's own `send` gets too. */
export interface OutgoingMessage {
  from: string;
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** Fixed at enqueue time: a re-send after a crash carries the same Message-ID, so the receiving
   * side can recognise the duplicate. */
  messageId: string;
  headers: Record<string, string>;
}

export function outgoingMessage(message: OutboxMessage): OutgoingMessage {
  return {
    from: message.sender,
    to: message.recipient,
    subject: message.subject,
    text: message.text_body ?? '',
    ...(message.html_body ? { html: message.html_body } : {}),
    messageId: message.message_id,
    headers: message.headers ? (JSON.parse(message.headers) as Record<string, string>) : {},
  };
}
