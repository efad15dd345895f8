import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildLink } from '../src/links/links.ts';
import { queueMail } from '../src/mail/queue.ts';
import { createTransport } from '../src/mail/transport.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { deliverDue } from './helpers/mail.ts';
import { DIALECTS } from './helpers/storage.ts';

async function withApp(
  dialect: (typeof DIALECTS)[number]['dialect'],
  env: Record<string, string>,
  run: (t: TestApp) => Promise<void>,
) {
  const t = await startTestApp(dialect, env);
  try {
    await run(t);
  } finally {
    await t.close();
  }
}

for (const { dialect, skip } of DIALECTS) {
  describe(`dev mailbox on ${dialect}`, { skip }, () => {
    test('shows a delivered message and its link, newest first, and keeps its bodies', async () => {
      await withApp(dialect, {}, async ({ app, ctx, clock }) => {
        const { token } = await ctx.tokens.issue(ctx.db, {
          purpose: 'password_reset',
          subject: 'a@example.com',
        });
        const link = buildLink(ctx.config, 'resetPassword', token);
        const older = await queueMail(ctx, ctx.db, 'verify_email', 'b@example.com', {
          link: 'https://oto.test/verify-email?token=older',
          validFor: '24 hours',
        });
        clock.advance(1000);
        const id = await queueMail(ctx, ctx.db, 'password_reset', 'a@example.com', {
          link,
          validFor: '1 hour',
        });
        const transport = createTransport(ctx.config);
        assert.equal(transport.name, 'dev');

        // Not delivered yet: the inbox is empty, and the page says mail is waiting.
        const waiting = await app.inject({ method: 'GET', url: '/dev/mailbox' });
        assert.equal(waiting.statusCode, 200);
        assert.match(waiting.body, /No messages yet/);
        assert.match(waiting.body, /2 message\(s\) waiting in the outbox/);

        assert.equal((await deliverDue(ctx, { transport })).sent, 2);

        const page = await app.inject({ method: 'GET', url: '/dev/mailbox' });
        assert.equal(page.statusCode, 200);
        assert.match(page.headers['content-type'] as string, /^text\/html/);
        assert.equal(page.headers['cache-control'], 'no-store');
        assert.equal(page.headers['referrer-policy'], 'no-referrer');
        assert.match(page.body, /development mailbox/);
        assert.match(page.body, /only place oto keeps\s+message bodies after sending/);
        assert.ok(page.body.includes(`<a href="${link}" rel="noreferrer">`), 'the link is clickable');
        assert.ok(page.body.includes(`href="/dev/mailbox/${id}"`), 'the message is viewable');
        assert.ok(
          page.body.indexOf(`/dev/mailbox/${id}`) < page.body.indexOf(`/dev/mailbox/${older}`),
          'newest first',
        );

        const json = await app.inject({ method: 'GET', url: '/dev/mailbox.json' });
        assert.equal(json.statusCode, 200);
        const { messages } = json.json() as { messages: Array<Record<string, unknown>> };
        assert.deepEqual(
          messages.map((m) => m['id']),
          [id, older],
        );
        const [newest] = messages;
        assert.equal(newest!['kind'], 'password_reset');
        assert.equal(newest!['to'], 'a@example.com');
        assert.equal(newest!['from'], ctx.config.mail.from);
        assert.match(newest!['subject'] as string, /Reset your oto password/);
        assert.ok((newest!['text'] as string).includes(link));
        assert.ok((newest!['html'] as string).includes(link));
        assert.deepEqual(newest!['headers'], {});
        assert.equal(typeof newest!['createdAt'], 'number');
        assert.deepEqual(newest!['links'], [link]);

        const filtered = await app.inject({ method: 'GET', url: '/dev/mailbox.json?to=b@example.com' });
        assert.deepEqual(
          (filtered.json() as { messages: Array<{ id: string }> }).messages.map((m) => m.id),
          [older],
        );

        const one = await app.inject({ method: 'GET', url: `/dev/mailbox/${id}` });
        assert.equal(one.statusCode, 200);
        assert.match(one.body, /<iframe sandbox="allow-popups allow-popups-to-escape-sandbox"/);
        assert.ok(one.body.includes(`<a href="${link}" rel="noreferrer">`));
        assert.ok(one.body.includes('This link works once and expires in 1 hour.'), 'the text body is shown');
        // The HTML body sits escaped inside srcdoc: no markup of the message is live in the page.
        assert.ok(one.body.includes('srcdoc="&lt;base target=&quot;_blank&quot;&gt;&lt;!doctype html&gt;'));

        const missing = await app.inject({
          method: 'GET',
          url: '/dev/mailbox/01900000-0000-7000-8000-000000000000',
        });
        assert.equal(missing.statusCode, 404);
        assert.equal((await app.inject({ method: 'GET', url: '/dev/mailbox/nope' })).statusCode, 404);
      });
    });

    test('a display name with <script> is inert on the mailbox pages', async () => {
      await withApp(dialect, {}, async ({ app, ctx }) => {
        const id = await queueMail(ctx, ctx.db, 'invitation', 'a@example.com', {
          link: 'https://oto.test/invite?token=t',
          validFor: '7 days',
          inviter: '<script>alert(1)</script>Mallory',
          scope: '<img src=x onerror=alert(2)>',
          role: 'member',
        });
        await deliverDue(ctx, { transport: createTransport(ctx.config) });
        for (const url of ['/dev/mailbox', `/dev/mailbox/${id}`]) {
          const page = await app.inject({ method: 'GET', url });
          assert.equal(page.statusCode, 200);
          assert.doesNotMatch(page.body, /<script/i);
          assert.doesNotMatch(page.body, /<img/i);
          assert.match(page.body, /&lt;script&gt;/);
        }
      });
    });

    test('does not exist when SMTP_URL is set', async () => {
      await withApp(dialect, { SMTP_URL: 'smtp://127.0.0.1:2525' }, async ({ app }) => {
        for (const url of [
          '/dev/mailbox',
          '/dev/mailbox.json',
          '/dev/mailbox/01900000-0000-7000-8000-000000000000',
        ]) {
          const response = await app.inject({ method: 'GET', url });
          assert.equal(response.statusCode, 404, url);
          assert.match(response.headers['content-type'] as string, /^application\/problem\+json/);
        }
      });
    });
  });
}
