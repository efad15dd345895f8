import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createSession } from '../src/accounts/sessions.ts';
import type { App } from '../src/http/app.ts';
import { unsubscribeToken } from '../src/newsletter/subscription.ts';
import { keyRingFor } from '../src/tokens/keyring.ts';
import { parseKeyRing, signToken } from '../src/tokens/signed.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';
import {
  auditEvents,
  insertUser,
  isSubscribed,
  KEY_A,
  KEY_B,
  multipartBody,
  sibling,
} from './helpers/flows.ts';
import { DIALECTS } from './helpers/storage.ts';

const ONE_CLICK = 'List-Unsubscribe=One-Click';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

for (const { dialect, skip } of DIALECTS) {
  describe(`unsubscribe on ${dialect}`, { skip }, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(dialect, { OTO_SIGNING_KEYS: KEY_A });
    });
    after(() => t?.close());

    const url = (token: string) => `/unsubscribe?token=${encodeURIComponent(token)}`;

    async function subscriber(name: string) {
      const user = await insertUser(t.ctx, `${name}@example.com`);
      return { ...user, token: unsubscribeToken(t.ctx, user.id) };
    }

    function assertOneClickAnswer(response: {
      statusCode: number;
      headers: Record<string, unknown>;
      body: string;
    }) {
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(response.headers['location'], undefined);
      assert.match(String(response.headers['content-type']), /^text\/html/);
      assert.match(response.body, /You are unsubscribed/);
      assert.equal(response.headers['set-cookie'], undefined);
    }

    test('RFC 8058 one-click POST, form-encoded, with no cookies: 200, no redirect, unsubscribed', async () => {
      const user = await subscriber('form');
      const response = await t.app.inject({
        method: 'POST',
        url: url(user.token),
        headers: FORM,
        payload: ONE_CLICK,
      });
      assertOneClickAnswer(response);
      assert.equal(await isSubscribed(t.ctx, user.id), false);
      assert.equal(await auditEvents(t.ctx, 'newsletter.unsubscribed', user.id), 1);
    });

    test('RFC 8058 one-click POST, multipart, with no cookies: 200, no redirect, unsubscribed', async () => {
      const user = await subscriber('multipart');
      const body = multipartBody({ 'List-Unsubscribe': 'One-Click' });
      const response = await t.app.inject({
        method: 'POST',
        url: url(user.token),
        headers: { 'content-type': body.contentType },
        payload: body.payload,
      });
      assertOneClickAnswer(response);
      assert.equal(await isSubscribed(t.ctx, user.id), false);
    });

    test('the POST is idempotent: repeated, it answers the same and records one change', async () => {
      const user = await subscriber('repeat');
      for (let i = 0; i < 3; i++) {
        assertOneClickAnswer(
          await t.app.inject({ method: 'POST', url: url(user.token), headers: FORM, payload: ONE_CLICK }),
        );
      }
      const json = await t.app.inject({
        method: 'POST',
        url: '/v1/unsubscribe',
        payload: { token: user.token },
      });
      assert.equal(json.statusCode, 200);
      assert.deepEqual(json.json(), { status: 'unsubscribed' });
      assert.equal(await isSubscribed(t.ctx, user.id), false);
      assert.equal(await auditEvents(t.ctx, 'newsletter.unsubscribed', user.id), 1);
      assert.equal(t.logs.text().includes(user.token), false, 'the token never reaches a log line');
    });

    test('GET and HEAD, repeated, show the page and change nothing', async () => {
      const user = await subscriber('scanner');
      for (let i = 0; i < 3; i++) {
        const page = await t.app.inject({ method: 'GET', url: url(user.token) });
        assert.equal(page.statusCode, 200);
        assert.match(page.body, /<button type="submit">Unsubscribe<\/button>/);
        assert.equal(page.headers['cache-control'], 'no-store');
        assert.equal(page.headers['referrer-policy'], 'no-referrer');
        assert.match(String(page.headers['content-security-policy']), /default-src 'none'/);
        const head = await t.app.inject({ method: 'HEAD', url: url(user.token) });
        assert.equal(head.statusCode, 200);
        assert.equal(head.body, '');
      }
      assert.equal(await isSubscribed(t.ctx, user.id), true);
      assert.equal(await auditEvents(t.ctx, 'newsletter.unsubscribed', user.id), 0);
    });

    test("the page's button posts the one-click body to the same link, and that unsubscribes", async () => {
      const user = await subscriber('button');
      const page = await t.app.inject({ method: 'GET', url: url(user.token) });
      const action = /<form method="post" action="([^"]+)">/.exec(page.body)?.[1]?.replaceAll('&amp;', '&');
      const hidden = /<input type="hidden" name="([^"]+)" value="([^"]+)">/.exec(page.body);
      assert.equal(action, url(user.token));
      assert.ok(hidden);
      const response = await t.app.inject({
        method: 'POST',
        url: action!,
        headers: { ...FORM, origin: t.config.publicUrl },
        payload: `${hidden[1]}=${hidden[2]}`,
      });
      assertOneClickAnswer(response);
      assert.equal(await isSubscribed(t.ctx, user.id), false);
    });

    test('a tampered token gets 400 on every route and changes nothing', async () => {
      const user = await subscriber('tampered');
      const bytes = Buffer.from(user.token, 'base64url');
      bytes[bytes.length - 1]! ^= 1;
      const tampered = bytes.toString('base64url');
      await assertRejected(user.id, tampered);
    });

    test('a token of another purpose gets 400 and changes nothing', async () => {
      const user = await subscriber('purpose');
      const foreign = signToken(keyRingFor(t.ctx.config), {
        purpose: 'email_change',
        userId: user.id,
        issuedAt: t.clock.now(),
      });
      await assertRejected(user.id, foreign);
    });

    test('a token signed with a key not in the ring gets 400 and changes nothing', async () => {
      const user = await subscriber('unknown-key');
      const foreign = signToken(parseKeyRing(KEY_B), {
        purpose: 'unsubscribe',
        userId: user.id,
        issuedAt: t.clock.now(),
      });
      await assertRejected(user.id, foreign);
    });

    test('a POST without the one-click body is refused and changes nothing', async () => {
      const user = await subscriber('nobody');
      for (const payload of ['', 'List-Unsubscribe=Yes', 'other=1']) {
        const response = await t.app.inject({ method: 'POST', url: url(user.token), headers: FORM, payload });
        assert.equal(response.statusCode, 400, payload);
      }
      assert.equal((await t.app.inject({ method: 'POST', url: url(user.token) })).statusCode, 400);
      // Broken multipart bodies are the client's mistake: a 400 page, never a 500.
      for (const contentType of ['multipart/form-data; boundary=XyZ', 'multipart/form-data']) {
        const broken = await t.app.inject({
          method: 'POST',
          url: url(user.token),
          headers: { 'content-type': contentType },
          payload: '--XyZ\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Cl',
        });
        assert.equal(broken.statusCode, 400, contentType);
      }
      assert.equal(await isSubscribed(t.ctx, user.id), true);
    });

    test('the JSON route validates its body', async () => {
      for (const payload of [{}, { token: 42 }, { token: 'x', extra: 1 }]) {
        const response = await t.app.inject({ method: 'POST', url: '/v1/unsubscribe', payload });
        assert.equal(response.statusCode, 422, JSON.stringify(payload));
        assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
      }
    });

    test('a logged-in user unsubscribes and resubscribes with PUT /v1/me/subscription', async () => {
      const user = await subscriber('self');
      const { token } = await createSession(t.ctx, t.ctx.db, user.id);
      const put = (
        subscribed: unknown,
        headers: Record<string, string> = { authorization: `Bearer ${token}` },
      ) => t.app.inject({ method: 'PUT', url: '/v1/me/subscription', headers, payload: { subscribed } });
      assert.equal((await put(false, {})).statusCode, 401);
      assert.equal(await isSubscribed(t.ctx, user.id), true);

      const off = await put(false);
      assert.equal(off.statusCode, 200);
      assert.deepEqual(off.json(), { subscribed: false });
      assert.equal(await isSubscribed(t.ctx, user.id), false);
      const on = await put(true);
      assert.deepEqual(on.json(), { subscribed: true });
      assert.equal(await isSubscribed(t.ctx, user.id), true);
      assert.equal((await put(true)).statusCode, 200);
      assert.equal(await auditEvents(t.ctx, 'newsletter.unsubscribed', user.id), 1);
      assert.equal(await auditEvents(t.ctx, 'newsletter.resubscribed', user.id), 1);
      assert.equal((await put('no')).statusCode, 422);

      // A browser's cookie from another site is refused.
      const cookie = `${t.config.sessions.cookieName}=${token}`;
      const crossSite = await t.app.inject({
        method: 'PUT',
        url: '/v1/me/subscription',
        headers: { cookie, origin: 'https://evil.test' },
        payload: { subscribed: false },
      });
      assert.equal(crossSite.statusCode, 403);
      assert.equal(await isSubscribed(t.ctx, user.id), true);
    });

    test('the /account page has a subscription control that works', async () => {
      const user = await subscriber('page');
      const { token } = await createSession(t.ctx, t.ctx.db, user.id);
      const cookie = `${t.config.sessions.cookieName}=${token}`;
      const page = await t.app.inject({ method: 'GET', url: '/account', headers: { cookie } });
      assert.match(page.body, /Unsubscribe from newsletters/);
      const hidden =
        /<form method="post" action="\/account\/subscription">\s*<input type="hidden" name="subscribed" value="0">/;
      assert.match(page.body, hidden);
      const post = (subscribed: string, origin = t.config.publicUrl) =>
        t.app.inject({
          method: 'POST',
          url: '/account/subscription',
          headers: { ...FORM, cookie, origin },
          payload: `subscribed=${subscribed}`,
        });
      assert.equal((await post('0', 'https://evil.test')).statusCode, 403);
      assert.equal(await isSubscribed(t.ctx, user.id), true);
      const off = await post('0');
      assert.equal(off.statusCode, 303);
      assert.equal(off.headers['location'], '/account');
      assert.equal(await isSubscribed(t.ctx, user.id), false);
      const after = await t.app.inject({ method: 'GET', url: '/account', headers: { cookie } });
      assert.match(after.body, /Subscribe to newsletters/);
      await post('1');
      assert.equal(await isSubscribed(t.ctx, user.id), true);
      const anonymous = await t.app.inject({
        method: 'POST',
        url: '/account/subscription',
        headers: { ...FORM, origin: t.config.publicUrl },
        payload: 'subscribed=0',
      });
      assert.equal(anonymous.statusCode, 303);
      assert.equal(anonymous.headers['location'], '/login');
    });

    async function assertRejected(userId: string, token: string) {
      for (const path of [url(token), `/unsubscribe?token=${encodeURIComponent(token)}&token=x`]) {
        const get = await t.app.inject({ method: 'GET', url: path });
        assert.equal(get.statusCode, 400);
        assert.match(get.body, /This link is not valid/);
        assert.doesNotMatch(get.body, /<form/);
        const post = await t.app.inject({ method: 'POST', url: path, headers: FORM, payload: ONE_CLICK });
        assert.equal(post.statusCode, 400);
        assert.match(post.body, /This link is not valid/);
      }
      const json = await t.app.inject({ method: 'POST', url: '/v1/unsubscribe', payload: { token } });
      assert.equal(json.statusCode, 400);
      assert.match(String(json.headers['content-type']), /^application\/problem\+json/);
      assert.equal(json.json().code, 'token_invalid');
      assert.equal(await isSubscribed(t.ctx, userId), true);
      assert.equal(await auditEvents(t.ctx, 'newsletter.unsubscribed', userId), 0);
    }
  });

  describe(`unsubscribe links across a key rotation on ${dialect}`, { skip }, () => {
    test('a rotated key still verifies old links until it is removed from the ring', async () => {
      const t = await startTestApp(dialect, { OTO_SIGNING_KEYS: KEY_A });
      try {
        const [early, late] = await Promise.all(
          ['early', 'late'].map((n) => insertUser(t.ctx, `${n}@example.com`)),
        );
        const oldLink = (id: string) => unsubscribeToken(t.ctx, id);
        const post = (app: App, token: string) =>
          app.inject({ method: 'POST', url: '/v1/unsubscribe', payload: { token } });

        // Deploy 1: a new key is put first. It signs new links; the old key still verifies.
        const rotated = await sibling(t, { OTO_SIGNING_KEYS: `${KEY_B},${KEY_A}` });
        const freshLink = unsubscribeToken(rotated.ctx, late!.id);
        assert.equal((await post(rotated.app, oldLink(early!.id))).statusCode, 200);
        assert.equal(await isSubscribed(t.ctx, early!.id), false);
        await rotated.app.close();

        // Deploy 2: the old key is removed. Its links stop working; the new key's still work.
        const retired = await sibling(t, { OTO_SIGNING_KEYS: KEY_B });
        const refused = await post(retired.app, oldLink(late!.id));
        assert.equal(refused.statusCode, 400);
        assert.equal(await isSubscribed(t.ctx, late!.id), true);
        assert.equal((await post(retired.app, freshLink)).statusCode, 200);
        assert.equal(await isSubscribed(t.ctx, late!.id), false);
        await retired.app.close();
      } finally {
        await t.close();
      }
    });
  });
}
