import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createWebhookDispatcher } from '../src/webhooks/dispatcher.ts';
import { pingEndpoint } from '../src/webhooks/endpoints.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { oto } from './helpers/cli.ts';
import { KEY_A } from './helpers/flows.ts';
import { DIALECTS } from './helpers/storage.ts';

// `oto webhooks list|add|remove|deliveries|retry`, as an operator runs them.

for (const { dialect, skip } of DIALECTS) {
  describe(`oto webhooks on ${dialect}`, { skip }, () => {
    let t: TestApp;
    let env: Record<string, string>;
    before(async () => {
      t = await startTestApp(dialect, { OTO_SIGNING_KEYS: KEY_A });
      env = { DATABASE_URL: t.database.url, OTO_SIGNING_KEYS: KEY_A, PUBLIC_URL: 'https://oto.test' };
    });
    after(() => t?.close());
    const webhooks = (...args: string[]) => oto(['webhooks', ...args], env);

    test('add prints the secret once, list shows the endpoint without it, remove removes it', async () => {
      const bad = await webhooks('add', 'http://hooks.example.com/x', '--events', 'user.nope');
      assert.notEqual(bad.status, 0);
      assert.match(bad.stderr, /unknown events: user\.nope/);

      const added = await webhooks(
        'add',
        'http://hooks.example.com/x',
        '--events',
        'user.created,user.deleted',
      );
      assert.equal(added.status, 0, added.stderr);
      const id = /added (\S+)/.exec(added.stdout)![1]!;
      const secret = /secret \(shown only now\): (whsec_\S+)/.exec(added.stdout)![1]!;

      const listed = await webhooks('list');
      assert.equal(listed.status, 0, listed.stderr);
      assert.match(listed.stdout, /^ID +STATE +URL +EVENTS$/m);
      assert.match(
        listed.stdout,
        new RegExp(`${id} +enabled +http://hooks.example.com/x +user.created,user.deleted`),
      );
      assert.ok(!listed.stdout.includes(secret));

      // A ping to a host that does not resolve: a failed attempt, then a retry from the shell.
      await pingEndpoint(t.ctx, id);
      await createWebhookDispatcher(t.ctx, { resolver: async () => [] }).dispatchBatch();
      const log = await webhooks('deliveries', '--json');
      assert.equal(log.status, 0, log.stderr);
      const [delivery] = JSON.parse(log.stdout).deliveries;
      assert.equal(delivery.event, 'ping');
      assert.equal(delivery.attempts.length, 1);
      const retried = await webhooks('retry', delivery.id);
      assert.equal(retried.status, 0, retried.stderr);
      assert.match((await webhooks('retry', 'nope')).stderr, /no such delivery/);

      assert.equal((await webhooks('remove', id)).status, 0);
      assert.doesNotMatch((await webhooks('list')).stdout, new RegExp(id));
      assert.match((await webhooks('remove', id)).stderr, /no such endpoint/);
    });
  });
}
