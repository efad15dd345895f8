import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createOto, type Oto, verifyWebhook } from '../src/index.ts';
import { PUBLIC_URL } from './helpers/app.ts';
import { KEY_A } from './helpers/flows.ts';
import { createTestDatabase, DIALECTS, type TestDatabase } from './helpers/storage.ts';
import { independentlyValid, type Receiver, startReceiver } from './helpers/webhooks.ts';

// Library mode: oto.webhooks manages endpoints, oto.startWorker() delivers, and the in-process
// handler and the webhook hear of the same event once each.

for (const { dialect, skip } of DIALECTS) {
  describe(`webhooks in library mode on ${dialect}`, { skip }, () => {
    let database: TestDatabase;
    let oto: Oto;
    let receiver: Receiver;
    before(async () => {
      database = await createTestDatabase(dialect);
      await database.storage.close();
      receiver = await startReceiver();
      oto = createOto({
        database: database.url,
        publicUrl: PUBLIC_URL,
        signingKeys: KEY_A,
        logLevel: 'silent',
        webhooks: { allowPrivate: true, pollInterval: '1s' },
        mail: { async send() {} },
      });
      await oto.migrate();
    });
    after(async () => {
      await oto.close();
      await receiver.close();
      await database.drop();
    });

    it('delivers a signed user.created from the worker, and calls the handler once', async () => {
      const created = await oto.webhooks.createEndpoint({
        url: receiver.url(),
        events: ['user.created', 'subscription.changed'],
        actor: 'app-admin',
      });
      assert.ok(created.ok);
      const heard: string[] = [];
      oto.on('user.created', ({ email }) => {
        heard.push(email);
      });
      const worker = oto.startWorker();
      try {
        assert.deepEqual(
          await oto.signUp({ email: 'lib@example.com', password: 'correct horse battery staple' }),
          {
            ok: true,
          },
        );
        for (let i = 0; i < 200 && receiver.received.length === 0; i++)
          await new Promise((resolve) => setTimeout(resolve, 50));
      } finally {
        await worker.stop();
      }
      assert.equal(receiver.received.length, 1);
      const [message] = receiver.received;
      assert.equal(JSON.parse(message!.body).data.email, 'lib@example.com');
      assert.ok(independentlyValid(created.secret, message!));
      assert.ok(verifyWebhook(created.secret, message!.headers, message!.body));
      assert.deepEqual(heard, ['lib@example.com']);
      const [delivery] = await oto.webhooks.listDeliveries({ status: 'succeeded' });
      assert.equal(delivery!.event, 'user.created');
      assert.deepEqual(
        (await oto.webhooks.listEndpoints()).map((e) => e.url),
        [receiver.url()],
      );
      assert.equal(await oto.webhooks.removeEndpoint({ id: created.endpoint.id, actor: 'app-admin' }), true);
    });
  });
}
