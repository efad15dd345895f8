import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signUp } from '../src/accounts/signup.ts';
import { createContext } from '../src/context.ts';
import { createLogger } from '../src/logging.ts';
import { createWebhookDispatcher } from '../src/webhooks/dispatcher.ts';
import { createEndpoint } from '../src/webhooks/endpoints.ts';
import { metricValue, startTestApp, type TestApp } from './helpers/app.ts';
import { DIALECTS } from './helpers/storage.ts';
import { type Receiver, startReceiver } from './helpers/webhooks.ts';

// Dispatchers of several instances share the outbox without sending anything twice, and the
// metrics count deliveries by event, result and endpoint id, with the backlog's age.

for (const { dialect, skip } of DIALECTS) {
  describe(`webhook dispatchers on ${dialect}`, { skip }, () => {
    let t: TestApp;
    let receiver: Receiver;
    before(async () => {
      t = await startTestApp(dialect, { WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_BATCH_SIZE: '3' });
      receiver = await startReceiver();
    });
    after(async () => {
      await receiver.close();
      await t.close();
    });

    it('three dispatchers at once deliver each event exactly once', async () => {
      const created = await createEndpoint(
        t.ctx,
        { url: receiver.url(), events: ['user.created'] },
        { actor: 'ops', ip: null },
      );
      assert.ok(created.ok);
      for (let i = 0; i < 12; i++)
        await signUp(t.ctx, {
          email: `many${i}@example.com`,
          password: 'correct horse battery staple',
          ip: null,
        });
      assert.equal(
        await metricValue(t, 'oto_webhook_oldest_pending_age_seconds'),
        0,
        'no source before /metrics',
      );
      // Each dispatcher as a separate instance would have it: its own context over the same database.
      const dispatchers = [0, 1, 2].map((i) =>
        createWebhookDispatcher(
          i === 0
            ? t.ctx
            : createContext(t.config, t.database.storage, createLogger({ level: 'silent' }), {
                clock: t.clock,
              }),
        ),
      );
      for (let round = 0; round < 6; round++) await Promise.all(dispatchers.map((d) => d.dispatchBatch()));
      const ids = receiver.received.map((m) => String(m.headers['webhook-id']));
      assert.equal(ids.length, 12);
      assert.equal(new Set(ids).size, 12);
      const rows = await t.ctx.db.selectFrom('webhook_deliveries').select(['status', 'attempts']).execute();
      assert.ok(rows.every((r) => r.status === 'succeeded' && r.attempts === 1));

      const series = `oto_webhook_deliveries_total{event="user.created",result="succeeded",endpoint="${created.endpoint.id}"}`;
      const counted = await metricValue(t, series);
      assert.ok(counted > 0 && counted <= 12, `${series} = ${counted}`);
      const scrape = await t.app.inject({ method: 'GET', url: '/metrics' });
      assert.equal(scrape.statusCode, 200);
      assert.match(scrape.body, /oto_webhook_oldest_pending_age_seconds 0/);
      assert.match(scrape.body, /oto_webhook_attempt_duration_seconds_count\{endpoint="/);
      assert.ok(!scrape.body.includes(receiver.url()), 'never the URL');
    });
  });
}
