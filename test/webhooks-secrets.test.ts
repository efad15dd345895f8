import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signUp } from '../src/accounts/signup.ts';
import { loadConfig } from '../src/config/config.ts';
import { type Context, createContext } from '../src/context.ts';
import { webhookJob } from '../src/jobs/worker.ts';
import { createWebhookDispatcher } from '../src/webhooks/dispatcher.ts';
import { createEndpoint } from '../src/webhooks/endpoints.ts';
import { PUBLIC_URL, startTestApp, type TestApp } from './helpers/app.ts';
import { KEY_A, KEY_B } from './helpers/flows.ts';
import { dumpDatabase } from './helpers/mail.ts';
import { DIALECTS } from './helpers/storage.ts';
import { independentlyValid, type Receiver, startReceiver } from './helpers/webhooks.ts';

// Webhook secrets at rest (src/webhooks/secret-box.ts): sealed under a key outside the database,
// sealed anew from clear text or from a signing key that was rotated out.

const operator = { actor: 'ops', ip: null };
let n = 0;

for (const { dialect, skip } of DIALECTS) {
  describe(`webhook secrets at rest on ${dialect}`, { skip }, () => {
    let t: TestApp;
    let receiver: Receiver;
    before(async () => {
      t = await startTestApp(dialect, { WEBHOOK_ALLOW_PRIVATE: 'true', OTO_SIGNING_KEYS: KEY_A });
      receiver = await startReceiver();
    });
    after(async () => {
      await receiver.close();
      await t.close();
    });

    /** The same database under other signing keys: another start of oto after a change of settings. */
    function contextWithKeys(keys: string): Context {
      const config = loadConfig({
        DATABASE_URL: t.database.url,
        PUBLIC_URL,
        WEBHOOK_ALLOW_PRIVATE: 'true',
        OTO_SIGNING_KEYS: keys,
      });
      return createContext(config, t.database.storage, t.ctx.logger, { clock: t.clock });
    }

    async function endpoint(ctx: Context) {
      const created = await createEndpoint(ctx, { url: receiver.url(), events: ['user.created'] }, operator);
      assert.ok(created.ok);
      return created;
    }

    /** One user.created event through `ctx`'s dispatcher: the message the receiver got, if any. */
    async function deliverOne(ctx: Context) {
      const before = receiver.received.length;
      await signUp(ctx, {
        email: `secret${++n}@example.com`,
        password: 'correct horse battery staple',
        ip: null,
      });
      await createWebhookDispatcher(ctx, { random: () => 0 }).dispatchBatch();
      return receiver.received.length > before ? receiver.received.at(-1)! : undefined;
    }

    async function storedSecret(id: string): Promise<string> {
      const row = await t.ctx.db
        .selectFrom('webhook_endpoints')
        .select('secret')
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      return row.secret;
    }

    async function startWebhookJob(ctx: Context) {
      await webhookJob(ctx).run(new AbortController().signal);
    }

    async function removeEndpoints() {
      await t.ctx.db.deleteFrom('webhook_deliveries').execute();
      await t.ctx.db.deleteFrom('webhook_endpoints').execute();
    }

    it('a dump of the database holds neither the secret nor its key bytes, and deliveries verify with it', async () => {
      const created = await endpoint(t.ctx);
      const dump = await dumpDatabase(t.ctx);
      assert.ok(!dump.includes(created.secret));
      assert.ok(!dump.includes(created.secret.replace(/^whsec_/, '')));
      assert.match(await storedSecret(created.endpoint.id), /^sealed1\.ka\./);
      const message = await deliverOne(t.ctx);
      assert.ok(message !== undefined && independentlyValid(created.secret, message));
      await removeEndpoints();
    });

    it('a secret stored in clear by an older oto is sealed when the webhook job starts, and still signs', async () => {
      const created = await endpoint(t.ctx);
      await t.ctx.db
        .updateTable('webhook_endpoints')
        .set({ secret: created.secret })
        .where('id', '=', created.endpoint.id)
        .execute();
      // Read as it is until then.
      const before = await deliverOne(t.ctx);
      assert.ok(before !== undefined && independentlyValid(created.secret, before));
      await startWebhookJob(t.ctx);
      assert.match(await storedSecret(created.endpoint.id), /^sealed1\.ka\./);
      const after = await deliverOne(t.ctx);
      assert.ok(after !== undefined && independentlyValid(created.secret, after));
      await removeEndpoints();
    });

    it('after OTO_SIGNING_KEYS rotates, the job reseals under the new key, and the old key can go', async () => {
      const created = await endpoint(t.ctx);
      const rotated = contextWithKeys(`${KEY_B},${KEY_A}`);
      await startWebhookJob(rotated);
      assert.match(await storedSecret(created.endpoint.id), /^sealed1\.kb\./);
      const onlyNew = contextWithKeys(KEY_B);
      const message = await deliverOne(onlyNew);
      assert.ok(message !== undefined && independentlyValid(created.secret, message));
      await removeEndpoints();
    });

    it('with the sealing key gone, the delivery waits with a clear error instead of signing wrongly', async () => {
      const created = await endpoint(t.ctx);
      const message = await deliverOne(contextWithKeys(KEY_B));
      assert.equal(message, undefined);
      const delivery = await t.ctx.db
        .selectFrom('webhook_deliveries')
        .selectAll()
        .where('endpoint_id', '=', created.endpoint.id)
        .executeTakeFirstOrThrow();
      assert.equal(delivery.status, 'pending');
      const attempt = await t.ctx.db
        .selectFrom('webhook_attempts')
        .select('error')
        .where('delivery_id', '=', delivery.id)
        .executeTakeFirst();
      assert.match(attempt?.error ?? '', /signing key 'ka'.*no longer lists/);
      // Back on the ring, it signs.
      t.clock.advance(3_600_000);
      const later = await deliverOne(t.ctx);
      assert.ok(later !== undefined && independentlyValid(created.secret, later));
      await removeEndpoints();
    });
  });
}
