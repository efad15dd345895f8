/**
 * What a one-time code looks like (src/tokens/codes.ts), with no imports: the route schemas and the
 * typed client read these limits too, and must not load the engine.
 */
export const MIN_CODE_DIGITS = 6;
export const MAX_CODE_DIGITS = 10;

/** What a person may paste: the digits, with spaces or dashes between groups. */
export function normalizeCode(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > 40) return null;
  const digits = value.replace(/[\s-]/g, '');
  return /^\d{6,10}$/.test(digits) ? digits : null;
}
