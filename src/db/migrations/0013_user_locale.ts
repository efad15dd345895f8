import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe the schema as it was then.
type AnyDb = Kysely<any>;

/**
 * users.locale: the language the user's emails and oto's pages speak to them (src/i18n/), set at
 * sign-up from an explicit choice or the browser's Accept-Language, changed by PATCH /v1/me or the
 * account page. Only a language oto has a catalogue for is stored; null (every account before this
 * migration) means DEFAULT_LOCALE for email, and the browser's language on a page.
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema.alterTable('users').addColumn('locale', 'text').execute();
}
