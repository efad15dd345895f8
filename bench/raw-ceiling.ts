/**
 * The database ceilings, each in a process of its own, run straight through the driver (pg with the
 * same pool size as oto, or node:sqlite) by as many concurrent callers as autocannon has
 * connections. No HTTP, no Kysely, no JSON: what oto's flow could reach if everything above the
 * database cost nothing. BENCH_CEILING picks one:
 *
 * - consume: the engine's single consume statement;
 * - reset (PostgreSQL): the writes of one password reset request as one statement, so one
 *   round trip and one transaction: the supersede of the user's live reset tokens, the token
 *   insert, the outbox insert (with bodies as large as the ones oto rendered in the same run,
 *   when there are some) and the audit insert. The user's id is known here, so there is no lookup.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { parseDatabaseUrl } from '../src/config/config.ts';
import { newId } from '../src/db/ids.ts';
import { openSqliteFile } from '../src/db/sqlite/open.ts';
import { generateToken, hashToken } from '../src/tokens/secret.ts';
import { percentiles } from './lib/load.ts';
import { shuffled } from './lib/scenarios.ts';
import { type BenchStore, openBenchStore } from './lib/seed.ts';

const CONSUME_SQL =
  'update security_tokens set used_at = $1 where token_hash = $2 and purpose = $3 and used_at is null ' +
  'and revoked_at is null and expires_at > $4 returning *';

const RESET_SQL = `with superseded as (
  update security_tokens set revoked_at = $2, superseded_by = $3
  where user_id = $1 and purpose = 'password_reset' and used_at is null and revoked_at is null
), issued as (
  insert into security_tokens (id, token_hash, purpose, user_id, binding, created_at, expires_at)
  values ($3, $4, 'password_reset', $1, $5, $2, $2 + 3600000)
), queued as (
  insert into email_outbox (priority, id, kind, recipient, sender, user_id, subject, text_body, html_body,
    headers, next_attempt_at, message_id, created_at)
  values (0, $6, 'password_reset', $7, 'oto@bench.example', $1, 'Reset your password', $8, $9, null, $2,
    $10, $2)
)
insert into audit_events (id, at, user_id, event, ip, detail)
values ($11, $2, $1, 'password_reset.requested', '127.0.0.1', '{"sent":true}')`;

const env = process.env;
const target = parseDatabaseUrl(env['DATABASE_URL']!);
const connections = Number(env['BENCH_CONNECTIONS']);
const seconds = Number(env['BENCH_DURATION']);
const poolSize = Number(env['DB_POOL_SIZE']);
const supply = Number(env['BENCH_SUPPLY']);
const ceiling = env['BENCH_CEILING'] ?? 'consume';

interface Ceiling {
  /** One call; false when it did not do its work. */
  run(index: number): Promise<boolean>;
  /** How many calls were prepared (a consume needs a token of its own each). */
  supply: number;
  close(): Promise<void>;
}

try {
  const store = await openBenchStore(target);
  const subject = ceiling === 'reset' ? await resetCeiling(store) : await consumeCeiling(store);
  await store.settle();
  await store.close();
  await new Promise<void>((resolve) => {
    process.on('message', (message: { type?: string }) => {
      if (message.type === 'go') resolve();
    });
    process.send?.({ type: 'prepared' });
  });

  const latencies: number[] = [];
  let next = 0;
  let done = 0;
  let failed = 0;
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  const caller = async () => {
    while (performance.now() < deadline) {
      const index = next++;
      if (index >= subject.supply) return;
      const begun = performance.now();
      if (!(await subject.run(index))) failed++;
      latencies.push(performance.now() - begun);
      done++;
    }
  };
  await Promise.all(Array.from({ length: connections }, caller));
  const elapsed = (performance.now() - started) / 1000;
  await subject.close();
  process.send?.({
    type: 'result',
    figures: {
      requests: done,
      seconds: Math.round(elapsed * 100) / 100,
      rps: Math.round(done / elapsed),
      ...percentiles(Float64Array.from(latencies)),
      non2xx: failed,
      errors: 0,
      statusCodes: {},
    },
    exhausted: next >= subject.supply,
  });
  process.exit(0);
} catch (error) {
  process.send?.({ type: 'error', error: String(error) });
  process.exit(1);
}

async function consumeCeiling(store: BenchStore): Promise<Ceiling> {
  // In a random order, as oto's consume rows spend theirs (shuffled, lib/scenarios.ts).
  const tokens = shuffled(
    await store.insertTokens(Array.from({ length: supply }, () => ({ purpose: 'raw' }))),
  );
  const consume = target.kind === 'postgres' ? postgresConsume(target.url) : sqliteConsume(target.path);
  return { run: (index) => consume.run(tokens[index]!), supply: tokens.length, close: consume.close };
}

function postgresConsume(url: string) {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  return {
    async run(token: string) {
      const now = Date.now();
      const result = await pool.query(CONSUME_SQL, [now, hashToken(token), 'raw', now]);
      return result.rowCount === 1;
    },
    close: () => pool.end(),
  };
}

function sqliteConsume(path: string) {
  const db = openSqliteFile(path);
  const statement = db.prepare(CONSUME_SQL.replace(/\$\d/g, '?'));
  return {
    // node:sqlite is synchronous: concurrent callers take turns, as they do behind oto's dialect.
    async run(token: string) {
      const now = Date.now();
      return statement.all(now, hashToken(token), 'raw', now).length === 1;
    },
    async close() {
      db.close();
    },
  };
}

/** Users of their own, drawn at random as the reset scenario draws its accounts. */
async function resetCeiling(store: BenchStore): Promise<Ceiling> {
  if (target.kind !== 'postgres') throw new Error('the reset ceiling is PostgreSQL only');
  const run = randomBytes(3).toString('hex');
  const users = Array.from({ length: Number(env['BENCH_USERS'] ?? 50_000) }, (_, i) => ({
    id: newId(),
    email: `raw-${run}-${i}@bench.example`,
  }));
  await store.insertUsers(users, true);
  // Bodies as large as those of the reset emails oto queued earlier in this run, if it did.
  const [sample] = await store.query<{ text_body: string | null; html_body: string | null }>(
    `select text_body, html_body from email_outbox where kind = 'password_reset' and text_body is not null
     limit 1`,
  );
  const text = sample?.text_body ?? 'x'.repeat(600);
  const html = sample?.html_body ?? 'x'.repeat(3000);
  const pool = new pg.Pool({ connectionString: target.url, max: poolSize });
  return {
    supply: Number.MAX_SAFE_INTEGER,
    async run() {
      const user = users[Math.floor(Math.random() * users.length)]!;
      const now = Date.now();
      const tokenId = newId(now);
      const messageId = newId(now);
      await pool.query({
        name: 'raw-reset',
        text: RESET_SQL,
        values: [
          user.id,
          now,
          tokenId,
          hashToken(generateToken()),
          randomBytes(32).toString('hex'),
          messageId,
          user.email,
          text,
          html,
          `<${messageId}@bench.example>`,
          newId(now),
        ],
      });
      return true;
    },
    close: () => pool.end(),
  };
}
