import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { apiHeaders, PUBLIC_URL, startTestApp, TEST_API_KEY, type TestApp } from './helpers/app.ts';
import { KEY_A } from './helpers/flows.ts';
import { type Inbox, linksIn, type Mail, startInbox } from './helpers/inbox.ts';
import { DIALECTS } from './helpers/storage.ts';

/**
 * Runs every flow oto has, at log level trace, and then searches everything the app logged for
 * every secret that went through it: each token it issued (read from API answers and from the
 * emails it sent), each session token, each password, and the API key. None may appear, whole or
 * URL-encoded.
 */

const METRICS_TOKEN = 'metrics-token-for-the-log-test-0123';
const FORM = { 'content-type': 'application/x-www-form-urlencoded', origin: PUBLIC_URL };

for (const { dialect, skip } of DIALECTS) {
  describe(`logs on ${dialect}`, { skip }, () => {
    let t: TestApp;
    let inbox: Inbox;
    const secrets = new Set<string>();
    let requests = 0;
    before(async () => {
      inbox = await startInbox();
      t = await startTestApp(dialect, {
        ...inbox.env,
        LOG_LEVEL: 'trace',
        RATE_LIMIT_PER_MINUTE: '0',
        OTO_SIGNING_KEYS: KEY_A,
        METRICS_TOKEN,
      });
      secrets.add(TEST_API_KEY);
      secrets.add(METRICS_TOKEN);
      secrets.add(KEY_A.split(':')[1]!);
    });
    after(async () => {
      await t?.close();
      await inbox?.close();
    });

    const request = async (
      method: string,
      url: string,
      payload?: object | string,
      headers: Record<string, string> = {},
    ) => {
      t.clock.advance(1000);
      requests++;
      return t.app.inject({ method: method as 'GET', url, payload, headers });
    };
    const json = (method: string, url: string, payload?: object, headers: Record<string, string> = {}) =>
      request(method, url, payload, headers);
    const form = (url: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
      request('POST', url, new URLSearchParams(fields).toString(), { ...FORM, ...headers });

    /** Remembers every token-looking value in a mail's links, and returns the links. */
    function remember(mail: Mail): URL[] {
      const links = linksIn(mail).map((link) => new URL(link));
      for (const link of links) {
        for (const [, value] of link.searchParams) if (value.length >= 20) secrets.add(value);
        for (const part of link.pathname.split('/')) if (part.length >= 20) secrets.add(part);
      }
      for (const match of `${mail.text}\n${mail.html}`.matchAll(/[A-Za-z0-9_.~-]{40,}/g))
        secrets.add(match[0]);
      return links;
    }
    const withParam = (links: URL[], name: string) => {
      const link = links.find((l) => l.searchParams.has(name));
      assert.ok(link, `a link with ?${name}=`);
      return link;
    };
    const pathOf = (link: URL) => link.pathname + link.search;
    const sessionCookie = (response: { headers: Record<string, unknown> }) => {
      const header = [response.headers['set-cookie']].flat().find((c) => typeof c === 'string');
      const pair = String(header ?? '').split(';')[0]!;
      if (pair.includes('=')) secrets.add(pair.slice(pair.indexOf('=') + 1));
      return pair;
    };

    test('the token API', async () => {
      const issued = await json('POST', '/v1/tokens', { purpose: 'log.test', subject: 's' }, apiHeaders);
      assert.equal(issued.statusCode, 201);
      const { token } = issued.json() as { token: string };
      secrets.add(token);
      await json('POST', '/v1/tokens/inspect', { purpose: 'log.test', token }, apiHeaders);
      await json('POST', '/v1/tokens/consume', { purpose: 'log.test', token }, apiHeaders);
      await json('POST', '/v1/tokens/consume', { purpose: 'log.test', token }, apiHeaders);
      const forged = randomBytes(32).toString('base64url');
      secrets.add(forged);
      await json('POST', '/v1/tokens/consume', { purpose: 'log.test', token: forged }, apiHeaders);
      await json('POST', '/v1/tokens/revoke', { purpose: 'log.test', subject: 's' }, apiHeaders);
      // A token in a broken body, and a bad API key.
      const wrongKey = `wrong-key-${randomBytes(16).toString('hex')}`;
      secrets.add(wrongKey);
      await request('POST', '/v1/tokens/consume', `{"purpose":"log.test","token":"${forged}"`, {
        'content-type': 'application/json',
        authorization: `Bearer ${TEST_API_KEY}`,
      });
      await json(
        'POST',
        '/v1/tokens',
        { purpose: 'log.test', subject: 's' },
        { authorization: `Bearer ${wrongKey}` },
      );
    });

    test('sign-up, verification (both link shapes), resend, log-in, sessions, activity, log-out', async () => {
      const password = `first password ${randomBytes(6).toString('hex')}`;
      secrets.add(password);
      const email = 'log-api@example.com';
      assert.equal((await json('POST', '/v1/users', { email, password })).statusCode, 202);
      const links = remember(await inbox.last(t.ctx, email, 'verify_email'));
      const link = withParam(links, 'token');
      const token = link.searchParams.get('token')!;
      await request('GET', pathOf(link));
      await request('HEAD', pathOf(link));
      await request('GET', `/v1/users/verify?vt=${encodeURIComponent(token)}`);
      assert.equal((await json('POST', '/v1/users/verify', { token })).statusCode, 200);
      await form('/verify-email', { token });

      // The pages: sign-up, resend, verification by form.
      const pageEmail = 'log-page@example.com';
      await form('/signup', { email: pageEmail, password });
      await json('POST', '/v1/users/verify/resend', { email: pageEmail });
      await form('/verify-email/resend', { email: pageEmail });
      for (const mail of await inbox.to(t.ctx, pageEmail, 'verify_email')) remember(mail);
      const pageToken = withParam(remember(await inbox.last(t.ctx, pageEmail, 'verify_email')), 'token');
      // Without the signing-up browser's cookie the page asks for the password: first none, then it.
      await form('/verify-email', { token: pageToken.searchParams.get('token')! });
      await form('/verify-email', { token: pageToken.searchParams.get('token')!, password });

      const wrong = `wrong password ${randomBytes(6).toString('hex')}`;
      secrets.add(wrong);
      await json('POST', '/v1/sessions', { email, password: wrong });
      const login = await json('POST', '/v1/sessions', { email, password });
      assert.equal(login.statusCode, 200, login.body);
      const sessionToken = (login.json() as { sessionToken: string }).sessionToken;
      secrets.add(sessionToken);
      const cookie = sessionCookie(login);
      const bearer = { authorization: `Bearer ${sessionToken}` };
      await json('GET', '/v1/me', undefined, bearer);
      await json('GET', '/v1/me/activity?limit=5', undefined, bearer);
      await json('PUT', '/v1/me/subscription', { subscribed: false }, bearer);
      await json('POST', '/v1/sessions/introspect', { token: sessionToken }, apiHeaders);
      await request('GET', '/account', undefined, { cookie });
      await form('/account/subscription', { subscribed: 'true' }, { cookie });

      const pageLogin = await form('/login', { email: pageEmail, password });
      const pageCookie = sessionCookie(pageLogin);
      await request('GET', '/account', undefined, { cookie: pageCookie });
      await form('/logout', {}, { cookie: pageCookie });
      await json('DELETE', '/v1/sessions/current', undefined, bearer);
      await json('GET', '/v1/me', undefined, bearer);
    });

    test('password reset, by the JSON API and by the pages', async () => {
      const email = 'log-api@example.com';
      const newPassword = `second password ${randomBytes(6).toString('hex')}`;
      secrets.add(newPassword);
      await json('POST', '/v1/password-resets', { email });
      await json('POST', '/v1/password-resets', { email: 'nobody@example.com' });
      const link = withParam(remember(await inbox.last(t.ctx, email, 'password_reset')), 'token');
      await request('GET', pathOf(link));
      const reset = await json('POST', '/v1/password-resets/confirm', {
        token: link.searchParams.get('token')!,
        password: newPassword,
      });
      assert.equal(reset.statusCode, 200, reset.body);
      for (const mail of await inbox.all(t.ctx)) remember(mail);

      const thirdPassword = `third password ${randomBytes(6).toString('hex')}`;
      secrets.add(thirdPassword);
      await form('/forgot-password', { email });
      const pageLink = withParam(remember(await inbox.last(t.ctx, email, 'password_reset')), 'token');
      await request('GET', pathOf(pageLink));
      await form('/reset-password', { token: pageLink.searchParams.get('token')!, password: thirdPassword });
      await form('/reset-password', { token: pageLink.searchParams.get('token')!, password: thirdPassword });
    });

    test('newsletter and unsubscribe: page, one-click and JSON', async () => {
      const sent = await json(
        'POST',
        '/v1/newsletters',
        { subject: 'News', text: 'Hello' },
        { ...apiHeaders, 'idempotency-key': 'log-test-1' },
      );
      assert.ok(sent.statusCode < 300, sent.body);
      const news = (await inbox.all(t.ctx)).filter((mail) => mail.kind === 'newsletter');
      assert.ok(news.length >= 1);
      for (const mail of news) remember(mail);
      const [first, second] = news.map((mail) => withParam(remember(mail), 'token'));
      await request('GET', pathOf(first!));
      await request('HEAD', pathOf(first!));
      await request('POST', pathOf(first!), 'List-Unsubscribe=One-Click', {
        'content-type': 'application/x-www-form-urlencoded',
      });
      if (second) await json('POST', '/v1/unsubscribe', { token: second.searchParams.get('token')! });
    });

    test('invitations (accepted by a newcomer, revoked) and change of email', async () => {
      const password = `inviter password ${randomBytes(6).toString('hex')}`;
      secrets.add(password);
      const email = 'log-inviter@example.com';
      await json('POST', '/v1/users', { email, password });
      const verify = withParam(remember(await inbox.last(t.ctx, email, 'verify_email')), 'token');
      await json('POST', '/v1/users/verify', { token: verify.searchParams.get('token')! });
      const login = await json('POST', '/v1/sessions', { email, password });
      const sessionToken = (login.json() as { sessionToken: string }).sessionToken;
      secrets.add(sessionToken);
      const bearer = { authorization: `Bearer ${sessionToken}` };

      const invited = await json('POST', '/v1/invitations', { email: 'log-newcomer@example.com' }, bearer);
      assert.equal(invited.statusCode, 201, invited.body);
      const invite = withParam(
        remember(await inbox.last(t.ctx, 'log-newcomer@example.com', 'invitation')),
        'token',
      );
      const inviteToken = invite.searchParams.get('token')!;
      await request('GET', pathOf(invite));
      await json('POST', '/v1/invitations/inspect', { token: inviteToken });
      const newcomerPassword = `newcomer password ${randomBytes(6).toString('hex')}`;
      secrets.add(newcomerPassword);
      const accepted = await json('POST', '/v1/invitations/accept', {
        token: inviteToken,
        password: newcomerPassword,
      });
      assert.equal(accepted.statusCode, 200, accepted.body);
      secrets.add((accepted.json() as { sessionToken: string }).sessionToken);
      sessionCookie(accepted);
      await json('POST', '/v1/invitations/accept', { token: inviteToken, password: newcomerPassword });

      const second = await json('POST', '/v1/invitations', { email: 'log-revoked@example.com' }, bearer);
      remember(await inbox.last(t.ctx, 'log-revoked@example.com', 'invitation'));
      await json('GET', '/v1/invitations', undefined, bearer);
      await json('DELETE', `/v1/invitations/${(second.json() as { id: string }).id}`, undefined, bearer);
      await json('GET', '/v1/me/grants', undefined, bearer);

      const newEmail = 'log-inviter-new@example.com';
      const asked = await json('POST', '/v1/me/email', { newEmail, password }, bearer);
      assert.ok(asked.statusCode < 300, asked.body);
      const confirm = withParam(remember(await inbox.last(t.ctx, newEmail, 'email_change')), 'token');
      await request('GET', pathOf(confirm));
      const changed = await json(
        'POST',
        '/v1/me/email/confirm',
        { token: confirm.searchParams.get('token')! },
        bearer,
      );
      assert.equal(changed.statusCode, 200, changed.body);
      for (const mail of await inbox.all(t.ctx)) remember(mail);
    });

    test('metrics, docs and health', async () => {
      // These routes log below info (scrapes and probes would flood the log): not counted.
      const quiet = (url: string, headers: Record<string, string> = {}) =>
        t.app.inject({ method: 'GET', url, headers });
      await quiet('/metrics', { authorization: `Bearer ${METRICS_TOKEN}` });
      await quiet('/metrics', { authorization: `Bearer ${METRICS_TOKEN}x` });
      await quiet('/healthz');
      await quiet('/readyz');
      await request('GET', '/openapi.json');
    });

    test('no secret that went through oto appears in its logs', async () => {
      for (const mail of await inbox.all(t.ctx)) remember(mail);
      const logs = t.logs.text();
      // The logs saw the flows: request lines, with the token parameters of URLs blanked.
      const requestLines = t.logs.lines.filter((line) => line.includes('"msg":"request"')).length;
      assert.ok(requestLines >= requests, `${requestLines} request lines for ${requests} requests`);
      assert.match(logs, /"url":"\/reset-password\?token=\[redacted\]"/);
      assert.match(logs, /"url":"\/v1\/users\/verify\?vt=\[redacted\]"/);
      assert.ok(secrets.size > 15, `${secrets.size} secrets collected`);
      const leaked = [...secrets].filter(
        (secret) => logs.includes(secret) || logs.includes(encodeURIComponent(secret)),
      );
      assert.deepEqual(leaked, []);
    });
  });
}

describe('redactUrl', () => {
  test('blanks token parameters and anything shaped like a token, and keeps the rest', async () => {
    const { redactUrl } = await import('../src/logging.ts');
    const token = randomBytes(32).toString('base64url');
    const cases: Array<[string, string]> = [
      [`/reset-password?token=${token}`, '/reset-password?token=[redacted]'],
      [`/v1/users/verify?vt=${token}&x=1`, '/v1/users/verify?vt=[redacted]&x=1'],
      [`/x?%74oken=${token}`, '/x?%74oken=[redacted]'],
      [`/invite/${token}`, '/invite/[redacted]'],
      [
        '/v1/me/activity?limit=5&before=1795318234581.0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
        '/v1/me/activity?limit=5&before=1795318234581.0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
      ],
      ['/dev/mailbox?to=a%40example.com', '/dev/mailbox?to=a%40example.com'],
    ];
    for (const [url, expected] of cases) assert.equal(redactUrl(url), expected);
  });
});

describe('logs of the dev mailbox (development, no SMTP_URL)', () => {
  test('reading reset links in the dev mailbox logs none of them', async () => {
    const t = await startTestApp('sqlite', { LOG_LEVEL: 'trace', RATE_LIMIT_PER_MINUTE: '0' });
    try {
      const { insertUser } = await import('./helpers/accounts.ts');
      const { createTransport } = await import('../src/mail/transport.ts');
      const { deliverDue } = await import('./helpers/mail.ts');
      await insertUser(t.ctx, 'dev@example.com', { password: 'dev password that is long' });
      await t.app.inject({
        method: 'POST',
        url: '/v1/password-resets',
        payload: { email: 'dev@example.com' },
      });
      await deliverDue(t.ctx, { transport: createTransport(t.config) });
      const list = await t.app.inject({ method: 'GET', url: '/dev/mailbox.json?to=dev%40example.com' });
      assert.equal(list.statusCode, 200, list.body);
      const tokens = [...list.body.matchAll(/token=([A-Za-z0-9_-]{40,})/g)].map((m) => m[1]!);
      assert.ok(tokens.length >= 1, list.body);
      const ids = [...list.body.matchAll(/"id":"([^"]+)"/g)].map((m) => m[1]!);
      await t.app.inject({ method: 'GET', url: '/dev/mailbox' });
      for (const id of ids) await t.app.inject({ method: 'GET', url: `/dev/mailbox/${id}` });
      await t.app.inject({ method: 'GET', url: `/reset-password?token=${tokens[0]}` });
      const logs = t.logs.text();
      assert.match(logs, /"url":"\/dev\/mailbox\.json/);
      for (const token of tokens) assert.ok(!logs.includes(token), 'a token from the dev mailbox was logged');
    } finally {
      await t.close();
    }
  });
});
