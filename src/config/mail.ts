import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import addressparser from 'nodemailer/lib/addressparser';
import { type Env, fail, read } from './env.ts';

/** A From: nodemailer's shape, before it becomes header text. */
export interface Sender {
  readonly name: string;
  readonly address: string;
}

/**
 * Account mail and newsletters leave from two addresses, so that a filter or an unsubscribe aimed
 * at one never catches the other, and mailbox providers class reset links as transactional.
 *
 * The defaults put APP_NAME in the display name as it is, so it is never parsed: an APP_NAME such
 * as `The "Best" <App>` once made the From text a different address, and the SMTP server refused
 * every message. A configured MAIL_FROM is parsed the way nodemailer parses it, here, at start-up.
 */
export function senders(env: Env, appName: string, mailDomain: string) {
  const from = sender(env, 'MAIL_FROM', { name: appName, address: `no-reply@${mailDomain}` });
  const newsletterFrom = sender(env, 'NEWSLETTER_FROM', { name: appName, address: `news@${mailDomain}` });
  if (from.address.toLowerCase() === newsletterFrom.address.toLowerCase())
    fail('NEWSLETTER_FROM', `must be another address than MAIL_FROM's, got "${newsletterFrom.address}"`);
  return { from: formatSender(from), newsletterFrom: formatSender(newsletterFrom) };
}

function sender(env: Env, name: string, fallback: Sender): Sender {
  const raw = read(env, name);
  if (raw === undefined) {
    if (hasControlCharacter(fallback.name))
      fail('APP_NAME', 'must not contain line breaks or control characters');
    return fallback;
  }
  const parsed = addressparser(raw);
  const [first] = parsed;
  const reason =
    'must be one email address, optionally with a display name, such as "Acme" <no-reply@acme.example>';
  if (parsed.length !== 1 || first === undefined || 'group' in first) fail(name, `${reason}, got "${raw}"`);
  if (!/^[^\s@<>",;]+@[^\s@<>",;]+$/.test(first.address)) fail(name, `${reason}, got "${raw}"`);
  if (hasControlCharacter(first.name)) fail(name, 'must not contain line breaks or control characters');
  return { name: first.name, address: first.address };
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds.
const hasControlCharacter = (text: string) => /[\u0000-\u001f\u007f]/.test(text);

/**
 * The From header text (RFC 5322 3.4): a display name of atoms and spaces stays as it is, any other
 * becomes a quoted string, so that a comma, a quote or an angle bracket in it stays part of the
 * name. Letters beyond ASCII count as atom text (RFC 6532); nodemailer encodes them on the way out.
 */
export function formatSender({ name, address }: Sender): string {
  if (name === '') return address;
  if (/^[\p{L}\p{N}!#$%&'*+\-/=?^_`{|}~]+( [\p{L}\p{N}!#$%&'*+\-/=?^_`{|}~]+)*$/u.test(name))
    return `${name} <${address}>`;
  return `"${name.replace(/["\\]/g, '\\$&')}" <${address}>`;
}

export interface DkimSettings {
  readonly domainName: string;
  readonly keySelector: string;
  /** PEM, read from DKIM_PRIVATE_KEY_FILE at start-up. */
  readonly privateKey: string;
}

/**
 * DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY_FILE: all three or none. The key is read and
 * parsed here, so a wrong path or a broken key stops start-up instead of every send.
 */
export function dkimSettings(env: Env): DkimSettings | null {
  const domainName = read(env, 'DKIM_DOMAIN');
  const keySelector = read(env, 'DKIM_SELECTOR');
  const keyFile = read(env, 'DKIM_PRIVATE_KEY_FILE');
  if (domainName === undefined && keySelector === undefined && keyFile === undefined) return null;
  if (domainName === undefined || keySelector === undefined || keyFile === undefined)
    fail('DKIM_DOMAIN', 'DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY_FILE go together');
  let privateKey: string;
  try {
    privateKey = readFileSync(keyFile, 'utf8');
    createPrivateKey(privateKey);
  } catch {
    fail('DKIM_PRIVATE_KEY_FILE', `must name a readable PEM private key, got "${keyFile}"`);
  }
  return { domainName, keySelector, privateKey };
}
