import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { dkimVerify } from 'mailauth';
import { loadConfig } from '../src/config/config.ts';
import { ConfigError } from '../src/config/env.ts';
import { queueMail } from '../src/mail/queue.ts';
import { createMailTestContext, deliverDue, type MailTestContext } from './helpers/mail.ts';
import { startSmtpServer, type TestSmtpServer } from './helpers/smtp.ts';

/**
 * Security checklist H.31 (RFC 8058): a one-click unsubscribe counts only when the message's DKIM
 * signature covers List-Unsubscribe and List-Unsubscribe-Post. With DKIM_DOMAIN, DKIM_SELECTOR and
 * DKIM_PRIVATE_KEY_FILE, oto signs what it sends; the signature is checked here as a receiving
 * server would, with mailauth and the public key published as the selector's DNS record.
 */
describe('DKIM signing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'oto-dkim-'));
  const keyFile = join(dir, 'dkim.pem');
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const record = `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`;
  const resolver = async (name: string, type: string) => {
    if (type === 'TXT' && name === 'mail2026._domainkey.acme.test') return [[record]];
    throw Object.assign(new Error(`no ${type} record for ${name}`), { code: 'ENOTFOUND' });
  };

  let smtp: TestSmtpServer;
  let t: MailTestContext;
  before(async () => {
    smtp = await startSmtpServer();
    t = await createMailTestContext('sqlite', {
      SMTP_URL: smtp.url,
      NEWSLETTER_FROM: 'Acme News <news@acme.test>',
      DKIM_DOMAIN: 'acme.test',
      DKIM_SELECTOR: 'mail2026',
      DKIM_PRIVATE_KEY_FILE: keyFile,
    });
  });
  after(async () => {
    await t?.close();
    await smtp?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a newsletter is signed, and the signature covers both unsubscribe headers', async () => {
    const unsubscribe = 'https://oto.test/unsubscribe?token=Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4cXV1eHF1dXg';
    await queueMail(t.ctx, t.ctx.db, 'newsletter', 'reader@example.com', {
      subject: 'Signed news',
      text: 'Hello.',
      unsubscribeLink: unsubscribe,
    });
    assert.equal((await deliverDue(t.ctx, { transport: t.transport })).sent, 1);
    const [mail] = await smtp.waitForMessages(1);

    const verified = await dkimVerify(Buffer.from(mail!.raw), { resolver });
    const [signature] = verified.results;
    assert.equal(signature?.status.result, 'pass', signature?.status.comment ?? '');
    assert.equal(signature?.signingDomain, 'acme.test');
    const signed = (signature?.signingHeaders?.keys ?? '').toLowerCase().split(': ');
    for (const header of ['from', 'subject', 'list-unsubscribe', 'list-unsubscribe-post'])
      assert.ok(signed.includes(header), `${header} is signed: ${signed.join(', ')}`);

    // What a forger would change: another unsubscribe address, or dropping the one-click header.
    const forged = mail!.raw.replace(unsubscribe, 'https://evil.test/unsubscribe');
    assert.notEqual(forged, mail!.raw);
    assert.equal((await dkimVerify(Buffer.from(forged), { resolver })).results[0]?.status.result, 'fail');
  });

  test('the three settings go together, and a key that cannot be read stops start-up', () => {
    const refuses = (env: Record<string, string>, message: RegExp) =>
      assert.throws(
        () => loadConfig(env),
        (error: unknown) => error instanceof ConfigError && message.test(error.message),
      );
    refuses(
      { DKIM_DOMAIN: 'acme.test' },
      /^DKIM_DOMAIN: DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY_FILE go together/,
    );
    refuses(
      { DKIM_DOMAIN: 'acme.test', DKIM_SELECTOR: 's', DKIM_PRIVATE_KEY_FILE: join(dir, 'missing.pem') },
      /^DKIM_PRIVATE_KEY_FILE: must name a readable PEM private key/,
    );
    writeFileSync(join(dir, 'broken.pem'), 'not a key');
    refuses(
      { DKIM_DOMAIN: 'acme.test', DKIM_SELECTOR: 's', DKIM_PRIVATE_KEY_FILE: join(dir, 'broken.pem') },
      /^DKIM_PRIVATE_KEY_FILE: must name a readable PEM private key/,
    );
  });
});
