import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type CompiledQuery, sql } from 'kysely';
import pg from 'pg';
import { manualClock } from '../src/clock.ts';
import { loadConfig } from '../src/config/config.ts';
import { type Context, createContext } from '../src/context.ts';
import { newId } from '../src/db/ids.ts';
import type { Db } from '../src/db/schema.ts';
import { runPurge } from '../src/jobs/purge.ts';
import { purgeJob } from '../src/jobs/purge-job.ts';
import { cutoffs, PURGE_TARGETS, type PurgeTarget, purgeStatements } from '../src/jobs/purge-statements.ts';
import { startWorker } from '../src/jobs/worker.ts';
import { createLogger } from '../src/logging.ts';
import { tokenPurgeBatch } from '../src/tokens/purge.ts';
import { LogCapture } from './helpers/app.ts';
import { createTestDatabase, DIALECTS, type TestDatabase } from './helpers/storage.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Defaults: tokens 7d, outbox 30d, audit 90d, idle sessions 7d, login window 15m. */
function purgeContext(database: TestDatabase, env: Record<string, string> = {}): Context {
  const config = loadConfig({ DATABASE_URL: database.url, PURGE_BATCH_SIZE: '3', ...env });
  const logger = createLogger({ level: 'warn', destination: new LogCapture() });
  return createContext(config, database.storage, logger, { clock: manualClock(Date.UTC(2030, 0, 1)) });
}

async function ids(
  db: Db,
  table:
    | 'security_tokens'
    | 'sessions'
    | 'email_outbox'
    | 'audit_events'
    | 'invitations'
    | 'webhook_events'
    | 'webhook_deliveries'
    | 'webhook_attempts',
) {
  const rows = await db.selectFrom(table).select('id').orderBy('id').execute();
  return rows.map((row) => row.id);
}

/**
 * Rows on both sides of every cut-off. Ids name what the row is: "gone-…" rows must be purged,
 * "kept-…" rows must survive.
 */
async function seed(ctx: Context) {
  const db = ctx.db;
  const now = ctx.clock.now();
  await db
    .insertInto('users')
    .values({
      id: 'kept-clean',
      email: 'kept-clean@example.com',
      email_normalized: 'kept-clean@example.com',
      created_at: now - 100 * DAY,
      updated_at: now - 100 * DAY,
    })
    .execute();
  // Login-throttle rows, keyed here by what they are rather than by an address's fingerprint.
  await db
    .insertInto('login_failures')
    .values(
      (
        [
          // LOGIN_FAILURE_MEMORY is 30 days: a row outlives its window, so that its streak holds.
          ['stale-window', now - 31 * DAY, null],
          ['stale-lock-ended', now - 31 * DAY, now - MINUTE],
          ['kept-locked', now - 31 * DAY, now + 10 * MINUTE],
          ['kept-recent', now - 20 * MINUTE, null],
        ] as const
      ).map(([key, windowStart, lockedUntil]) => ({
        key,
        failures: 4,
        window_start: windowStart,
        locked_until: lockedUntil,
      })),
    )
    .execute();

  const token = (id: string, fields: { expires: number; used?: number; revoked?: number }) => ({
    id,
    token_hash: `hash-${id}`,
    purpose: 'verify_email',
    user_id: 'kept-clean',
    created_at: now - 30 * DAY,
    expires_at: fields.expires,
    used_at: fields.used ?? null,
    revoked_at: fields.revoked ?? null,
  });
  await db
    .insertInto('security_tokens')
    .values([
      // TOKEN_RETENTION (7 days) counts from the expiry, whatever became of the token.
      token('gone-expired', { expires: now - 8 * DAY }),
      token('gone-used', { expires: now - 8 * DAY, used: now - 9 * DAY }),
      token('gone-revoked', { expires: now - 8 * DAY, revoked: now - 9 * DAY }),
      token('kept-live', { expires: now + DAY }),
      token('kept-expired-recently', { expires: now - 6 * DAY }),
      token('kept-used-recently', { expires: now - 6 * DAY, used: now - 6 * DAY - HOUR }),
      token('kept-used-long-ago', { expires: now + DAY, used: now - 20 * DAY }),
      token('kept-revoked-long-ago', { expires: now - 6 * DAY, revoked: now - 20 * DAY }),
    ])
    .execute();

  const session = (id: string, lastSeen: number, expires: number) => ({
    id,
    token_hash: `hash-${id}`,
    user_id: 'kept-clean',
    created_at: now - 20 * DAY,
    last_seen_at: lastSeen,
    expires_at: expires,
  });
  await db
    .insertInto('sessions')
    .values([
      session('gone-expired', now - HOUR, now - 1),
      session('gone-idle', now - 8 * DAY, now + 10 * DAY),
      session('kept-active', now - HOUR, now + 10 * DAY),
      session('kept-idle-not-yet', now - 6 * DAY, now + 10 * DAY),
    ])
    .execute();

  const email = (id: string, status: 'pending' | 'sending' | 'sent' | 'failed', age: number) => ({
    id,
    kind: 'verify_email',
    recipient: 'someone@example.com',
    sender: 'oto@example.com',
    subject: 'Hello',
    status,
    next_attempt_at: now - age,
    message_id: `<${id}@example.com>`,
    created_at: now - age,
    sent_at: status === 'sent' ? now - age : null,
  });
  await db
    .insertInto('email_outbox')
    .values([
      email('gone-sent', 'sent', 31 * DAY),
      email('gone-failed', 'failed', 31 * DAY),
      email('kept-sent-recently', 'sent', 29 * DAY),
      email('kept-pending-old', 'pending', 40 * DAY),
      email('kept-sending-old', 'sending', 40 * DAY),
    ])
    .execute();

  const invitation = (id: string, expires: number, fields: { accepted?: number; revoked?: number } = {}) => ({
    id,
    inviter_id: 'kept-clean',
    email: `${id}@example.com`,
    email_normalized: `${id}@example.com`,
    scope: 'default',
    role: 'member',
    token_id: `token-${id}`,
    created_at: expires - 7 * DAY,
    expires_at: expires,
    accepted_at: fields.accepted ?? null,
    revoked_at: fields.revoked ?? null,
  });
  await db
    .insertInto('invitations')
    .values([
      invitation('gone-ignored', now - 8 * DAY),
      invitation('gone-accepted', now - 8 * DAY, { accepted: now - 13 * DAY }),
      invitation('kept-revoked-recently', now - 6 * DAY, { revoked: now - 12 * DAY }),
      invitation('kept-open', now + DAY),
    ])
    .execute();

  // Ten old events: more than three batches of three.
  const old = Array.from({ length: 10 }, (_, i) => ({
    id: `gone-audit-${String(i).padStart(2, '0')}`,
    at: now - 91 * DAY - i,
    user_id: 'kept-clean',
    event: 'login.failed',
  }));
  await db
    .insertInto('audit_events')
    .values([...old, { id: 'kept-audit', at: now - 89 * DAY, user_id: 'kept-clean', event: 'login.failed' }])
    .execute();

  // Webhooks: a delivery finished 31 days ago goes with its attempt; a recent one stays. Events go
  // after the retention and the 3 days of retries (34 days), whatever their deliveries.
  const event = (id: string, age: number) => ({
    id,
    name: 'user.created',
    payload: '{}',
    created_at: now - age,
  });
  await db
    .insertInto('webhook_events')
    .values([
      event('gone-event', 35 * DAY),
      event('kept-event-recent', 33 * DAY),
      event('gone-event-retried', 40 * DAY),
    ])
    .execute();
  const delivery = (id: string, eventId: string, age: number, finished: boolean) => ({
    id,
    event_id: eventId,
    endpoint_id: 'e',
    event_name: 'user.created',
    status: finished ? ('succeeded' as const) : ('pending' as const),
    next_attempt_at: now,
    created_at: now - age,
    finished_at: finished ? now - age : null,
  });
  await db
    .insertInto('webhook_deliveries')
    .values([
      delivery('gone-delivery', 'gone-event', 31 * DAY, true),
      delivery('kept-delivery-recent', 'kept-event-recent', 29 * DAY, true),
      delivery('kept-delivery-pending', 'gone-event-retried', 40 * DAY, false),
    ])
    .execute();
  const attempt = (id: string, deliveryId: string, age: number) => ({
    id,
    delivery_id: deliveryId,
    at: now - age,
    response_status: 200,
    duration_ms: 5,
  });
  await db
    .insertInto('webhook_attempts')
    .values([
      attempt('gone-attempt', 'gone-delivery', 31 * DAY),
      attempt('kept-attempt', 'kept-delivery-recent', 29 * DAY),
    ])
    .execute();
}

const EXPECTED: Record<PurgeTarget, number> = {
  security_tokens: 3,
  sessions: 2,
  email_outbox: 2,
  invitations: 2,
  audit_events: 10,
  login_failures: 2,
  one_time_codes: 0,
  code_budgets: 0,
  webhook_outbox: 4,
};

for (const { dialect, skip } of DIALECTS) {
  describe(`purge on ${dialect}`, { skip }, () => {
    let database: TestDatabase;
    let ctx: Context;

    before(async () => {
      database = await createTestDatabase(dialect);
      ctx = purgeContext(database);
    });
    after(() => database?.drop());

    test('a dry run counts what a pass would delete and deletes nothing', async () => {
      await seed(ctx);
      const result = await runPurge(ctx, { dryRun: true });
      assert.deepEqual(result, { skipped: false, dryRun: true, counts: EXPECTED });
      assert.equal((await ids(ctx.db, 'audit_events')).length, 11);
      assert.equal((await ids(ctx.db, 'security_tokens')).length, 8);
    });

    test('a pass deletes exactly the rows past their retention, in batches, and keeps the rest', async () => {
      const progress: Array<[PurgeTarget, number]> = [];
      const result = await runPurge(ctx, { onProgress: (target, n) => progress.push([target, n]) });
      assert.deepEqual(result, { skipped: false, dryRun: false, counts: EXPECTED });

      assert.deepEqual(await ids(ctx.db, 'security_tokens'), [
        'kept-expired-recently',
        'kept-live',
        'kept-revoked-long-ago',
        'kept-used-long-ago',
        'kept-used-recently',
      ]);
      assert.deepEqual(await ids(ctx.db, 'sessions'), ['kept-active', 'kept-idle-not-yet']);
      assert.deepEqual(await ids(ctx.db, 'email_outbox'), [
        'kept-pending-old',
        'kept-sending-old',
        'kept-sent-recently',
      ]);
      assert.deepEqual(await ids(ctx.db, 'audit_events'), ['kept-audit']);
      assert.deepEqual(await ids(ctx.db, 'invitations'), ['kept-open', 'kept-revoked-recently']);
      assert.deepEqual(await ids(ctx.db, 'webhook_events'), ['kept-event-recent']);
      assert.deepEqual(await ids(ctx.db, 'webhook_deliveries'), [
        'kept-delivery-pending',
        'kept-delivery-recent',
      ]);
      assert.deepEqual(await ids(ctx.db, 'webhook_attempts'), ['kept-attempt']);

      const throttle = await ctx.db.selectFrom('login_failures').selectAll().orderBy('key').execute();
      assert.deepEqual(
        throttle.map((row) => [row.key, row.failures, row.locked_until]),
        [
          ['kept-locked', 4, ctx.clock.now() + 10 * MINUTE],
          ['kept-recent', 4, null],
        ],
        'rows older than the memory are gone; a running cool-down and a recent run are left as they were',
      );

      // Ten audit rows in batches of three: progress after each of the four batches.
      assert.deepEqual(
        progress.filter(([target]) => target === 'audit_events').map(([, n]) => n),
        [3, 6, 9, 10],
      );
      const text = await ctx.metrics.registry.getSingleMetricAsString('oto_purged_rows_total');
      assert.match(text, /oto_purged_rows_total\{table="audit_events"\} 10/);
      assert.match(text, /oto_purged_rows_total\{table="security_tokens"\} 3/);
    });

    test('a second pass finds nothing left to delete', async () => {
      const result = await runPurge(ctx);
      assert.deepEqual(result.counts, Object.fromEntries(PURGE_TARGETS.map((t) => [t, 0])));
    });

    test('an aborted pass stops between batches', async () => {
      const now = ctx.clock.now();
      await ctx.db
        .insertInto('audit_events')
        .values(
          Array.from({ length: 9 }, (_, i) => ({ id: newId(now), at: now - 100 * DAY - i, event: 'x' })),
        )
        .execute();
      const controller = new AbortController();
      const result = await runPurge(ctx, {
        signal: controller.signal,
        onProgress: () => controller.abort(),
      });
      assert.equal(result.counts.audit_events, 3);
      assert.equal((await ids(ctx.db, 'audit_events')).length, 7);
      await runPurge(ctx);
    });

    test('every batch statement is found through an index, never a table scan', async () => {
      // The plans of a real deployment: a fresh database filled with enough rows that scanning a
      // whole table would cost more than the batch, and statistics gathered, as autovacuum would.
      const big = await createTestDatabase(dialect);
      try {
        const bigCtx = purgeContext(big);
        if (dialect === 'postgres') await fillForPlanner(big.storage.db, bigCtx.clock.now());
        const cut = cutoffs(bigCtx);
        const db = big.storage.db;
        const statements = Object.values(purgeStatements(db, cut, 100)).flat();
        // purgeTokens' batch (src/tokens/purge.ts).
        statements.push(tokenPurgeBatch(db, cut.tokensExpiredBefore, 100));
        for (const statement of statements) {
          const compiled = statement.compile() as CompiledQuery;
          const plan = await explain(db, dialect, compiled);
          assert.ok(usesIndexOnly(dialect, plan), `table scan in:\n${compiled.sql}\n${plan}`);
        }
      } finally {
        await big.drop();
      }
    });

    test('the worker runs the purge job when it starts, and stops cleanly', async () => {
      const now = ctx.clock.now();
      await ctx.db
        .insertInto('audit_events')
        .values({ id: 'scheduled-gone', at: now - 100 * DAY, event: 'x' })
        .execute();
      const worker = startWorker(ctx, { jobs: [purgeJob(ctx)] });
      try {
        await waitFor(async () => !(await ids(ctx.db, 'audit_events')).includes('scheduled-gone'));
      } finally {
        await worker.stop();
      }
    });
  });
}

describe('purge on postgres, with several instances', { skip: DIALECTS[1]!.skip }, () => {
  let database: TestDatabase;
  let ctx: Context;
  before(async () => {
    database = await createTestDatabase('postgres');
    ctx = purgeContext(database);
  });
  after(() => database?.drop());

  test('a pass is skipped while another instance holds the purge lock', async () => {
    await seed(ctx);
    // A second "instance": its own connection to the same schema runs a pass that holds the lock.
    const other = new pg.Client({ connectionString: database.url });
    await other.connect();
    try {
      const schema = (await other.query('select current_schema() as s')).rows[0].s as string;
      const { createHash } = await import('node:crypto');
      const key = createHash('sha256').update(schema).digest().readInt32BE(0);
      await other.query('select pg_advisory_lock($1::int4, $2::int4)', [0x6f746f70, key]);
      const skipped = await runPurge(ctx);
      assert.equal(skipped.skipped, true);
      assert.equal((await ids(ctx.db, 'audit_events')).length, 11);
      await other.query('select pg_advisory_unlock($1::int4, $2::int4)', [0x6f746f70, key]);
      const ran = await runPurge(ctx);
      assert.deepEqual(ran.counts, EXPECTED);
    } finally {
      await other.end();
    }
  });

  test('two passes started together: at most one purges, and nothing is deleted twice', async () => {
    const fresh = await createTestDatabase('postgres');
    try {
      const freshCtx = purgeContext(fresh);
      await seed(freshCtx);
      const [a, b] = await Promise.all([runPurge(freshCtx), runPurge(freshCtx)]);
      const total = (r: typeof a) => Object.values(r.counts).reduce((x, y) => x + y, 0);
      assert.equal(
        total(a) + total(b),
        Object.values(EXPECTED).reduce((x, y) => x + y, 0),
      );
      assert.ok(a.skipped || b.skipped || total(a) === 0 || total(b) === 0);
    } finally {
      await fresh.drop();
    }
  });
});

async function explain(db: Db, dialect: string, query: CompiledQuery): Promise<string> {
  const prefix = dialect === 'sqlite' ? 'explain query plan' : 'explain';
  const result = await db.executeQuery<Record<string, string>>({ ...query, sql: `${prefix} ${query.sql}` });
  return result.rows.map((row) => (dialect === 'sqlite' ? row['detail'] : row['QUERY PLAN'])).join('\n');
}

/**
 * 20,000 rows in each purged table, a quarter of them purgeable, then ANALYZE. PostgreSQL plans from
 * statistics: on a near-empty table a scan is the cheapest plan, so only a realistic size shows
 * whether the indexes serve the purge.
 */
async function fillForPlanner(db: Db, now: number): Promise<void> {
  const rows = 20_000;
  const old = now - 400 * DAY;
  await sql`insert into users (id, email, email_normalized, created_at, updated_at)
    select 'u' || i, 'u' || i || '@x.test', 'u' || i || '@x.test', ${now}::bigint, ${now}::bigint
    from generate_series(1, ${rows}::int) as i`.execute(db);
  await sql`insert into login_failures (key, failures, window_start, locked_until)
    select 'k' || i, 3, case when i % 4 = 0 then ${old}::bigint + i else ${now}::bigint + i end,
      case when i % 8 = 4 then ${now}::bigint + i else null end
    from generate_series(1, ${rows}::int) as i`.execute(db);
  await sql`insert into security_tokens (id, token_hash, purpose, subject, created_at, expires_at, used_at,
      revoked_at)
    select 't' || i, 'h' || i, 'p', 's', ${now}::bigint,
      case when i % 4 = 0 then ${old}::bigint + i else ${now}::bigint + i end,
      case when i % 8 = 1 then ${old}::bigint + i else null end,
      case when i % 8 = 3 then ${old}::bigint + i else null end
    from generate_series(1, ${rows}::int) as i`.execute(db);
  await sql`insert into sessions (id, token_hash, user_id, created_at, last_seen_at, expires_at)
    select 's' || i, 'h' || i, 'u' || i, ${now}::bigint,
      case when i % 4 = 1 then ${old}::bigint + i else ${now}::bigint + i end,
      case when i % 4 = 0 then ${old}::bigint + i else ${now}::bigint + i end
    from generate_series(1, ${rows}::int) as i`.execute(db);
  await sql`insert into email_outbox (id, kind, recipient, sender, subject, status, next_attempt_at,
      message_id, created_at)
    select 'm' || i, 'k', 'r@x.test', 's@x.test', 's',
      (array['pending', 'sent', 'sent', 'failed'])[1 + i % 4], ${now}::bigint, 'm' || i,
      case when i % 4 = 0 then ${old}::bigint + i else ${now}::bigint + i end
    from generate_series(1, ${rows}::int) as i`.execute(db);
  await sql`insert into webhook_events (id, name, payload, created_at)
    select 'w' || i, 'user.created', '{}',
      case when i % 4 = 0 then ${old}::bigint + i else ${now}::bigint + i end
    from generate_series(1, ${rows}::int) as i`.execute(db);
  await sql`insert into webhook_deliveries (id, event_id, endpoint_id, event_name, status, next_attempt_at,
      created_at, finished_at)
    select 'd' || i, 'w' || i, 'e', 'user.created', 'succeeded', ${now}::bigint, ${now}::bigint,
      case when i % 4 = 0 then ${old}::bigint + i when i % 4 = 1 then null else ${now}::bigint + i end
    from generate_series(1, ${rows}::int) as i`.execute(db);
  await sql`insert into webhook_attempts (id, delivery_id, at, duration_ms)
    select 'a' || i, 'd' || i, case when i % 4 = 0 then ${old}::bigint + i else ${now}::bigint + i end, 1
    from generate_series(1, ${rows}::int) as i`.execute(db);
  await sql`insert into invitations (id, inviter_id, email, email_normalized, scope, role, token_id,
      created_at, expires_at)
    select 'i' || i, 'u' || i, 'x@x.test', 'x@x.test', 's' || i, 'r', 't' || i, ${now}::bigint,
      case when i % 4 = 0 then ${old}::bigint + i else ${now}::bigint + i end
    from generate_series(1, ${rows}::int) as i`.execute(db);
  await sql`insert into audit_events (id, at, event)
    select 'a' || i, case when i % 4 = 0 then ${old}::bigint + i else ${now}::bigint + i end, 'e'
    from generate_series(1, ${rows}::int) as i`.execute(db);
  await sql`insert into one_time_codes (id, purpose, owner, code_hash, created_at, expires_at)
    select 'c' || i, 'p', 'subject:' || i, 'h' || i, ${now}::bigint,
      case when i % 4 = 0 then ${old}::bigint + i else ${now}::bigint + i end
    from generate_series(1, ${rows}::int) as i`.execute(db);
  await sql`insert into code_budgets (purpose, owner, attempts, window_ends_at, cooldown_until)
    select 'p', 'subject:' || i, 1, case when i % 4 = 0 then ${old}::bigint + i else ${now}::bigint + i end,
      case when i % 8 = 4 then ${now}::bigint + i else null end
    from generate_series(1, ${rows}::int) as i`.execute(db);
  await sql`analyze`.execute(db);
}

function usesIndexOnly(dialect: string, plan: string): boolean {
  if (dialect === 'sqlite') {
    // "SEARCH t USING INDEX i (col<?)" is a range read; any "SCAN" walks a whole table or index.
    return !/\bSCAN\b/.test(plan) && /SEARCH/.test(plan);
  }
  // Every scan node must read an index by condition: a Seq Scan, or an index walked from end to end
  // with only a Filter, is a scan of the whole table.
  if (/Seq Scan/.test(plan)) return false;
  const nodes = plan.split(/\n(?=\s*->)/);
  const scans = nodes.filter((node) => /Index (Only )?Scan/.test(node));
  return scans.length > 0 && scans.every((node) => /Index Cond/.test(node));
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
