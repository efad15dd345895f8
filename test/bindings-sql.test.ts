import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import {
  passwordResetBinding,
  VERIFY_EMAIL_BINDING_SQL,
  verifyEmailBinding,
} from '../src/accounts/bindings.ts';
import { newId } from '../src/db/ids.ts';
import { FINGERPRINT_DOMAIN, fingerprint } from '../src/tokens/secret.ts';
import { createTestDatabase, DIALECTS, type TestDatabase } from './helpers/storage.ts';

/**
 * The one-statement flows compute a token's binding in SQL from the users row (the verification in
 * src/accounts/verify-email.ts, on both databases; the reset request in migration 0006). A token
 * issued by one text and spent by the other works only if both give the same fingerprint, for every
 * address and password version: that is what this holds.
 */
const accounts = [
  ['plain@example.com', 1],
  ['zoë.ünïcode@exämple.com', 7],
  ["o'brien+tag@example.com", 2_000_000],
] as const;

async function insertUserInto(database: TestDatabase, email: string, version: number): Promise<string> {
  const id = newId();
  await database.storage.db
    .insertInto('users')
    .values({
      id,
      email,
      email_normalized: email,
      password_hash: null,
      password_version: version,
      created_at: 0,
      updated_at: 0,
    })
    .execute();
  return id;
}

const postgres = DIALECTS.find((d) => d.dialect === 'postgres')!;

describe('bindings computed in PostgreSQL', { skip: postgres.skip }, () => {
  let database: TestDatabase;
  before(async () => {
    database = await createTestDatabase('postgres');
  });
  after(() => database?.drop());

  const insertUser = (email: string, version: number) => insertUserInto(database, email, version);

  async function fingerprintInSql(bindingSql: string, userId: string): Promise<string | undefined> {
    const { rows } = await sql<{ fingerprint: string }>`
      select encode(sha256(${FINGERPRINT_DOMAIN}::bytea || convert_to(${sql.raw(bindingSql)}, 'UTF8')), 'hex')
        as fingerprint
      from users u where u.id = ${userId}`.execute(database.storage.db);
    return rows[0]?.fingerprint;
  }

  test('the verification binding', async () => {
    for (const [email, version] of accounts) {
      const id = await insertUser(email, version);
      const expected = fingerprint(
        verifyEmailBinding({ email_normalized: email, password_version: version }),
      );
      assert.equal(await fingerprintInSql(VERIFY_EMAIL_BINDING_SQL, id), expected, email);
    }
  });

  test('the password reset binding, as oto_request_password_reset stores it', async () => {
    const now = Date.now();
    for (const [email, version] of accounts) {
      const address = `reset-${email}`;
      const id = await insertUser(address, version);
      const tokenId = newId();
      const { rows } = await sql<{ sent: boolean }>`
        select oto_request_password_reset(${address}, ${now}, ${now - 3_600_000}, ${5}, ${tokenId},
          ${`hash-${tokenId}`}, ${now + 3_600_000}, ${FINGERPRINT_DOMAIN}, ${newId()}, 'oto@example.com',
          ${`<${tokenId}@example.com>`}, ${['en']}, ${['Reset']}, ${['text']}, ${['html']}, ${['{}']},
          ${newId()}, null, ${0}) as sent`.execute(database.storage.db);
      assert.equal(rows[0]?.sent, true, email);
      const token = await database.storage.db
        .selectFrom('security_tokens')
        .select('binding')
        .where('id', '=', tokenId)
        .executeTakeFirstOrThrow();
      assert.equal(
        token.binding,
        fingerprint(passwordResetBinding({ id, password_version: version })),
        email,
      );
    }
  });
});

/** The SQLite verification spends a live token with its binding computed the same way (sha256_hex). */
describe('the verification binding computed in SQLite', () => {
  let database: TestDatabase;
  before(async () => {
    database = await createTestDatabase('sqlite');
  });
  after(() => database?.drop());

  test('matches verifyEmailBinding for every address and password version', async () => {
    for (const [email, version] of accounts) {
      const id = await insertUserInto(database, email, version);
      const { rows } = await sql<{ fingerprint: string }>`
        select sha256_hex(${FINGERPRINT_DOMAIN}, ${sql.raw(VERIFY_EMAIL_BINDING_SQL)}) as fingerprint
        from users u where u.id = ${id}`.execute(database.storage.db);
      const expected = fingerprint(
        verifyEmailBinding({ email_normalized: email, password_version: version }),
      );
      assert.equal(rows[0]?.fingerprint, expected, email);
    }
  });
});
