import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signUp } from '../src/accounts/signup.ts';
import {
  isForbiddenAddress,
  type Resolver,
  resolveTarget,
  urlProblem,
} from '../src/webhooks/address-policy.ts';
import { listDeliveries } from '../src/webhooks/deliveries.ts';
import { createWebhookDispatcher } from '../src/webhooks/dispatcher.ts';
import { createEndpoint, rotateSecret } from '../src/webhooks/endpoints.ts';
import { verifyWebhook } from '../src/webhooks/signature.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { DIALECTS } from './helpers/storage.ts';
import { independentlyValid, type Receiver, startReceiver } from './helpers/webhooks.ts';

// Secret rotation's grace period, and the SSRF defence: where a webhook may not go.

const PASSWORD = 'correct horse battery staple';
const operator = { actor: 'ops', ip: null };
let n = 0;

async function oneEvent(t: TestApp, resolver?: Resolver) {
  await signUp(t.ctx, { email: `user${++n}@example.com`, password: PASSWORD, ip: null });
  await createWebhookDispatcher(t.ctx, { random: () => 0, resolver }).dispatchBatch();
}

for (const { dialect, skip } of DIALECTS) {
  describe(`webhook secret rotation on ${dialect}`, { skip }, () => {
    let t: TestApp;
    let receiver: Receiver;
    before(async () => {
      t = await startTestApp(dialect, { WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_SECRET_GRACE: '24h' });
      receiver = await startReceiver();
    });
    after(async () => {
      await receiver.close();
      await t.close();
    });

    it('signs with both secrets during the grace period, and with the new one only after it', async () => {
      const created = await createEndpoint(
        t.ctx,
        { url: receiver.url(), events: ['user.created'] },
        operator,
      );
      assert.ok(created.ok);
      const rotated = await rotateSecret(t.ctx, created.endpoint.id, operator);
      assert.ok(rotated.ok);
      assert.notEqual(rotated.secret, created.secret);

      await oneEvent(t);
      const during = receiver.received.at(-1)!;
      assert.equal(String(during.headers['webhook-signature']).split(' ').length, 2);
      assert.ok(independentlyValid(created.secret, during), 'the old secret still verifies');
      assert.ok(independentlyValid(rotated.secret, during), 'the new secret verifies');

      t.clock.advance(24 * 3_600_000 + 1000);
      await oneEvent(t);
      const later = receiver.received.at(-1)!;
      assert.notEqual(later.headers['webhook-id'], during.headers['webhook-id']);
      assert.ok(!independentlyValid(created.secret, later), 'the old secret no longer verifies');
      assert.ok(independentlyValid(rotated.secret, later));

      // The package's own verifier agrees, and refuses a changed body or a stale timestamp.
      const now = Number(later.headers['webhook-timestamp']);
      assert.equal(verifyWebhook(rotated.secret, later.headers, later.body, { now }), true);
      assert.equal(verifyWebhook(created.secret, later.headers, later.body, { now }), false);
      assert.equal(verifyWebhook(rotated.secret, later.headers, `${later.body} `, { now }), false);
      assert.equal(verifyWebhook(rotated.secret, later.headers, later.body, { now: now + 3600 }), false);
    });
  });

  describe(`webhook SSRF defence on ${dialect}`, { skip }, () => {
    let t: TestApp;
    let receiver: Receiver;
    before(async () => {
      t = await startTestApp(dialect);
      receiver = await startReceiver();
    });
    after(async () => {
      await receiver.close();
      await t.close();
    });

    async function refused(
      url: string,
      resolver?: (host: string) => Promise<{ address: string; family: number }[]>,
    ) {
      await t.ctx.db.deleteFrom('webhook_endpoints').execute();
      const created = await createEndpoint(t.ctx, { url, events: ['user.created'] }, operator);
      assert.ok(created.ok);
      const before = receiver.received.length;
      await oneEvent(t, resolver);
      assert.equal(receiver.received.length, before, `${url}: nothing reached the receiver`);
      const [delivery] = await listDeliveries(t.ctx, { endpointId: created.endpoint.id });
      assert.match(delivery!.attempts[0]!.error ?? '', /^refused/);
      assert.notEqual(delivery!.status, 'succeeded');
    }

    it('refuses a host that resolves to loopback (localhost)', async () => {
      await refused(receiver.url());
      await refused(`http://127.0.0.1:${receiver.port}/hook`);
      await refused(`http://[::1]:${receiver.port}/hook`);
    });

    it('refuses private, link-local and metadata addresses after DNS resolution', async () => {
      for (const address of [
        '10.1.2.3',
        '192.168.1.1',
        '172.16.0.9',
        '100.64.0.1',
        '169.254.169.254',
        '0.0.0.0',
      ]) {
        await refused(`http://hooks.example.com:${receiver.port}/`, async () => [{ address, family: 4 }]);
      }
      for (const address of ['fd00:ec2::254', 'fe80::1', '::ffff:127.0.0.1']) {
        await refused(`http://hooks.example.com:${receiver.port}/`, async () => [{ address, family: 6 }]);
      }
      // One bad address among good ones is enough to refuse.
      await refused(`http://hooks.example.com:${receiver.port}/`, async () => [
        { address: '93.184.216.34', family: 4 },
        { address: '127.0.0.1', family: 4 },
      ]);
      assert.equal(isForbiddenAddress('93.184.216.34'), false);
      assert.equal(isForbiddenAddress('2606:2800:220:1:248:1893:25c8:1946'), false);
    });

    it('connects to the address it checked, whatever the name resolves to later', async () => {
      const allowed = await resolveTarget(new URL('http://rebind.invalid/'), {
        allowPrivate: true,
        resolver: async () => [{ address: '127.0.0.1', family: 4 }],
      });
      assert.deepEqual(allowed, { ok: true, address: '127.0.0.1', family: 4 });
      const other = await startTestApp(dialect, { WEBHOOK_ALLOW_PRIVATE: 'true' });
      try {
        const created = await createEndpoint(
          other.ctx,
          { url: `http://rebind.invalid:${receiver.port}/pinned`, events: ['user.created'] },
          operator,
        );
        assert.ok(created.ok);
        const before = receiver.received.length;
        // rebind.invalid has no DNS: only the pinned lookup can take the request to 127.0.0.1.
        await oneEvent(other, async () => [{ address: '127.0.0.1', family: 4 }]);
        assert.equal(receiver.received.length, before + 1);
        assert.equal(receiver.received.at(-1)!.path, '/pinned');
      } finally {
        await other.close();
      }
    });

    it('does not follow a redirect', async () => {
      const other = await startTestApp(dialect, { WEBHOOK_ALLOW_PRIVATE: 'true' });
      try {
        const created = await createEndpoint(
          other.ctx,
          { url: receiver.url('/moved'), events: ['user.created'] },
          operator,
        );
        assert.ok(created.ok);
        receiver.answers.push({ status: 307, headers: { location: receiver.url('/elsewhere') } });
        const before = receiver.received.length;
        await oneEvent(other);
        assert.equal(receiver.received.length, before + 1, 'only the first request');
        assert.ok(!receiver.received.some((m) => m.path === '/elsewhere'));
        const [delivery] = await listDeliveries(other.ctx, { endpointId: created.endpoint.id });
        assert.equal(delivery!.status, 'pending', 'a redirect is a failure, to retry');
        assert.equal(delivery!.attempts[0]!.responseStatus, 307);
      } finally {
        await other.close();
      }
    });

    it('wants https in production', () => {
      assert.equal(
        urlProblem('http://hooks.example.com/', { production: true }),
        'must use https in production',
      );
      assert.equal(urlProblem('http://hooks.example.com/', { production: false }), null);
      assert.equal(
        urlProblem('https://user:pw@hooks.example.com/', { production: true }),
        'must not hold credentials',
      );
      assert.equal(urlProblem('ftp://hooks.example.com/', { production: false }), 'must use https');
    });
  });
}
