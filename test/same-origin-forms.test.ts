import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { DIALECTS } from './helpers/storage.ts';

/**
 * oto's pages send Referrer-Policy: no-referrer, and with it a browser posts their forms with
 * `Origin: null` and `Sec-Fetch-Site: same-origin` (what Chromium does; see test/e2e-*). Those posts
 * must go through, while an opaque origin from anywhere else is refused.
 */
for (const { dialect, skip } of DIALECTS) {
  describe(`form posts with an opaque origin, on ${dialect}`, { skip }, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(dialect, { RATE_LIMIT_PER_MINUTE: '0' });
    });
    after(() => t?.close());

    const post = (headers: Record<string, string>) =>
      t.app.inject({
        method: 'POST',
        url: '/forgot-password',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        payload: 'email=someone%40example.com',
      });

    test("a post from oto's own no-referrer page goes through", async () => {
      const answer = await post({ origin: 'null', 'sec-fetch-site': 'same-origin' });
      assert.equal(answer.statusCode, 303);
      assert.equal(answer.headers.location, '/forgot-password?sent=1');
    });

    test('an opaque origin from another site, or with nothing to vouch for it, is refused', async () => {
      const cases: Record<string, string>[] = [
        { origin: 'null' },
        { origin: 'null', 'sec-fetch-site': 'cross-site' },
        { origin: 'null', 'sec-fetch-site': 'same-site' },
        { origin: 'null', 'sec-fetch-site': 'none' },
      ];
      for (const headers of cases) {
        const answer = await post(headers);
        assert.equal(answer.statusCode, 403, JSON.stringify(headers));
      }
    });
  });
}
