import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { insertUser } from './helpers/accounts.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { type Inbox, startInbox, tokenLink, tokenOf } from './helpers/inbox.ts';
import { DIALECTS } from './helpers/storage.ts';

const COUNT = 500;

/**
 * Security checklist A.1 and A.3, from the outside: the tokens people receive by email. 500 reset
 * links for 500 accounts, read from the messages an SMTP server received.
 */
for (const { dialect, skip } of DIALECTS) {
  describe(`emailed tokens on ${dialect}`, { skip }, () => {
    let t: TestApp;
    let inbox: Inbox;
    const tokens: string[] = [];
    const emails: string[] = [];
    before(async () => {
      inbox = await startInbox();
      t = await startTestApp(dialect, { RATE_LIMIT_PER_MINUTE: '0', ...inbox.env });
      for (let i = 0; i < COUNT; i++) {
        const email = `entropy-${i}@example.com`;
        emails.push(email);
        await insertUser(t.ctx, email);
        const res = await t.app.inject({ method: 'POST', url: '/v1/password-resets', payload: { email } });
        assert.equal(res.statusCode, 202);
      }
      for (const mail of await inbox.all(t.ctx)) {
        if (mail.kind === 'password_reset') tokens.push(tokenOf(tokenLink(mail)));
      }
    });
    after(async () => {
      await t?.close();
      await inbox?.close();
    });

    test('500 tokens: 32 random bytes each, all different, no shared prefix, nothing derived', () => {
      assert.equal(tokens.length, COUNT);
      for (const token of tokens) {
        assert.match(token, /^[A-Za-z0-9_-]{43}$/);
        assert.equal(Buffer.from(token, 'base64url').length, 32);
      }
      assert.equal(new Set(tokens).size, COUNT, 'a token repeated');
      assert.equal(
        new Set(tokens.map((token) => token.slice(0, 8))).size,
        COUNT,
        'two tokens share a prefix',
      );
      const derived = new Set(
        emails.flatMap((email) =>
          ['md5', 'sha1', 'sha256'].flatMap((algorithm) => {
            const digest = createHash(algorithm).update(email).digest();
            return [digest.toString('base64url').slice(0, 43), digest.toString('hex').slice(0, 43)];
          }),
        ),
      );
      assert.equal(
        tokens.some((token) => derived.has(token)),
        false,
        'a token is a hash of an address',
      );
      // Bits are spread evenly: over 500 × 256 bits, ones are 50% ± 1%.
      let ones = 0;
      for (const token of tokens)
        for (const byte of Buffer.from(token, 'base64url'))
          for (let bit = byte; bit; bit >>= 1) ones += bit & 1;
      assert.ok(Math.abs(ones / (COUNT * 256) - 0.5) < 0.01, `ones: ${ones / (COUNT * 256)}`);
    });

    test('a token with one letter of another case is a different, unknown token', async () => {
      const token = tokens[0]!;
      const at = [...token].findIndex((c) => /[A-Za-z]/.test(c));
      const c = token[at]!;
      const flipped =
        token.slice(0, at) +
        (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase()) +
        token.slice(at + 1);
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/password-resets/confirm',
        payload: { token: flipped, password: 'a brand new password for this test' },
      });
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().code, 'token_invalid');
      assert.equal((await t.ctx.tokens.inspect(t.ctx.db, 'password_reset', token)).state, 'active');
    });
  });
}
