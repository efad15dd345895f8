import type { Context } from '../context.ts';
import { LOCALES, type Locale } from '../i18n/locales.ts';
import type { InputError } from './input.ts';

/**
 * The user's language: what their emails and oto's pages speak (src/i18n/). A preference like the
 * newsletter subscription but no security event, so it writes no audit entry and no webhook.
 * Only a supported locale reaches here (the caller checks with isLocale); null goes back to
 * DEFAULT_LOCALE for emails and the browser's language on pages.
 */
export async function setUserLocale(ctx: Context, userId: string, locale: Locale | null): Promise<void> {
  await ctx.db
    .updateTable('users')
    .set({ locale, updated_at: ctx.clock.now() })
    .where('id', '=', userId)
    .execute();
}

/** What a request that names a language oto does not speak is told (422 invalid_input). */
export function localeError(): InputError {
  return { field: 'locale', message: `must be one of ${LOCALES.join(', ')}` };
}
