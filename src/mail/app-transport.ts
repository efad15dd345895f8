import nodemailer from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import { type MailTransport, type OutgoingMessage, outgoingMessage } from './transport.ts';

/**
 * Library mode's `mail` option, when the app delivers: its own nodemailer transporter, nodemailer
 * transport options, or a `send(message)` of its own (an HTTP API of a mail provider, say). The
 * outbox stays in charge either way: a message is handed over only after its transaction committed,
 * a rejected promise is retried with backoff up to OUTBOX_MAX_ATTEMPTS, the per-address caps apply,
 * and the bodies are erased once sent.
 */
export type AppMail =
  | { send(message: OutgoingMessage): Promise<unknown> }
  | { sendMail(message: OutgoingMessage): Promise<unknown>; close?(): void }
  | SMTPTransport.Options;

/** How many sends the outbox keeps in flight through the app's transport. */
const APP_CONCURRENCY = 5;

export function appTransport(mail: AppMail): MailTransport {
  if ('send' in mail && typeof mail.send === 'function') {
    const send = mail.send.bind(mail);
    return transport(async (message) => {
      await send(message);
    });
  }
  if ('sendMail' in mail && typeof mail.sendMail === 'function') {
    const sendMail = mail.sendMail.bind(mail);
    // The app's transporter is the app's to close.
    return transport(async (message) => {
      await sendMail(message);
    });
  }
  const transporter = nodemailer.createTransport({
    ...(mail as SMTPTransport.Options),
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return transport(
    async (message) => {
      await transporter.sendMail(message);
    },
    () => transporter.close(),
  );
}

function transport(send: (message: OutgoingMessage) => Promise<void>, close?: () => void): MailTransport {
  return {
    name: 'app',
    keepsBodies: false,
    concurrency: APP_CONCURRENCY,
    send: (message) => send(outgoingMessage(message)),
    async close() {
      close?.();
    },
  };
}
