import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../src/config/config.ts';
import { createContext } from '../src/context.ts';
import { createLogger } from '../src/logging.ts';
import { createEndpoint } from '../src/webhooks/endpoints.ts';
import { PUBLIC_URL, TEST_API_KEY } from './helpers/app.ts';
import { KEY_A } from './helpers/flows.ts';
import { startOto } from './helpers/instances.ts';
import { createTestDatabase, DIALECTS, type TestDatabase } from './helpers/storage.ts';
import { independentlyValid, type Receiver, startReceiver } from './helpers/webhooks.ts';

// oto killed with SIGKILL once the change has committed and before the webhook was delivered (its
// request is in flight, unanswered): a new process delivers it, the same message, once its lease ran out.

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

for (const { dialect, skip } of DIALECTS) {
  describe(`a webhook survives a crash on ${dialect}`, { skip }, () => {
    let database: TestDatabase;
    let receiver: Receiver;
    before(async () => {
      database = await createTestDatabase(dialect);
      receiver = await startReceiver();
    });
    after(async () => {
      await receiver.close();
      await database.drop();
    });

    it('is delivered after a restart', async () => {
      // The endpoint is made under the signing keys the service runs with: its secret is sealed under them.
      const config = loadConfig({
        DATABASE_URL: database.url,
        PUBLIC_URL,
        LOG_LEVEL: 'silent',
        OTO_SIGNING_KEYS: KEY_A,
      });
      const ctx = createContext(config, database.storage, createLogger({ level: 'silent' }));
      const created = await createEndpoint(
        ctx,
        { url: receiver.url(), events: ['user.created'] },
        { actor: 'test', ip: null },
      );
      assert.ok(created.ok);
      const env = {
        DATABASE_URL: database.url,
        PUBLIC_URL,
        OTO_API_KEYS: TEST_API_KEY,
        OTO_SIGNING_KEYS: KEY_A,
        RATE_LIMIT_PER_MINUTE: '0',
        LOG_LEVEL: 'warn',
        WEBHOOK_ALLOW_PRIVATE: 'true',
        WEBHOOK_LEASE: '2s',
        WEBHOOK_POLL_INTERVAL: '1s',
        WEBHOOK_TIMEOUT: '60s',
      };
      receiver.answers.push('hang');
      let oto = await startOto(env);
      try {
        const signUp = await fetch(`${oto.url}/v1/users`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: 'crash@example.com', password: 'correct horse battery staple' }),
        });
        assert.equal(signUp.status, 202);
        await until('the first attempt', () => receiver.received.length === 1);
        await oto.kill();
      } finally {
        await oto.kill();
      }
      const inFlight = await database.storage.db.selectFrom('webhook_deliveries').selectAll().execute();
      assert.equal(inFlight.length, 1);
      assert.equal(inFlight[0]!.status, 'sending', 'claimed, not delivered');

      oto = await startOto(env);
      try {
        await until('the delivery after the restart', async () => {
          const row = await database.storage.db
            .selectFrom('webhook_deliveries')
            .select('status')
            .executeTakeFirst();
          return row?.status === 'succeeded';
        });
      } finally {
        await oto.stop();
      }
      assert.equal(receiver.received.length, 2);
      const [first, second] = receiver.received;
      assert.equal(
        second!.headers['webhook-id'],
        first!.headers['webhook-id'],
        'the same message, to deduplicate',
      );
      assert.equal(JSON.parse(second!.body).type, 'user.created');
      assert.ok(independentlyValid(created.secret, second!));
    });
  });
}
