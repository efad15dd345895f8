import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../src/config/config.ts';
import { queueMail } from '../src/mail/queue.ts';
import { createTransport } from '../src/mail/transport.ts';
import { MAX_PURPOSE_LABELS } from '../src/metrics.ts';
import { apiHeaders, startTestApp, type TestApp } from './helpers/app.ts';
import { deliverDue } from './helpers/mail.ts';
import { startSmtpServer } from './helpers/smtp.ts';
import { DIALECTS } from './helpers/storage.ts';

const METRICS_TOKEN = 'metrics-token-for-tests-0123456789';

/** The value of one sample, e.g. value(text, 'oto_tokens_issued_total', {purpose: 'x'}). */
function value(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const [, labelText = '', number] = /^[^{\s]+(?:\{(.*)\})? (\S+)$/.exec(line) ?? [];
    const found = Object.fromEntries([...labelText.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(number);
  }
  return undefined;
}

function labelValues(text: string, name: string, label: string): Set<string> {
  const values = new Set<string>();
  for (const match of text.matchAll(new RegExp(`^${name}\\{[^}]*${label}="([^"]*)"`, 'gm'))) {
    values.add(match[1]!);
  }
  return values;
}

for (const { dialect, skip } of DIALECTS) {
  describe(`metrics on ${dialect}`, { skip }, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(dialect, { METRICS_TOKEN });
    });
    after(() => t?.close());

    const post = (url: string, payload: object) =>
      t.app.inject({ method: 'POST', url, payload, headers: apiHeaders });
    const scrape = async () => {
      const res = await t.app.inject({
        method: 'GET',
        url: '/metrics',
        headers: { authorization: `Bearer ${METRICS_TOKEN}` },
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.match(res.headers['content-type'] as string, /^text\/plain; version=0\.0\.4/);
      return res.body;
    };
    const issue = async (purpose: string, subject: string, ttlSeconds = 600) => {
      const res = await post('/v1/tokens', { purpose, subject, ttlSeconds });
      assert.equal(res.statusCode, 201, res.body);
      return (res.json() as { token: string }).token;
    };
    const consume = (purpose: string, token: string) => post('/v1/tokens/consume', { purpose, token });

    test('METRICS_TOKEN is required, as a bearer token', async () => {
      const none = await t.app.inject({ method: 'GET', url: '/metrics' });
      assert.equal(none.statusCode, 401);
      assert.equal(none.headers['content-type'], 'application/problem+json; charset=utf-8');
      const wrong = await t.app.inject({
        method: 'GET',
        url: '/metrics',
        headers: { authorization: `Bearer ${METRICS_TOKEN}x` },
      });
      assert.equal(wrong.statusCode, 401);
      await scrape();
    });

    test('issues and every consume outcome are counted by purpose and outcome', async () => {
      const subject = 'someone@example.com';
      const ok = await issue('metrics.ok', subject);
      assert.equal((await consume('metrics.ok', ok)).statusCode, 200);
      assert.equal((await consume('metrics.ok', ok)).statusCode, 410); // used
      assert.equal((await consume('metrics.ok', 'A'.repeat(43))).statusCode, 400); // unknown: invalid
      const other = await issue('metrics.other', subject);
      assert.equal((await consume('metrics.ok', other)).statusCode, 400); // wrong purpose: invalid
      const short = await issue('metrics.short', subject, 1);
      t.clock.advance(2000);
      assert.equal((await consume('metrics.short', short)).statusCode, 410); // expired
      const revoked = await issue('metrics.revoked', subject);
      await post('/v1/tokens/revoke', { purpose: 'metrics.revoked', subject });
      assert.equal((await consume('metrics.revoked', revoked)).statusCode, 410);
      // Bindings are for oto's own flows; the engine reports them the same way.
      const bound = await t.ctx.tokens.issue(t.ctx.db, {
        purpose: 'password_reset',
        subject: 'x',
        binding: 'password-version:1',
      });
      await t.ctx.tokens.consume(t.ctx.db, {
        purpose: 'password_reset',
        token: bound.token,
        binding: 'password-version:2',
      });

      const text = await scrape();
      assert.equal(value(text, 'oto_tokens_issued_total', { purpose: 'metrics.ok' }), 1);
      assert.equal(value(text, 'oto_tokens_issued_total', { purpose: 'metrics.revoked' }), 1);
      assert.equal(value(text, 'oto_tokens_issued_total', { purpose: 'password_reset' }), 1);
      const consumes = (purpose: string, outcome: string) =>
        value(text, 'oto_token_consumes_total', { purpose, outcome });
      assert.equal(consumes('metrics.ok', 'ok'), 1);
      assert.equal(consumes('metrics.ok', 'used'), 1);
      assert.equal(consumes('metrics.ok', 'invalid'), 2);
      assert.equal(consumes('metrics.short', 'expired'), 1);
      assert.equal(consumes('metrics.revoked', 'revoked'), 1);
      assert.equal(consumes('password_reset', 'binding'), 1);
      assert.deepEqual([...labelValues(text, 'oto_token_consumes_total', 'outcome')].sort(), [
        'binding',
        'expired',
        'invalid',
        'ok',
        'revoked',
        'used',
      ]);

      // No label, anywhere, holds a token, the email address or the subject.
      for (const secret of [ok, other, short, revoked, bound.token, subject]) {
        assert.ok(!text.includes(secret), 'a secret or address reached /metrics');
      }
    });

    test('API purposes beyond the first 50 share the label "other"', async () => {
      for (let i = 0; i < MAX_PURPOSE_LABELS + 10; i++) await issue(`many.p${i}`, 'x');
      const text = await scrape();
      const purposes = labelValues(text, 'oto_tokens_issued_total', 'purpose');
      assert.ok(purposes.size <= MAX_PURPOSE_LABELS + 4 + 1, `${purposes.size} purpose labels`);
      assert.ok(purposes.has('other'));
      assert.ok((value(text, 'oto_tokens_issued_total', { purpose: 'other' }) ?? 0) >= 10);
      // oto's own flow purposes always keep their label.
      await t.ctx.tokens.issue(t.ctx.db, { purpose: 'verify_email', subject: 'x' });
      assert.equal(value(await scrape(), 'oto_tokens_issued_total', { purpose: 'verify_email' }), 1);
    });

    test('request durations are labelled by route pattern, never by the raw URL', async () => {
      const token = await issue('metrics.route', 'x');
      await consume('metrics.route', token);
      await t.app.inject({ method: 'GET', url: `/reset-password?token=${token}` });
      await t.app.inject({ method: 'GET', url: `/no/such/page/${token}` });
      const text = await scrape();
      const count = (route: string, status: string) =>
        value(text, 'oto_http_request_duration_seconds_count', {
          method: 'POST',
          route,
          status_code: status,
        });
      assert.ok((count('/v1/tokens/consume', '200') ?? 0) >= 1);
      assert.ok((count('/v1/tokens', '201') ?? 0) >= 1);
      const routes = labelValues(text, 'oto_http_request_duration_seconds_count', 'route');
      assert.ok(routes.has('/reset-password'));
      assert.ok(routes.has('unmatched'));
      for (const route of routes) assert.ok(!route.includes('?') && !route.includes(token), route);
      assert.ok(!text.includes(token));
      assert.match(text, /^oto_http_request_duration_seconds_bucket\{le="0\.005",/m);
    });

    test('emails by kind and status, and the outbox depth and oldest age, from real SMTP', async () => {
      const smtp = await startSmtpServer();
      const transport = createTransport(loadConfig({ SMTP_URL: smtp.url }));
      try {
        const queue = (to: string) =>
          queueMail(t.ctx, t.ctx.db, 'password_reset', to, {
            link: 'https://oto.test/x',
            validFor: '1 hour',
          });
        await queue('first@example.com');
        t.clock.advance(90_000);
        await queue('second@example.com');
        let text = await scrape();
        assert.equal(value(text, 'oto_outbox_depth'), 2);
        assert.equal(value(text, 'oto_outbox_oldest_pending_age_seconds'), 90);

        const observer = t.ctx.metrics.mailObserver;
        await deliverDue(t.ctx, { transport, observer });
        await smtp.waitForMessages(2);
        smtp.rejectWith(550, 'no such mailbox');
        await queue('rejected@example.com');
        await deliverDue(t.ctx, { transport, observer });
        smtp.rejectWith(451, 'try later');
        await queue('later@example.com');
        await deliverDue(t.ctx, { transport, observer });

        text = await scrape();
        const emails = (status: string) =>
          value(text, 'oto_emails_total', { kind: 'password_reset', status });
        assert.equal(emails('sent'), 2);
        assert.equal(emails('failed'), 1);
        assert.equal(emails('retried'), 1);
        assert.equal(value(text, 'oto_outbox_depth'), 1); // the one waiting for its retry
        for (const address of ['first@', 'second@', 'rejected@', 'later@'])
          assert.ok(!text.includes(address));
      } finally {
        await transport.close();
        await smtp.close();
      }
    });

    test('default process metrics are exported', async () => {
      const text = await scrape();
      assert.ok(value(text, 'process_cpu_user_seconds_total') !== undefined);
      assert.ok(value(text, 'nodejs_heap_size_used_bytes') !== undefined);
    });
  });
}

describe('metrics configuration', () => {
  test('METRICS=false turns /metrics off', async () => {
    const t = await startTestApp('sqlite', { METRICS: 'false' });
    try {
      const res = await t.app.inject({ method: 'GET', url: '/metrics' });
      assert.equal(res.statusCode, 404);
    } finally {
      await t.close();
    }
  });

  test('without METRICS_TOKEN /metrics is open; each app counts only its own work', async () => {
    const a = await startTestApp('sqlite');
    const b = await startTestApp('sqlite');
    try {
      await a.app.inject({
        method: 'POST',
        url: '/v1/tokens',
        payload: { purpose: 'only.a', subject: 's' },
        headers: apiHeaders,
      });
      const textA = (await a.app.inject({ method: 'GET', url: '/metrics' })).body;
      const textB = (await b.app.inject({ method: 'GET', url: '/metrics' })).body;
      assert.equal(value(textA, 'oto_tokens_issued_total', { purpose: 'only.a' }), 1);
      assert.equal(value(textB, 'oto_tokens_issued_total', { purpose: 'only.a' }), undefined);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
