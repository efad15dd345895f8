import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createWebhookDispatcher } from '../src/webhooks/dispatcher.ts';
import { startTestApp, TEST_API_KEY, type TestApp } from './helpers/app.ts';
import { DIALECTS } from './helpers/storage.ts';
import { independentlyValid, type Receiver, startReceiver } from './helpers/webhooks.ts';

// /v1/webhooks: endpoints, secrets and the delivery log, for admin keys only.

const ADMIN_KEY = 'ops-admin-key-0123456789abcdefgh';
const admin = { authorization: `Bearer ${ADMIN_KEY}` };
const plain = { authorization: `Bearer ${TEST_API_KEY}` };

for (const { dialect, skip } of DIALECTS) {
  describe(`webhook API on ${dialect}`, { skip }, () => {
    let t: TestApp;
    let receiver: Receiver;
    before(async () => {
      t = await startTestApp(dialect, {
        OTO_API_KEYS: `ops:admin:${ADMIN_KEY},${TEST_API_KEY}`,
        WEBHOOK_ALLOW_PRIVATE: 'true',
      });
      receiver = await startReceiver();
    });
    after(async () => {
      await receiver.close();
      await t.close();
    });

    const call = (
      method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
      url: string,
      payload?: object,
      headers = admin,
    ) => t.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });

    it('needs the admin scope', async () => {
      const res = await call('GET', '/v1/webhooks/endpoints', undefined, plain);
      assert.equal(res.statusCode, 403);
      assert.equal(res.json().code, 'insufficient_scope');
      const create = await call(
        'POST',
        '/v1/webhooks/endpoints',
        { url: receiver.url(), events: ['user.created'] },
        plain,
      );
      assert.equal(create.statusCode, 403);
      assert.equal((await t.ctx.db.selectFrom('webhook_endpoints').selectAll().execute()).length, 0);
    });

    it('refuses bad input with 422 and stores nothing', async () => {
      for (const body of [
        { url: 'not a url', events: ['user.created'] },
        { url: 'ftp://hooks.example.com/', events: ['user.created'] },
        { url: receiver.url(), events: ['user.nonsense'] },
        { url: receiver.url(), events: [] },
        { url: receiver.url() },
      ]) {
        const res = await call('POST', '/v1/webhooks/endpoints', body);
        assert.equal(res.statusCode, 422, JSON.stringify(body));
        assert.equal(res.json().code, 'invalid_input');
      }
      assert.equal((await t.ctx.db.selectFrom('webhook_endpoints').selectAll().execute()).length, 0);
      for (const url of [
        '/v1/webhooks/endpoints/nope',
        '/v1/webhooks/endpoints/0190a0a0-0000-7000-8000-000000000000',
      ])
        assert.equal((await call('GET', url)).statusCode, 404);
      assert.equal((await call('POST', '/v1/webhooks/deliveries/nope/retry')).statusCode, 404);
      assert.equal((await call('GET', '/v1/webhooks/deliveries?limit=100000')).statusCode, 422);
    });

    it('creates, lists, changes, rotates, pings, retries and removes', async () => {
      const created = await call('POST', '/v1/webhooks/endpoints', {
        url: receiver.url(),
        events: ['user.created', 'user.deleted'],
        description: 'CRM sync',
      });
      assert.equal(created.statusCode, 201);
      const { endpoint, secret } = created.json();
      assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
      assert.equal(endpoint.enabled, true);

      const listed = await call('GET', '/v1/webhooks/endpoints');
      assert.equal(listed.statusCode, 200);
      assert.deepEqual(listed.json().endpoints, [endpoint]);
      assert.ok(!listed.body.includes(secret), 'a listing never shows the secret');
      assert.ok(!(await call('GET', `/v1/webhooks/endpoints/${endpoint.id}`)).body.includes(secret));

      const patched = await call('PATCH', `/v1/webhooks/endpoints/${endpoint.id}`, {
        events: ['user.created'],
      });
      assert.equal(patched.statusCode, 200);
      assert.deepEqual(patched.json().events, ['user.created']);
      assert.equal(
        (await call('PATCH', `/v1/webhooks/endpoints/${endpoint.id}`, { url: 'nope' })).statusCode,
        422,
      );

      const rotated = await call('POST', `/v1/webhooks/endpoints/${endpoint.id}/rotate-secret`);
      assert.equal(rotated.statusCode, 200);
      const newSecret = rotated.json().secret;
      assert.notEqual(newSecret, secret);

      receiver.answers.push(500);
      const ping = await call('POST', `/v1/webhooks/endpoints/${endpoint.id}/test`);
      assert.equal(ping.statusCode, 202);
      await createWebhookDispatcher(t.ctx, { random: () => 0 }).dispatchBatch();
      const first = receiver.received.at(-1)!;
      assert.equal(JSON.parse(first.body).type, 'ping');
      assert.equal(first.headers['webhook-id'], ping.json().eventId);
      assert.ok(independentlyValid(newSecret, first) && independentlyValid(secret, first));

      const log = await call('GET', `/v1/webhooks/deliveries?endpoint=${endpoint.id}&status=pending`);
      assert.equal(log.statusCode, 200);
      const [delivery] = log.json().deliveries;
      assert.equal(delivery.event, 'ping');
      assert.deepEqual(
        delivery.attempts.map((a: { responseStatus: number }) => a.responseStatus),
        [500],
      );

      const retried = await call('POST', `/v1/webhooks/deliveries/${delivery.id}/retry`);
      assert.equal(retried.statusCode, 202);
      await createWebhookDispatcher(t.ctx).dispatchBatch();
      const done = await call('GET', `/v1/webhooks/deliveries?status=succeeded`);
      assert.equal(done.json().deliveries[0].attempts.length, 2);
      const again = await call('POST', `/v1/webhooks/deliveries/${delivery.id}/retry`);
      assert.equal(again.statusCode, 409);
      assert.equal(again.json().code, 'delivery_not_retryable');

      assert.equal((await call('DELETE', `/v1/webhooks/endpoints/${endpoint.id}`)).statusCode, 204);
      assert.equal((await call('GET', `/v1/webhooks/endpoints/${endpoint.id}`)).statusCode, 404);
      assert.equal((await call('GET', '/v1/webhooks/deliveries')).json().deliveries.length, 0);
      const audit = await t.ctx.db
        .selectFrom('audit_events')
        .select(['event', 'actor'])
        .where('event', 'like', 'webhook.%')
        .execute();
      assert.deepEqual(audit.map((a) => a.event).sort(), [
        'webhook.delivery_retried',
        'webhook.endpoint_created',
        'webhook.endpoint_removed',
        'webhook.endpoint_updated',
        'webhook.secret_rotated',
      ]);
      assert.ok(audit.every((a) => a.actor === 'ops'));
    });
  });
}
