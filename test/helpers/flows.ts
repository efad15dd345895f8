import { loadConfig } from '../../src/config/config.ts';
import { type Context, createContext } from '../../src/context.ts';
import { newId } from '../../src/db/ids.ts';
import type { Db } from '../../src/db/schema.ts';
import { type App, buildApp } from '../../src/http/app.ts';
import { TEST_API_KEY, type TestApp } from './app.ts';

/** Signing keys for tests: fixed, so a test can sign with one ring and verify with another. */
export const KEY_A = `ka:${'a1'.repeat(32)}`;
export const KEY_B = `kb:${'b2'.repeat(32)}`;

export interface TestUser {
  id: string;
  email: string;
}

/** A user row written directly, for flows that only need one to exist. */
export async function insertUser(
  ctx: Context,
  email: string,
  options: { verified?: boolean; subscribed?: boolean; passwordHash?: string | null; db?: Db } = {},
): Promise<TestUser> {
  const now = ctx.clock.now();
  const id = newId(now);
  await (options.db ?? ctx.db)
    .insertInto('users')
    .values({
      id,
      email,
      email_normalized: email.toLowerCase(),
      password_hash: options.passwordHash ?? null,
      email_verified_at: options.verified === false ? null : now,
      unsubscribed_at: options.subscribed === false ? now : null,
      created_at: now,
      updated_at: now,
    })
    .execute();
  return { id, email };
}

export async function isSubscribed(ctx: Context, userId: string): Promise<boolean> {
  const row = await ctx.db
    .selectFrom('users')
    .select('unsubscribed_at')
    .where('id', '=', userId)
    .executeTakeFirstOrThrow();
  return row.unsubscribed_at === null;
}

export async function auditEvents(ctx: Context, event: string, userId?: string): Promise<number> {
  let query = ctx.db
    .selectFrom('audit_events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('event', '=', event);
  if (userId !== undefined) query = query.where('user_id', '=', userId);
  const row = await query.executeTakeFirstOrThrow();
  return Number(row.n);
}

/** A multipart/form-data body, as a mail client's one-click POST may send it. */
export function multipartBody(fields: Record<string, string>): { payload: string; contentType: string } {
  const boundary = `----oto${newId().replaceAll('-', '')}`;
  const parts = Object.entries(fields).map(
    ([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
  );
  return {
    payload: `${parts.join('')}--${boundary}--\r\n`,
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}

/**
 * Another instance of the app over the same database, with other settings: what a deploy with a
 * changed environment (say, a rotated OTO_SIGNING_KEYS) looks like. Close its app when done.
 */
export async function sibling(t: TestApp, env: Record<string, string>): Promise<{ app: App; ctx: Context }> {
  const config = loadConfig({
    DATABASE_URL: t.database.url,
    PUBLIC_URL: t.config.publicUrl,
    OTO_API_KEYS: TEST_API_KEY,
    ...env,
  });
  const ctx = createContext(config, t.database.storage, t.ctx.logger, { clock: t.clock });
  const app = await buildApp(ctx);
  await app.ready();
  return { app, ctx };
}
