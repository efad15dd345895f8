import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { Context } from '../src/context.ts';
import { newId } from '../src/db/ids.ts';
import { sendNewsletter } from '../src/newsletter/send.ts';
import { unsubscribeToken, unsubscribeTokenUser } from '../src/newsletter/subscription.ts';
import { apiHeaders, startTestApp, type TestApp } from './helpers/app.ts';
import { insertUser, isSubscribed, KEY_A } from './helpers/flows.ts';
import { type Inbox, startInbox } from './helpers/inbox.ts';
import { NODE_TS } from './helpers/node.ts';
import { DIALECTS } from './helpers/storage.ts';

const run = promisify(execFile);
const NEWSLETTER_FROM = 'Oto News <news@oto.test>';

interface Population {
  expected: Set<string>;
  all: Map<string, string>;
}

/** `count` users in four kinds: subscribed and verified (the recipients), unsubscribed, unverified. */
async function populate(ctx: Context, count: number, prefix: string): Promise<Population> {
  const expected = new Set<string>();
  const all = new Map<string, string>();
  const now = ctx.clock.now();
  const rows = [];
  for (let i = 0; i < count; i++) {
    const id = newId(now);
    const email = `${prefix}${i}@example.com`;
    const kind = i % 4; // 0 and 3: recipients; 1: unsubscribed; 2: never verified
    if (kind === 0 || kind === 3) expected.add(email);
    all.set(id, email);
    rows.push({
      id,
      email,
      email_normalized: email,
      email_verified_at: kind === 2 ? null : now,
      unsubscribed_at: kind === 1 ? now : null,
      created_at: now,
      updated_at: now,
    });
  }
  for (let i = 0; i < rows.length; i += 200) {
    await ctx.db
      .insertInto('users')
      .values(rows.slice(i, i + 200))
      .execute();
  }
  return { expected, all };
}

/** The header block of a raw message, unfolded. */
function rawHeaders(raw: string): string {
  return raw.slice(0, raw.indexOf('\r\n\r\n')).replace(/\r\n[ \t]+/g, ' ');
}

async function outboxOf(ctx: Context, sendId: string) {
  return ctx.db.selectFrom('email_outbox').selectAll().where('send_id', '=', sendId).execute();
}

for (const { dialect, skip } of DIALECTS) {
  describe(`newsletter on ${dialect}`, { skip }, () => {
    let t: TestApp;
    let population: Population;
    let inbox: Inbox;
    before(async () => {
      inbox = await startInbox();
      t = await startTestApp(dialect, { OTO_SIGNING_KEYS: KEY_A, NEWSLETTER_FROM, ...inbox.env });
      population = await populate(t.ctx, 1000, 'reader');
    });
    after(async () => {
      await t?.close();
      await inbox?.close();
    });

    const newsletter = { subject: 'Our news', text: 'Hello readers.', html: '<p>Hello <b>readers</b>.</p>' };

    test('a newsletter to 1,000 users reaches exactly the subscribed, verified ones, each with its own link and the headers', async () => {
      const response = await t.app.inject({
        method: 'POST',
        url: '/v1/newsletters',
        headers: { ...apiHeaders, 'idempotency-key': 'weekly-1' },
        payload: newsletter,
      });
      assert.equal(response.statusCode, 202, response.body);
      const { sendId, queued } = response.json();
      assert.equal(queued, population.expected.size);
      const rows = await outboxOf(t.ctx, sendId);
      assert.equal(rows.length, population.expected.size);

      // As delivered: through the real dispatcher, over SMTP, parsed from the wire.
      await inbox.all(t.ctx);
      const received = inbox.smtp.messages.filter((m) => m.parsed.subject === 'Our news');
      assert.equal(received.length, population.expected.size);
      assert.deepEqual(new Set(received.map((m) => m.envelope.to[0])), population.expected);
      const urls = new Set<string>();
      for (const message of received) {
        const headers = rawHeaders(message.raw);
        assert.match(headers, /^List-Unsubscribe-Post: List-Unsubscribe=One-Click$/m);
        const link = /^List-Unsubscribe: <(https:\/\/oto\.test\/unsubscribe\?token=([A-Za-z0-9_-]+))>$/m.exec(
          headers,
        );
        assert.ok(link, headers);
        // The link is the recipient's own: it verifies, and names the user the message went to.
        const owner = unsubscribeTokenUser(t.ctx, link[2]);
        assert.ok(owner !== null);
        assert.equal(population.all.get(owner), message.envelope.to[0]);
        assert.equal(message.parsed.from?.value[0]?.address, 'news@oto.test');
        assert.ok(message.parsed.text?.includes(link[1]!), 'the text body carries the same link');
        assert.ok(String(message.parsed.html).includes('<p>Hello <b>readers</b>.</p>'));
        urls.add(link[1]!);
      }
      assert.equal(urls.size, received.length);

      // The links work: one recipient's one-click POST unsubscribes that recipient only.
      const [first, second] = [...urls].map((u) => new URL(u));
      const oneClick = await t.app.inject({
        method: 'POST',
        url: first!.pathname + first!.search,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'List-Unsubscribe=One-Click',
      });
      assert.equal(oneClick.statusCode, 200);
      const userOf = (url: URL) => unsubscribeTokenUser(t.ctx, url.searchParams.get('token'))!;
      assert.equal(await isSubscribed(t.ctx, userOf(first!)), false);
      assert.equal(await isSubscribed(t.ctx, userOf(second!)), true);
    });

    test('a retry with the same Idempotency-Key is a no-op; other content under that key is refused', async () => {
      const first = await t.app.inject({
        method: 'POST',
        url: '/v1/newsletters',
        headers: { ...apiHeaders, 'idempotency-key': 'monthly-7' },
        payload: { subject: 'Monthly', text: 'Once.' },
      });
      assert.equal(first.statusCode, 202);
      const before = await t.ctx.db
        .selectFrom('email_outbox')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      const retry = await t.app.inject({
        method: 'POST',
        url: '/v1/newsletters',
        headers: { ...apiHeaders, 'idempotency-key': 'monthly-7' },
        payload: { subject: 'Monthly', text: 'Once.' },
      });
      assert.equal(retry.statusCode, 202);
      assert.deepEqual(retry.json(), first.json());
      const afterRetry = await t.ctx.db
        .selectFrom('email_outbox')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      assert.equal(Number(afterRetry.n), Number(before.n));

      const reused = await t.app.inject({
        method: 'POST',
        url: '/v1/newsletters',
        headers: { ...apiHeaders, 'idempotency-key': 'monthly-7' },
        payload: { subject: 'Monthly', text: 'Something else.' },
      });
      assert.equal(reused.statusCode, 422);
      assert.equal(reused.json().code, 'idempotency_key_reused');
    });

    test('a send interrupted between batches resumes on retry without sending anyone twice', async () => {
      const content = { subject: 'Resumed', text: 'Hi.' };
      let transactions = 0;
      const crashing = {
        ...t.ctx,
        db: new Proxy(t.ctx.db, {
          get(target, property) {
            if (property === 'transaction' && ++transactions === 3) throw new Error('process died');
            const value = Reflect.get(target, property);
            return typeof value === 'function' ? value.bind(target) : value;
          },
        }),
      };
      await assert.rejects(
        sendNewsletter(crashing, content, { idempotencyKey: 'crash-1', batchSize: 100 }),
        /process died/,
      );
      const partial = await t.ctx.db
        .selectFrom('newsletter_sends')
        .selectAll()
        .where('idempotency_key', '=', 'crash-1')
        .executeTakeFirstOrThrow();
      assert.equal(partial.status, 'sending');
      assert.equal(partial.queued, 200);

      const result = await sendNewsletter(t.ctx, content, { idempotencyKey: 'crash-1', batchSize: 100 });
      const rows = await outboxOf(t.ctx, result.sendId);
      const recipients = rows.map((r) => r.recipient);
      assert.equal(new Set(recipients).size, recipients.length, 'nobody got it twice');
      assert.equal(result.queued, rows.length);
      assert.equal(rows.length, await countRecipients(t.ctx));
    });

    test('two workers on one send share the work and never queue a recipient twice', async () => {
      const content = { subject: 'Raced', text: 'Hi.' };
      const [a, b] = await Promise.all([
        sendNewsletter(t.ctx, content, { idempotencyKey: 'race-1', batchSize: 50 }),
        sendNewsletter(t.ctx, content, { idempotencyKey: 'race-1', batchSize: 50 }),
      ]);
      assert.equal(a.sendId, b.sendId);
      const rows = await outboxOf(t.ctx, a.sendId);
      assert.equal(new Set(rows.map((r) => r.user_id)).size, rows.length);
      assert.equal(rows.length, await countRecipients(t.ctx));
      assert.equal(a.queued, rows.length);
      assert.equal(b.queued, rows.length);
    });

    test('the API key is required and bad input is refused', async () => {
      const anonymous = await t.app.inject({ method: 'POST', url: '/v1/newsletters', payload: newsletter });
      assert.equal(anonymous.statusCode, 401);
      for (const payload of [
        {},
        { subject: 'x' },
        { subject: 'Line\r\nBcc: victim@example.com', text: 'x' },
        { subject: '', text: 'x' },
        { subject: 'x', text: 'x', extra: true },
      ]) {
        const response = await t.app.inject({
          method: 'POST',
          url: '/v1/newsletters',
          headers: apiHeaders,
          payload,
        });
        assert.equal(response.statusCode, 422, JSON.stringify(payload));
      }
      const badKey = await t.app.inject({
        method: 'POST',
        url: '/v1/newsletters',
        headers: { ...apiHeaders, 'idempotency-key': 'x'.repeat(256) },
        payload: newsletter,
      });
      assert.equal(badKey.statusCode, 422);
      const sends = await t.ctx.db.selectFrom('newsletter_sends').select('idempotency_key').execute();
      assert.ok(sends.every((s) => s.idempotency_key !== 'x'.repeat(256)));
    });

    test('`oto newsletter send` queues the same way, and repeating it with --send-id sends nothing more', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'oto-newsletter-'));
      try {
        writeFileSync(join(dir, 'body.txt'), 'From the command line.\n');
        writeFileSync(join(dir, 'body.html'), '<p>From the command line.</p>\n');
        const args = [
          join(import.meta.dirname, '..', 'bin', 'oto.js'),
          'newsletter',
          'send',
          '--subject',
          'CLI news',
          '--text-file',
          join(dir, 'body.txt'),
          '--html-file',
          join(dir, 'body.html'),
          '--send-id',
          'cli-1',
        ];
        const env = {
          ...process.env,
          DATABASE_URL: t.database.url,
          PUBLIC_URL: t.config.publicUrl,
          OTO_SIGNING_KEYS: KEY_A,
          LOG_LEVEL: 'warn',
        };
        const first = await run(process.execPath, [...NODE_TS, ...args], { env });
        const recipients = await countRecipients(t.ctx);
        assert.match(first.stdout, new RegExp(`^queued ${recipients} messages \\(send id cli-1;`));
        const second = await run(process.execPath, [...NODE_TS, ...args], { env });
        assert.match(second.stdout, new RegExp(`already done: ${recipients} messages`));
        const send = await t.ctx.db
          .selectFrom('newsletter_sends')
          .selectAll()
          .where('idempotency_key', '=', 'cli-1')
          .executeTakeFirstOrThrow();
        const rows = await outboxOf(t.ctx, send.id);
        assert.equal(rows.length, recipients);
        assert.ok(rows.every((r) => r.html_body!.includes('<p>From the command line.</p>')));
        // The CLI checks its own input.
        await assert.rejects(
          run(process.execPath, [...NODE_TS, ...args.slice(0, 5), '--text-file', join(dir, 'missing.txt')], {
            env,
          }),
          /cannot read --text-file/,
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

async function countRecipients(ctx: Context): Promise<number> {
  const row = await ctx.db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('email_verified_at', 'is not', null)
    .where('unsubscribed_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

for (const { dialect, skip } of DIALECTS) {
  describe(`newsletter and account mail as delivered over SMTP on ${dialect}`, { skip }, () => {
    let t: TestApp;
    let inbox: Inbox;
    before(async () => {
      inbox = await startInbox();
      t = await startTestApp(dialect, {
        OTO_SIGNING_KEYS: KEY_A,
        NEWSLETTER_FROM,
        RATE_LIMIT_PER_MINUTE: '0',
        ...inbox.env,
      });
    });
    after(async () => {
      await t?.close();
      await inbox?.close();
    });

    test('each delivered newsletter has its own one-click header, from NEWSLETTER_FROM, and the header POST unsubscribes', async () => {
      const readers = await Promise.all(['ann', 'ben'].map((n) => insertUser(t.ctx, `${n}@example.com`)));
      await insertUser(t.ctx, 'gone@example.com', { subscribed: false });
      const sent = await t.app.inject({
        method: 'POST',
        url: '/v1/newsletters',
        headers: apiHeaders,
        payload: { subject: 'Delivered news', text: 'Over the wire.' },
      });
      assert.equal(sent.json().queued, 2);
      await inbox.all(t.ctx);
      const news = inbox.smtp.messages.filter((m) => m.parsed.subject === 'Delivered news');
      assert.deepEqual(news.map((m) => m.envelope.to[0]).sort(), ['ann@example.com', 'ben@example.com']);
      const urls = new Set<string>();
      for (const message of news) {
        const headers = rawHeaders(message.raw);
        const url = /^List-Unsubscribe: <(https:\/\/oto\.test\/unsubscribe\?token=[A-Za-z0-9_-]+)>$/m.exec(
          headers,
        )?.[1];
        assert.ok(url, headers);
        assert.match(headers, /^List-Unsubscribe-Post: List-Unsubscribe=One-Click$/m);
        assert.equal(message.parsed.from?.value[0]?.address, 'news@oto.test');
        assert.ok(message.parsed.text?.includes(url), 'the body links the same place');
        urls.add(url);
      }
      assert.equal(urls.size, 2);

      // What a mail client does with the header: POST the one-click body, with no cookie.
      const ann = news.find((m) => m.envelope.to[0] === 'ann@example.com')!;
      const annUrl = new URL(/^List-Unsubscribe: <([^>]+)>$/m.exec(rawHeaders(ann.raw))![1]!);
      const clicked = await t.app.inject({
        method: 'POST',
        url: annUrl.pathname + annUrl.search,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'List-Unsubscribe=One-Click',
      });
      assert.equal(clicked.statusCode, 200);
      assert.equal(await isSubscribed(t.ctx, readers[0]!.id), false);
      assert.equal(await isSubscribed(t.ctx, readers[1]!.id), true);
    });

    test('account mail still arrives after unsubscribing; the next newsletter does not', async () => {
      const user = await insertUser(t.ctx, 'quiet@example.com', { passwordHash: null });
      const token = unsubscribeToken(t.ctx, user.id);
      const off = await t.app.inject({ method: 'POST', url: '/v1/unsubscribe', payload: { token } });
      assert.equal(off.statusCode, 200);

      const reset = await t.app.inject({
        method: 'POST',
        url: '/v1/password-resets',
        payload: { email: 'quiet@example.com' },
      });
      assert.equal(reset.statusCode, 202);
      const mail = await inbox.last(t.ctx, 'quiet@example.com', 'password_reset');
      assert.match(mail.subject, /Reset your/);

      await t.app.inject({
        method: 'POST',
        url: '/v1/newsletters',
        headers: apiHeaders,
        payload: { subject: 'After unsubscribing', text: 'Not for quiet.' },
      });
      await inbox.all(t.ctx);
      const received = inbox.smtp.messages.filter((m) => m.envelope.to[0] === 'quiet@example.com');
      assert.deepEqual(
        received.map((m) => m.parsed.subject).filter((s) => s === 'After unsubscribing'),
        [],
      );
      assert.ok(received.some((m) => /Reset your/.test(m.parsed.subject ?? '')));
    });
  });
}
