import assert from 'node:assert/strict';
import { createOto, type Oto, type OtoOptions, type OutgoingMessage } from '../../src/index.ts';
import { KEY_A } from './flows.ts';
import { createTestDatabase, type TestDatabase } from './storage.ts';

// oto as a library on a test database of its own, its mail collected in memory: what the tests of
// oto.fetch, on its own and behind an adapter, start from.

export const PUBLIC_URL = 'https://app.example';
export const PASSWORD = 'correct horse battery staple';

export interface Harness {
  oto: Oto;
  sent: OutgoingMessage[];
  database: TestDatabase;
  close(): Promise<void>;
}

export async function harness(dialect: 'sqlite' | 'postgres', options: OtoOptions = {}): Promise<Harness> {
  const database = await createTestDatabase(dialect);
  await database.storage.close();
  const sent: OutgoingMessage[] = [];
  const oto = createOto({
    database: database.url,
    publicUrl: PUBLIC_URL,
    signingKeys: KEY_A,
    logLevel: 'silent',
    mail: {
      async send(message) {
        sent.push(message);
      },
    },
    ...options,
  });
  await oto.migrate();
  return {
    oto,
    sent,
    database,
    async close() {
      await oto.close();
      await database.drop();
    },
  };
}

/** The token of the link in the first mail to email, which the outbox sends once a worker runs. */
export async function mailedToken(h: Harness, email: string): Promise<string> {
  const worker = h.oto.startWorker();
  try {
    for (let i = 0; i < 200 && !h.sent.some((m) => m.to === email); i++)
      await new Promise((resolve) => setTimeout(resolve, 25));
  } finally {
    await worker.stop();
  }
  const mail = h.sent.find((m) => m.to === email);
  const token = mail && /[?&]token=([A-Za-z0-9_-]{43})/.exec(mail.text)?.[1];
  assert.ok(token, `a mail to ${email} carries a link`);
  return token;
}

/** A verified account, made through the library's own calls. */
export async function verifiedUser(h: Harness, email: string): Promise<void> {
  assert.deepEqual(await h.oto.signUp({ email, password: PASSWORD }), { ok: true });
  assert.ok((await h.oto.verifyEmail({ token: await mailedToken(h, email) })).ok);
}
