import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AddressObject } from 'mailparser';
import { queueMail } from '../src/mail/queue.ts';
import { createMailTestContext, deliverDue } from './helpers/mail.ts';
import { startSmtpServer, type TestSmtpServer } from './helpers/smtp.ts';

/**
 * The From of oto's mail, through nodemailer to a real SMTP server: a display name with a comma,
 * quotes or non-ASCII letters must neither stop the message nor change whose it says it is.
 */

const CASES: Array<{ title: string; env: Record<string, string>; name: string; address: string }> = [
  {
    title: 'APP_NAME with a comma (the default From)',
    env: { APP_NAME: 'Acme, Inc.' },
    name: 'Acme, Inc.',
    address: 'no-reply@oto.test',
  },
  {
    title: 'APP_NAME with quotes and angle brackets',
    env: { APP_NAME: 'The "Best" <App>' },
    name: 'The "Best" <App>',
    address: 'no-reply@oto.test',
  },
  {
    title: 'MAIL_FROM with a quoted display name',
    env: { MAIL_FROM: '"Q" <x@example.com>' },
    name: 'Q',
    address: 'x@example.com',
  },
  {
    title: 'a non-ASCII display name',
    env: { APP_NAME: 'Zoë Café' },
    name: 'Zoë Café',
    address: 'no-reply@oto.test',
  },
  {
    title: 'MAIL_FROM with an unquoted comma and non-ASCII letters',
    env: { MAIL_FROM: 'Zoë, Café <zoe@example.com>' },
    name: 'Zoë, Café',
    address: 'zoe@example.com',
  },
];

describe('mail senders over real SMTP', () => {
  let smtp: TestSmtpServer;
  before(async () => {
    smtp = await startSmtpServer();
  });
  after(() => smtp?.close());

  for (const { title, env, name, address } of CASES) {
    test(`${title}: the message arrives from ${name} <${address}>`, async () => {
      smtp.clear();
      const t = await createMailTestContext('sqlite', { SMTP_URL: smtp.url, ...env });
      try {
        await queueMail(t.ctx, t.ctx.db, 'password_reset', 'user@example.com', {
          link: 'https://oto.test/reset-password?token=x',
          validFor: '1 hour',
        });
        const report = await deliverDue(t.ctx, { transport: t.transport });
        assert.deepEqual(report, { sent: 1, retried: 0, failed: 0 });
        const [mail] = await smtp.waitForMessages(1);
        assert.equal(mail!.envelope.from, address);
        const from = mail!.parsed.from as AddressObject;
        assert.deepEqual(
          from.value.map(({ name, address }) => ({ name, address })),
          [{ name, address }],
        );
      } finally {
        await t.close();
      }
    });
  }
});
