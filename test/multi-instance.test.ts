import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { verifyEmailBinding } from '../src/accounts/bindings.ts';
import { loadConfig } from '../src/config/config.ts';
import { type Context, createContext } from '../src/context.ts';
import { openStorage } from '../src/db/connect.ts';
import { migrations } from '../src/db/migrations/index.ts';
import { createLogger } from '../src/logging.ts';
import { queueMail } from '../src/mail/queue.ts';
import { insertUser } from './helpers/accounts.ts';
import { PUBLIC_URL, TEST_API_KEY } from './helpers/app.ts';
import { KEY_A } from './helpers/flows.ts';
import { createEmptySchema, type OtoProcess, startOto, warningsOf } from './helpers/instances.ts';
import { startSmtpServer, type TestSmtpServer } from './helpers/smtp.ts';

/**
 * Three real `oto serve` processes on one PostgreSQL schema, each with its outbox dispatcher,
 * sharing Redis for rate limits when TEST_REDIS_URL is set: what a deployment of several instances
 * behind a load balancer looks like.
 */

const POSTGRES_URL = process.env['TEST_DATABASE_URL'];
const REDIS_URL = process.env['TEST_REDIS_URL'];
const RATE_LIMIT = 8;

describe('three oto instances on one PostgreSQL', {
  skip: POSTGRES_URL ? false : 'needs PostgreSQL: set TEST_DATABASE_URL',
}, () => {
  let schema: { url: string; drop(): Promise<void> };
  let smtp: TestSmtpServer;
  let instances: OtoProcess[] = [];
  let ctx: Context;

  before(async () => {
    schema = await createEmptySchema(POSTGRES_URL!);
    smtp = await startSmtpServer();
    const env = {
      DATABASE_URL: schema.url,
      PUBLIC_URL,
      OTO_API_KEYS: TEST_API_KEY,
      OTO_SIGNING_KEYS: KEY_A,
      SMTP_URL: smtp.url,
      LOG_LEVEL: 'warn',
      DB_POOL_SIZE: '8',
      // Each test speaks from an address of its own (X-Forwarded-For), so counts never mix with
      // another test's, nor with another run's in a shared Redis.
      TRUST_PROXY: 'true',
      RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT),
      ...(REDIS_URL ? { REDIS_URL } : {}),
    };
    // All three at once, against a schema with no table yet.
    instances = await Promise.all([startOto(env), startOto(env), startOto(env)]);
    const config = loadConfig({ ...env, LOG_LEVEL: 'silent' });
    ctx = createContext(
      config,
      openStorage(config.database, { poolSize: 4 }),
      createLogger({ level: 'silent' }),
    );
  });

  after(async () => {
    const ends = await Promise.all(instances.map((instance) => instance.stop()));
    await ctx?.storage.close();
    await smtp?.close();
    await schema?.drop();
    assert.deepEqual(
      ends,
      instances.map(() => 0),
      'every instance stops cleanly on SIGTERM',
    );
  });

  test('a concurrent start-up on an empty schema applies every migration once, without an error', async () => {
    const applied = await ctx.db
      .selectFrom('oto_migrations' as never)
      .select('name' as never)
      .execute();
    assert.deepEqual(
      applied.map((row) => (row as { name: string }).name).sort(),
      Object.keys(migrations).sort(),
    );
    for (const instance of instances) {
      assert.deepEqual(warningsOf(instance), [], 'no warning or error in the logs');
      assert.equal(instance.stderr.join(''), '');
      assert.equal((await fetch(`${instance.url}/readyz`)).status, 200);
    }
  });

  test('60 consumes of one token spread across the three: exactly one succeeds', async () => {
    const issued = await api(instances[0]!, '/v1/tokens', { purpose: 'multi', subject: 'race' });
    const { token } = (await issued.json()) as { token: string };
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        api(instances[i % 3]!, '/v1/tokens/consume', { purpose: 'multi', token }),
      ),
    );
    const statuses = answers.map((answer) => answer.status);
    assert.equal(statuses.filter((s) => s === 200).length, 1, `statuses: ${statuses.join(',')}`);
    assert.equal(statuses.filter((s) => s === 410).length, 59);
    for (const answer of answers.filter((a) => a.status === 410)) {
      assert.equal(((await answer.json()) as { code: string }).code, 'token_used');
    }
    // One state change: the row was spent once, and only one instance counted a success.
    const row = await ctx.db
      .selectFrom('security_tokens')
      .select(['used_at'])
      .where('purpose', '=', 'multi')
      .executeTakeFirstOrThrow();
    assert.notEqual(row.used_at, null);
    const successes = await Promise.all(instances.map((instance) => consumeSuccesses(instance, 'multi')));
    assert.equal(
      successes.reduce((a, b) => a + b, 0),
      1,
    );
  });

  test('60 confirmations of one verification link across the three: one verifies, one audit event', async () => {
    const user = await insertUser(ctx, 'race@example.com', { verified: false });
    const { token } = await ctx.tokens.issue(ctx.db, {
      purpose: 'verify_email',
      userId: user.id,
      binding: verifyEmailBinding(user),
    });
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) => api(instances[i % 3]!, '/v1/users/verify', { token })),
    );
    const bodies = await Promise.all(
      answers.map(
        async (a) => `${a.status} ${((await a.json()) as { status?: string; code?: string }).status}`,
      ),
    );
    assert.equal(bodies.filter((b) => b === '200 verified').length, 1, bodies.join(', '));
    assert.equal(bodies.filter((b) => b === '200 already_verified').length, 59, bodies.join(', '));
    const events = await ctx.db
      .selectFrom('audit_events')
      .select('id')
      .where('user_id', '=', user.id)
      .where('event', '=', 'user.email_verified')
      .execute();
    assert.equal(events.length, 1);
  });

  test('per-recipient caps hold when the requests are spread across instances', async () => {
    await insertUser(ctx, 'capped@example.com', { verified: true });
    const from = clientAddress();
    const resets = await Promise.all(
      Array.from({ length: RATE_LIMIT }, (_, i) =>
        api(instances[i % 3]!, '/v1/password-resets', { email: 'capped@example.com' }, from),
      ),
    );
    assert.deepEqual(
      resets.map((r) => r.status),
      resets.map(() => 202),
    );
    const signups = await Promise.all(
      Array.from({ length: RATE_LIMIT }, (_, i) =>
        api(
          instances[i % 3]!,
          '/v1/users',
          { email: 'newcomer@example.com', password: 'a long enough passphrase 7' },
          from,
        ),
      ),
    );
    assert.deepEqual(
      signups.map((r) => r.status),
      signups.map(() => 202),
    );
    assert.equal(
      await outboxCount('capped@example.com', ['password_reset']),
      ctx.config.mail.capResetPerHour,
    );
    assert.equal(
      await outboxCount('newcomer@example.com', ['verify_email', 'account_exists']),
      ctx.config.mail.capVerifyPerHour,
    );
  });

  test('the per-IP rate limit is shared through Redis', {
    skip: REDIS_URL ? false : 'needs Redis: set TEST_REDIS_URL',
  }, async () => {
    const from = clientAddress();
    const answers = await Promise.all(
      Array.from({ length: RATE_LIMIT * 2 }, (_, i) =>
        api(instances[i % 3]!, '/v1/users/verify/resend', { email: 'nobody@example.com' }, from),
      ),
    );
    const statuses = answers.map((a) => a.status);
    assert.equal(statuses.filter((s) => s === 202).length, RATE_LIMIT, statuses.join(','));
    assert.equal(statuses.filter((s) => s === 429).length, RATE_LIMIT);
  });

  test('with every dispatcher running, 500 enqueued messages arrive exactly once each', async () => {
    const recipients = Array.from({ length: 500 }, (_, i) => `bulk-${i}@example.com`);
    await ctx.db.transaction().execute(async (trx) => {
      for (const to of recipients) {
        await queueMail(ctx, trx, 'password_changed', to, { resetLink: `${PUBLIC_URL}/forgot-password` });
      }
    });
    const wanted = new Set(recipients);
    const arrived = () => smtp.messages.filter((m) => m.envelope.to.some((to) => wanted.has(to)));
    const deadline = Date.now() + 60_000;
    while (new Set(arrived().flatMap((m) => m.envelope.to)).size < wanted.size && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    // A duplicate, if any, would come right behind: give it the time of two dispatcher polls.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const messages = arrived();
    const perRecipient = new Map<string, number>();
    for (const message of messages)
      for (const to of message.envelope.to) perRecipient.set(to, (perRecipient.get(to) ?? 0) + 1);
    assert.equal(perRecipient.size, 500, 'every message arrived');
    assert.deepEqual(
      [...perRecipient.values()].filter((n) => n !== 1),
      [],
      'none arrived twice',
    );
    assert.equal(new Set(messages.map((m) => m.messageId)).size, 500);
    const unsent = await ctx.db
      .selectFrom('email_outbox')
      .select('id')
      .where('recipient', 'in', recipients)
      .where('status', '!=', 'sent')
      .execute();
    assert.equal(unsent.length, 0);
  });

  async function outboxCount(recipient: string, kinds: string[]): Promise<number> {
    const rows = await ctx.db
      .selectFrom('email_outbox')
      .select('id')
      .where('recipient', '=', recipient)
      .where('kind', 'in', kinds)
      .execute();
    return rows.length;
  }
});

function api(instance: OtoProcess, path: string, body: unknown, from?: string): Promise<Response> {
  return fetch(`${instance.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${TEST_API_KEY}`,
      ...(from ? { 'x-forwarded-for': from } : {}),
    },
    body: JSON.stringify(body),
  });
}

/** A client address no other test (or earlier run sharing Redis) uses. */
function clientAddress(): string {
  return `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;
}

/** What one instance's /metrics says about successful consumes of a purpose. */
async function consumeSuccesses(instance: OtoProcess, purpose: string): Promise<number> {
  const text = await (await fetch(`${instance.url}/metrics`)).text();
  const line = text
    .split('\n')
    .find(
      (l) =>
        l.startsWith('oto_token_consumes_total{') &&
        l.includes(`purpose="${purpose}"`) &&
        l.includes('outcome="ok"'),
    );
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}
