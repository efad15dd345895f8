import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { queueMail } from '../src/mail/queue.ts';
import { type EmailKind, type EmailParams, renderEmail } from '../src/mail/templates.ts';
import { createMailTestContext, deliverDue, type MailTestContext } from './helpers/mail.ts';
import { startSmtpServer, type TestSmtpServer } from './helpers/smtp.ts';
import { DIALECTS } from './helpers/storage.ts';

const LINK = 'https://oto.test/action?token=abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';

/** One sample of every kind; `validFor` is set where the link carries a token that expires. */
const SAMPLES: { [K in EmailKind]: EmailParams[K] } = {
  verify_email: { link: LINK, validFor: '24 hours' },
  account_exists: { loginLink: 'https://oto.test/login', resetLink: LINK },
  password_reset: { link: LINK, validFor: '1 hour' },
  password_changed: { resetLink: LINK },
  email_change: { link: LINK, validFor: '1 hour', newEmail: 'new@example.com' },
  email_change_notice: { newEmail: 'new@example.com', resetLink: LINK },
  account_deleted: { signUpLink: LINK },
  account_disabled: { siteLink: LINK },
  account_enabled: { loginLink: LINK },
  invitation: { link: LINK, validFor: '7 days', inviter: 'Ada', scope: 'Team', role: 'member' },
  newsletter: { subject: 'Our news', text: 'Hello', unsubscribeLink: LINK },
  sign_in: { link: LINK, validFor: '15 minutes', code: '123456', codeValidFor: '10 minutes' },
  sign_in_new_account: { link: LINK, validFor: '15 minutes' },
  action_code: { action: 'delete_account', code: '123456', codeValidFor: '10 minutes' },
};

describe('templates', () => {
  for (const kind of Object.keys(SAMPLES) as EmailKind[]) {
    test(`${kind}: subject, text and HTML, the app name, the link and how long it is valid`, () => {
      const params = SAMPLES[kind];
      const email = renderEmail(kind, { appName: 'Acme Cloud' }, params as never);
      assert.ok(email.subject.length > 5 && !/[\r\n]/.test(email.subject));
      assert.ok(email.text.includes('Acme Cloud'), 'text names the app');
      assert.ok(email.html.includes('Acme Cloud'), 'HTML names the app');
      if ('action' in params && 'code' in params) {
        // A code for an action of the logged-in user: nothing to follow, only the code to type.
        assert.ok(email.text.includes('123 456') && email.html.includes('123 456'), 'it carries the code');
        assert.ok(!email.subject.includes('123'), 'never in the subject');
      } else {
        assert.ok(email.text.includes(LINK), 'text carries the link');
        assert.ok(email.html.includes(`href="${LINK}"`), 'HTML links it');
      }
      if ('validFor' in params) {
        assert.ok(email.text.includes(`expires in ${params.validFor}`));
        assert.ok(email.html.includes(`expires in ${params.validFor}`));
      }
      if (kind !== 'newsletter') assert.equal(email.headers, undefined, 'account mail has no list headers');
    });
  }

  test('user-supplied values are escaped in HTML and cannot break the subject line', () => {
    const email = renderEmail(
      'invitation',
      { appName: 'A&B <Co>' },
      {
        link: 'https://oto.test/invite?token=x&y="z"',
        validFor: '7 days',
        inviter: 'Eve\r\nBcc: victim@example.com <script>alert(1)</script>',
        scope: '<b>Team</b>',
        role: '"admin"',
      },
    );
    assert.doesNotMatch(email.html, /<script|<b>/);
    assert.match(email.html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.match(email.html, /A&amp;B &lt;Co&gt;/);
    assert.ok(email.html.includes('href="https://oto.test/invite?token=x&amp;y=&quot;z&quot;"'));
    assert.doesNotMatch(email.subject, /[\r\n]/);
  });
});

for (const { dialect, skip } of DIALECTS) {
  describe(`messages as the SMTP server receives them, on ${dialect}`, { skip }, () => {
    let smtp: TestSmtpServer;
    let t: MailTestContext;

    before(async () => {
      smtp = await startSmtpServer({ auth: { user: 'oto', pass: 's3cret pass' } });
    });
    after(() => smtp?.close());
    beforeEach(async () => {
      smtp.clear();
      t = await createMailTestContext(dialect, {
        SMTP_URL: smtp.urlWithAuth,
        APP_NAME: 'Acme',
        MAIL_FROM: 'Acme <no-reply@acme.test>',
        NEWSLETTER_FROM: 'Acme News <news@acme.test>',
      });
    });
    afterEach(() => t?.close());

    test('newsletters carry the RFC 8058 headers; account mail carries neither', async () => {
      const unsubscribe = 'https://oto.test/unsubscribe?token=Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4cXV1eHF1dXg';
      await queueMail(t.ctx, t.ctx.db, 'newsletter', 'reader@example.com', {
        subject: 'Spring news',
        text: 'What happened this spring.',
        unsubscribeLink: unsubscribe,
      });
      await queueMail(t.ctx, t.ctx.db, 'password_reset', 'user@example.com', {
        link: LINK,
        validFor: '1 hour',
      });
      assert.equal((await deliverDue(t.ctx, { transport: t.transport })).sent, 2);
      const received = await smtp.waitForMessages(2);
      const news = received.find((m) => m.envelope.to[0] === 'reader@example.com')!;
      const reset = received.find((m) => m.envelope.to[0] === 'user@example.com')!;

      const rawHeaders = (raw: string) => raw.slice(0, raw.indexOf('\r\n\r\n')).replace(/\r\n[ \t]+/g, ' ');
      assert.match(
        rawHeaders(news.raw),
        new RegExp(`^List-Unsubscribe: <${escapeRegExp(unsubscribe)}>$`, 'm'),
      );
      assert.match(rawHeaders(news.raw), /^List-Unsubscribe-Post: List-Unsubscribe=One-Click$/m);
      assert.ok(news.parsed.text?.includes(unsubscribe), 'the unsubscribe link is in the body too');
      assert.equal(news.parsed.from?.value[0]?.address, 'news@acme.test');

      assert.doesNotMatch(rawHeaders(reset.raw), /^List-Unsubscribe/im);
      assert.equal(reset.headers.has('list-unsubscribe'), false);
      assert.equal(reset.headers.has('list-unsubscribe-post'), false);
      assert.equal(reset.parsed.from?.value[0]?.address, 'no-reply@acme.test');
    });

    test('a display name containing <script> is inert in the HTML body received', async () => {
      await queueMail(t.ctx, t.ctx.db, 'invitation', 'guest@example.com', {
        link: LINK,
        validFor: '7 days',
        inviter: '<script>alert("x")</script>Mallory',
        scope: 'Team',
        role: 'member',
      });
      await deliverDue(t.ctx, { transport: t.transport });
      const [mail] = await smtp.waitForMessages(1);
      const body = mail!.parsed.html;
      assert.ok(typeof body === 'string');
      assert.doesNotMatch(body, /<script/i);
      assert.match(body, /&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt;Mallory/);
      assert.match(mail!.parsed.text ?? '', /<script>alert\("x"\)<\/script>Mallory invited you/);
    });
  });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
