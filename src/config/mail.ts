import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type Env, fail, read } from './env.ts';

/**
 * Account mail and newsletters leave from two addresses, so that a filter or an unsubscribe aimed
 * at one never catches the other, and mailbox providers class reset links as transactional.
 */
export function senders(env: Env, appName: string, mailDomain: string) {
  const from = emailAddress(env, 'MAIL_FROM', `${appName} <no-reply@${mailDomain}>`);
  const newsletterFrom = emailAddress(env, 'NEWSLETTER_FROM', `${appName} <news@${mailDomain}>`);
  const address = (sender: string) =>
    sender
      .replace(/^.*<(.+)>\s*$/, '$1')
      .trim()
      .toLowerCase();
  if (address(from) === address(newsletterFrom))
    fail('NEWSLETTER_FROM', `must be another address than MAIL_FROM's, got "${newsletterFrom}"`);
  return { from, newsletterFrom };
}

function emailAddress(env: Env, name: string, fallback: string): string {
  const raw = read(env, name) ?? fallback;
  if (!/^[^\s@<>]+@[^\s@<>]+$/.test(raw.replace(/^.*<(.+)>\s*$/, '$1'))) {
    fail(name, `must be an email address, optionally with a display name, got "${raw}"`);
  }
  return raw;
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
