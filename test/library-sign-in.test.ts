import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createOto, type OutgoingMessage } from '../src/index.ts';
import { KEY_A } from './helpers/flows.ts';
import { createTestDatabase, DIALECTS } from './helpers/storage.ts';

// oto.signInEmail in library mode: the app's own pages keep the nonce; the mail goes through the
// app's transport; the events follow each commit.

async function waitFor<T>(probe: () => T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

for (const { dialect, skip } of DIALECTS) {
  describe(`library mode: sign-in by email (${dialect})`, { skip }, () => {
    it('request and confirm, by link with the nonce, by code, and off by default', async () => {
      const database = await createTestDatabase(dialect);
      await database.storage.close();
      const sent: OutgoingMessage[] = [];
      const events: string[] = [];
      const options = {
        database: database.url,
        publicUrl: 'https://app.example',
        signingKeys: KEY_A,
        logLevel: 'silent',
        outbox: { pollInterval: '1s' },
        mail: {
          async send(message: OutgoingMessage) {
            sent.push(message);
          },
        },
      } as const;
      const off = createOto(options);
      const oto = createOto({
        ...options,
        signInEmail: true,
        signUpPasswordless: true,
        onUserCreated: (e) => {
          events.push(`created:${e.via}`);
        },
        onEmailVerified: () => {
          events.push('verified');
        },
        onSessionCreated: () => {
          events.push('session');
        },
      });
      try {
        await oto.migrate();
        assert.deepEqual(await off.signInEmail.request({ email: 'x@example.com' }), {
          ok: false,
          reason: 'not_enabled',
        });
        const worker = oto.startWorker();
        try {
          const email = 'lib-new@example.com';
          const asked = await oto.signInEmail.request({ email });
          assert.ok(asked.ok);
          const offer = await waitFor(() => sent.find((m) => m.to === email), 'the offer');
          assert.match(offer.subject, /Create your/);
          const token = /[?&]token=([A-Za-z0-9_-]{43})/.exec(offer.text)?.[1];
          assert.ok(token);
          assert.equal(new URL(/https:\S+/.exec(offer.text)![0]).pathname, '/sign-in/email');

          const elsewhere = await oto.signInEmail.confirm({ token });
          assert.equal(elsewhere.ok, false);
          assert.equal(!elsewhere.ok && elsewhere.reason, 'confirmation_required');
          const signedIn = await oto.signInEmail.confirm({ token, nonce: asked.nonce });
          assert.ok(signedIn.ok);
          assert.equal(signedIn.newAccount, true);
          assert.equal(signedIn.user.emailVerified, true);
          assert.equal(signedIn.user.hasPassword, false);
          assert.equal((await oto.sessions.lookup(signedIn.sessionToken))?.user.email, email);
          await waitFor(() => (events.includes('session') ? true : undefined), 'the events');
          assert.deepEqual(events, ['created:sign_in', 'verified', 'session']);

          // The account exists now: the next request is a sign-in, here by its code.
          await oto.signInEmail.request({ email });
          const mail = await waitFor(
            () => sent.find((m) => m.to === email && /^Sign in/.test(m.subject)),
            'the sign-in',
          );
          const code = /code: (\d{3} \d{3})/.exec(mail.text)?.[1];
          assert.ok(code);
          const wrong = await oto.signInEmail.confirm({
            email,
            code: '000000' === code ? '111111' : '000000',
          });
          assert.deepEqual(wrong, { ok: false, reason: 'code_invalid' });
          const byCode = await oto.signInEmail.confirm({ email, code });
          assert.ok(byCode.ok);
          assert.equal(byCode.newAccount, false);
        } finally {
          await worker.stop();
        }
      } finally {
        await oto.close();
        await off.close();
        await database.drop();
      }
    });
  });
}
