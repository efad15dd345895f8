import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { passwordResetBinding } from '../src/accounts/bindings.ts';
import { createSession } from '../src/accounts/sessions.ts';
import { manualClock } from '../src/clock.ts';
import { loadConfig } from '../src/config/config.ts';
import { type Context, createContext } from '../src/context.ts';
import { openStorage } from '../src/db/connect.ts';
import { newId } from '../src/db/ids.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { type App, buildApp } from '../src/http/app.ts';
import { createLogger } from '../src/logging.ts';
import { createDispatcher } from '../src/mail/dispatcher.ts';
import { createTransport } from '../src/mail/transport.ts';
import { PUBLIC_URL, TEST_API_KEY } from './helpers/app.ts';
import { KEY_A } from './helpers/flows.ts';
import { type OtoProcess, startOto } from './helpers/instances.ts';
import {
  type PrivatePostgres,
  privatePostgresUnavailable,
  startPrivatePostgres,
} from './helpers/postgres-server.ts';
import { startSmtpServer } from './helpers/smtp.ts';
import { createTestDatabase, type TestDatabase } from './helpers/storage.ts';

/**
 * Faults: the database stops under load, an oto process is killed mid-batch, SMTP is unreachable
 * during a burst. PostgreSQL runs as a private server the test starts (and stops, and crashes) on a
 * spare port; the shared server is never touched. The kill and SMTP cases also run on SQLite.
 */

const PASSWORD = 'a brand new passphrase 9';
/** No request may take longer than this, whatever the database is doing. */
const BOUND_MS = 12_000;
const unavailable = privatePostgresUnavailable();

let privatePg: PrivatePostgres | undefined;
before(async () => {
  if (unavailable === null) privatePg = await startPrivatePostgres();
});
after(() => privatePg?.destroy());

/** A migrated database for one case: a new database on the private server, or a SQLite file. */
interface Target {
  url: string;
  ctx: Context;
  close(): Promise<void>;
}

async function openTarget(kind: 'sqlite' | 'postgres', name: string): Promise<Target> {
  let url: string;
  let sqlite: TestDatabase | undefined;
  if (kind === 'postgres') {
    const admin = new pg.Client({ connectionString: privatePg!.url });
    await admin.connect();
    await admin.query(`create database ${name}`).finally(() => admin.end());
    url = privatePg!.url.replace(/\/postgres$/, `/${name}`);
  } else {
    sqlite = await createTestDatabase('sqlite');
    url = sqlite.url;
  }
  const config = loadConfig({ DATABASE_URL: url, PUBLIC_URL, OTO_SIGNING_KEYS: KEY_A, LOG_LEVEL: 'silent' });
  const storage = sqlite?.storage ?? openStorage(config.database, { poolSize: 4 });
  await migrateToLatest(storage.db);
  const ctx = createContext(config, storage, createLogger({ level: 'silent' }));
  return { url, ctx, close: () => (sqlite ? sqlite.drop() : storage.close()) };
}

function otoEnv(url: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: url,
    PUBLIC_URL,
    OTO_API_KEYS: TEST_API_KEY,
    OTO_SIGNING_KEYS: KEY_A,
    RUN_WORKER: 'false',
    RATE_LIMIT_PER_MINUTE: '0',
    LOG_LEVEL: 'warn',
    DB_POOL_SIZE: '5',
    ...extra,
  };
}

// ---------------------------------------------------------------------------------------------
// Password resets: all or nothing

interface ResetCase {
  userId: string;
  token: string;
}

/** Users with two live sessions each and a live reset link, as after "forgot password". */
async function seedResets(ctx: Context, count: number): Promise<ResetCase[]> {
  const cases: ResetCase[] = [];
  for (let i = 0; i < count; i++) {
    const now = ctx.clock.now();
    const user = await ctx.db
      .insertInto('users')
      .values({
        id: newId(now),
        email: `reset-${i}-${now}@example.com`,
        email_normalized: `reset-${i}-${now}@example.com`,
        password_hash: null,
        email_verified_at: now,
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await createSession(ctx, ctx.db, user.id);
    await createSession(ctx, ctx.db, user.id);
    const { token } = await ctx.tokens.issue(ctx.db, {
      purpose: 'password_reset',
      userId: user.id,
      binding: passwordResetBinding(user),
    });
    cases.push({ userId: user.id, token });
  }
  return cases;
}

/**
 * What a reset did to one user, checked to be all or nothing: the link spent, the password set
 * and its version bumped, every session ended, the notice queued and the audit written, or none of
 * these. Returns whether the reset happened.
 */
async function resetOutcome(ctx: Context, userId: string): Promise<boolean> {
  const user = await ctx.db
    .selectFrom('users')
    .selectAll()
    .where('id', '=', userId)
    .executeTakeFirstOrThrow();
  const token = await ctx.db
    .selectFrom('security_tokens')
    .select('used_at')
    .where('user_id', '=', userId)
    .where('purpose', '=', 'password_reset')
    .execute();
  const sessions = await ctx.db.selectFrom('sessions').select('id').where('user_id', '=', userId).execute();
  const notices = await ctx.db
    .selectFrom('email_outbox')
    .select('id')
    .where('user_id', '=', userId)
    .where('kind', '=', 'password_changed')
    .execute();
  const audits = await ctx.db
    .selectFrom('audit_events')
    .select('id')
    .where('user_id', '=', userId)
    .where('event', '=', 'password_reset.completed')
    .execute();
  const done = token.some((t) => t.used_at !== null);
  const facts = {
    tokenSpent: done,
    passwordSet: user.password_hash !== null,
    versionBumped: user.password_version === 2,
    sessionsEnded: sessions.length === 0,
    noticeQueued: notices.length === 1,
    audited: audits.length === 1,
  };
  const expected = Object.fromEntries(Object.keys(facts).map((key) => [key, done]));
  assert.deepEqual(facts, expected, `a half-done reset for user ${userId}`);
  assert.ok(notices.length <= 1 && audits.length <= 1, 'a reset recorded twice');
  return done;
}

function confirm(instance: OtoProcess, token: string): Promise<Response> {
  return fetch(`${instance.url}/v1/password-resets/confirm`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token, password: PASSWORD }),
    signal: AbortSignal.timeout(BOUND_MS),
  });
}

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`an oto process killed (SIGKILL) in the middle of a batch of reset confirmations, on ${kind}`, {
    skip: kind === 'postgres' && unavailable !== null ? unavailable : false,
  }, () => {
    let target: Target;
    before(async () => {
      target = await openTarget(kind, `kill_${Date.now()}`);
    });
    after(() => target?.close());

    test('every confirmation either completed fully or changed nothing, and an untouched link still works', async () => {
      const cases = await seedResets(target.ctx, 16);
      let instance = await startOto(otoEnv(target.url));
      const answers = cases.map(({ token }) =>
        confirm(instance, token).then(
          (response) => response.status,
          () => 'cut off' as const,
        ),
      );
      // Kill as soon as the first confirmation has been answered: some are done, the others are
      // hashing their password or inside their transaction.
      await Promise.race(answers);
      await instance.kill();
      const statuses = await Promise.all(answers);

      const done: boolean[] = [];
      for (const [i, { userId }] of cases.entries()) {
        const happened = await resetOutcome(target.ctx, userId);
        if (statuses[i] === 200) assert.ok(happened, 'a confirmed reset was lost');
        done.push(happened);
      }
      assert.ok(done.includes(true), 'the kill came before any reset finished');
      assert.ok(done.includes(false), 'the kill came after every reset finished');

      // A fresh process on the same data: the untouched links work once, the spent ones do not.
      instance = await startOto(otoEnv(target.url));
      try {
        for (const [i, { token, userId }] of cases.entries()) {
          const response = await confirm(instance, token);
          assert.equal(response.status, done[i] ? 410 : 200);
          assert.equal(await resetOutcome(target.ctx, userId), true);
        }
      } finally {
        assert.equal(await instance.stop(), 0);
      }
    });
  });
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL stops under load

interface Observation {
  op: string;
  status: number | 'timeout' | 'network';
  ms: number;
  at: number;
  body: Record<string, unknown> | null;
  key?: string;
}

describe('PostgreSQL stops under load and comes back', { skip: unavailable ?? false }, () => {
  let target: Target;
  let instance: OtoProcess;
  before(async () => {
    target = await openTarget('postgres', `outage_${Date.now()}`);
    instance = await startOto(otoEnv(target.url));
  });
  after(async () => {
    await instance?.stop();
    await target?.close();
  });

  test('503 problem+json during the outage, /readyz 503, service resumes by itself, nothing committed is lost', async () => {
    const resets = await seedResets(target.ctx, 40);
    const observations: Observation[] = [];
    let running = true;
    let n = 0;
    const started = Date.now();

    async function call(op: string, path: string, body?: unknown, key?: string): Promise<void> {
      const begun = Date.now();
      let status: Observation['status'];
      let parsed: Record<string, unknown> | null = null;
      try {
        const response = await fetch(`${instance.url}${path}`, {
          method: body === undefined ? 'GET' : 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_API_KEY}` },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(BOUND_MS),
        });
        status = response.status;
        const text = await response.text();
        parsed = text ? (JSON.parse(text) as Record<string, unknown>) : null;
        if (status >= 400)
          assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
      } catch (error) {
        status = (error as Error).name === 'TimeoutError' ? 'timeout' : 'network';
      }
      observations.push({ op, status, ms: Date.now() - begun, at: begun - started, body: parsed, key });
    }

    const load = async () => {
      while (running) {
        const i = n++;
        if (i % 4 === 3) {
          const reset = resets.pop();
          if (reset)
            await call(
              'reset',
              '/v1/password-resets/confirm',
              { token: reset.token, password: PASSWORD },
              reset.userId,
            );
        } else if (i % 8 === 2) {
          const email = `outage-${i}@example.com`;
          await call('signup', '/v1/users', { email, password: PASSWORD }, email);
        } else {
          await call('issue', '/v1/tokens', { purpose: 'outage', subject: `s-${i}` });
        }
      }
    };
    const loops = Array.from({ length: 6 }, load);

    await sleep(800);
    await privatePg!.stop('immediate');
    const down = Date.now() - started;
    const readyDuringOutage = await untilStatus(instance, 503, 10_000);
    await sleep(2500);
    await privatePg!.start();
    const up = Date.now() - started;
    const readyAgain = await untilStatus(instance, 200, 30_000);
    await sleep(1500);
    running = false;
    await Promise.all(loops);

    assert.equal(readyDuringOutage, 503, '/readyz answers 503 while the database is down');
    assert.equal(readyAgain, 200, 'service resumes without restarting oto');
    assert.equal(instance.child.exitCode, null, 'oto is still the same process');

    const bad = observations.filter(
      (o) => typeof o.status !== 'number' || !(o.status < 300 || o.status === 503),
    );
    assert.deepEqual(bad, [], 'only successes and 503s: no 500, no hang, no dropped connection');
    assert.ok(Math.max(...observations.map((o) => o.ms)) < BOUND_MS);
    const outage = observations.filter((o) => o.status === 503);
    assert.ok(outage.length > 0, 'some requests met the outage');
    for (const o of outage) assert.equal(o.body?.['code'], 'service_unavailable');
    assert.ok(
      observations.some((o) => typeof o.status === 'number' && o.status < 300 && o.at > up),
      'requests succeed again after the restart',
    );
    assert.ok(down < up);

    // Nothing committed is lost: every issued token, every signed-up user with their link.
    const issuedIds = observations
      .filter((o) => o.op === 'issue' && o.status === 201)
      .map((o) => String(o.body?.['id']));
    const stored = await target.ctx.db
      .selectFrom('security_tokens')
      .select('id')
      .where('id', 'in', issuedIds)
      .execute();
    assert.equal(stored.length, issuedIds.length, 'an issued token was lost');
    for (const o of observations.filter((x) => x.op === 'signup' && x.status === 202)) {
      const user = await target.ctx.db
        .selectFrom('users')
        .select('id')
        .where('email_normalized', '=', o.key!)
        .executeTakeFirst();
      assert.ok(user, `the account of ${o.key} was lost`);
      const mail = await target.ctx.db
        .selectFrom('email_outbox')
        .select('id')
        .where('recipient', '=', o.key!)
        .where('kind', '=', 'verify_email')
        .execute();
      assert.equal(mail.length, 1, `the verification email of ${o.key} was lost`);
    }
    // No half-done flow: every reset attempted, whatever its answer, is all or nothing.
    for (const o of observations.filter((x) => x.op === 'reset')) {
      const happened = await resetOutcome(target.ctx, o.key!);
      if (o.status === 200) assert.ok(happened, 'a confirmed reset was lost');
    }
  });
});

// ---------------------------------------------------------------------------------------------
// SMTP unreachable during a burst of sign-ups

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`SMTP unreachable during a burst of sign-ups, on ${kind}`, {
    skip: kind === 'postgres' && unavailable !== null ? unavailable : false,
  }, () => {
    test('every verification email arrives, once, after SMTP comes back', async () => {
      const smtp = await startSmtpServer();
      await smtp.stop();
      const target = await openTarget(kind, `smtp_${Date.now()}`);
      const clock = manualClock(Date.now());
      const config = loadConfig({
        DATABASE_URL: target.url,
        PUBLIC_URL,
        OTO_SIGNING_KEYS: KEY_A,
        SMTP_URL: smtp.url,
        RATE_LIMIT_PER_MINUTE: '0',
        LOG_LEVEL: 'silent',
      });
      const ctx = createContext(config, target.ctx.storage, createLogger({ level: 'silent' }), { clock });
      const app: App = await buildApp(ctx);
      const transport = createTransport(config);
      const dispatcher = createDispatcher(ctx, { transport });
      try {
        const emails = Array.from({ length: 20 }, (_, i) => `burst-${i}@example.com`);
        const answers = await Promise.all(
          emails.map((email) =>
            app.inject({ method: 'POST', url: '/v1/users', payload: { email, password: PASSWORD } }),
          ),
        );
        assert.deepEqual(
          answers.map((a) => a.statusCode),
          emails.map(() => 202),
        );

        // The dispatcher tries while SMTP is down: nothing is lost, everything waits for a retry.
        const down = await dispatcher.dispatchBatch();
        assert.equal(down.sent, 0);
        const waiting = await ctx.db
          .selectFrom('email_outbox')
          .select(['status', 'attempts'])
          .where('recipient', 'in', emails)
          .execute();
        assert.equal(waiting.length, 20);
        for (const row of waiting) assert.equal(row.status, 'pending');

        await smtp.restart();
        clock.advance(5 * 60_000);
        for (let round = 0; round < 10; round++) {
          const report = await dispatcher.dispatchBatch();
          if (report.claimed === 0) break;
        }
        const received = smtp.messages.filter((m) => m.envelope.to.some((to) => emails.includes(to)));
        const perRecipient = new Map<string, number>();
        for (const m of received)
          for (const to of m.envelope.to) perRecipient.set(to, (perRecipient.get(to) ?? 0) + 1);
        assert.deepEqual(
          emails.map((e) => perRecipient.get(e) ?? 0),
          emails.map(() => 1),
        );
        for (const m of received) assert.match(m.parsed.text ?? '', /\/verify-email\?token=/);
      } finally {
        await app.close();
        await transport.close();
        await smtp.close();
        await target.close();
      }
    });
  });
}

async function untilStatus(instance: OtoProcess, wanted: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = 0;
  while (Date.now() < deadline) {
    try {
      last = (await fetch(`${instance.url}/readyz`, { signal: AbortSignal.timeout(BOUND_MS) })).status;
      if (last === wanted) return last;
    } catch {
      last = -1;
    }
    await sleep(100);
  }
  return last;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
