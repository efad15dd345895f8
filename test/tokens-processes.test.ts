import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { systemClock } from '../src/clock.ts';
import { createTokenEngine } from '../src/tokens/tokens.ts';
import { NODE_TS } from './helpers/node.ts';
import { createTestDatabase, DIALECTS, type TestDatabase } from './helpers/storage.ts';

const run = promisify(execFile);
const CHILD = new URL('./helpers/consume-child.ts', import.meta.url).pathname;

for (const { dialect, skip } of DIALECTS) {
  describe(`consume across two OS processes on ${dialect}`, { skip }, () => {
    let database: TestDatabase;
    before(async () => {
      database = await createTestDatabase(dialect);
    });
    after(() => database?.drop());

    test('two processes racing 25 consumes each on one token: exactly one success in all', async () => {
      const engine = createTokenEngine({ clock: systemClock, defaultTtlSeconds: () => 3600 });
      for (let round = 0; round < 3; round++) {
        const { token, id } = await engine.issue(database.storage.db, {
          purpose: 'race',
          subject: `round-${round}`,
        });
        const startAt = String(Date.now() + 1500);
        const children = [1, 2].map(() =>
          run(process.execPath, [...NODE_TS, CHILD, database.url, token, '25', startAt]),
        );
        const outputs = await Promise.all(children);
        const counts = outputs.map(({ stdout }) => JSON.parse(stdout) as { ok: number; failed: number });
        assert.equal(
          counts.reduce((sum, c) => sum + c.ok, 0),
          1,
          `round ${round}: ${JSON.stringify(counts)}`,
        );
        assert.equal(
          counts.reduce((sum, c) => sum + c.failed, 0),
          49,
        );
        const row = await database.storage.db
          .selectFrom('security_tokens')
          .select(['used_at'])
          .where('id', '=', id)
          .executeTakeFirstOrThrow();
        assert.notEqual(row.used_at, null);
      }
    });
  });
}
