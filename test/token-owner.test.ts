import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { findTokenOwner } from '../src/accounts/users.ts';
import { manualClock } from '../src/clock.ts';
import { newId } from '../src/db/ids.ts';
import { createTokenEngine, type TokenEngine } from '../src/tokens/tokens.ts';
import { createTestDatabase, DIALECTS, type TestDatabase } from './helpers/storage.ts';

/**
 * findTokenOwner is the verification's first read: the account a token of one purpose was issued
 * to, in one joined query. The consume that follows judges the token's state, so the owner is found
 * whatever that state is; anything that is not a token of that purpose with a user has no owner.
 */
for (const { dialect, skip } of DIALECTS) {
  describe(`token owners on ${dialect}`, { skip }, () => {
    let database: TestDatabase;
    const clock = manualClock();
    let tokens: TokenEngine;
    const userId = newId();

    before(async () => {
      database = await createTestDatabase(dialect);
      tokens = createTokenEngine({ clock, defaultTtlSeconds: () => 3600 });
      const now = clock.now();
      await db()
        .insertInto('users')
        .values({
          id: userId,
          email: 'Owner@Example.com',
          email_normalized: 'owner@example.com',
          password_hash: null,
          email_verified_at: null,
          created_at: now,
          updated_at: now,
        })
        .execute();
    });
    after(() => database?.drop());

    const db = () => database.storage.db;

    test('a token of the purpose leads to its user, before and after it is spent', async () => {
      const { token } = await tokens.issue(db(), { purpose: 'verify_email', userId });
      assert.equal((await findTokenOwner(db(), 'verify_email', token))?.email, 'Owner@Example.com');
      assert.equal((await tokens.consume(db(), { purpose: 'verify_email', token })).ok, true);
      assert.equal((await findTokenOwner(db(), 'verify_email', token))?.id, userId);
    });

    test('another purpose, a token without a user, or no token at all has no owner', async () => {
      const reset = await tokens.issue(db(), { purpose: 'password_reset', userId });
      const subjectOnly = await tokens.issue(db(), { purpose: 'verify_email', subject: 'owner@example.com' });
      assert.equal(await findTokenOwner(db(), 'verify_email', reset.token), undefined);
      assert.equal(await findTokenOwner(db(), 'verify_email', subjectOnly.token), undefined);
      for (const junk of ['', 'x'.repeat(43), `${reset.token}=`, 42, null, { token: reset.token }]) {
        assert.equal(await findTokenOwner(db(), 'password_reset', junk), undefined);
      }
      assert.equal((await findTokenOwner(db(), 'password_reset', reset.token))?.id, userId);
    });
  });
}
