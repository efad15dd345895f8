import { isLocale, LOCALES, type Locale } from '../i18n/locales.ts';
import { TemplateError } from '../templates/engine.ts';
import { loadTemplates, type TemplateSet } from '../templates/load.ts';
import { type Env, fail, read } from './env.ts';

/** How oto's emails and pages look and speak: branding, the default language, the operator's templates. */
export interface Presentation {
  /** DEFAULT_LOCALE: for a page whose reader has no account language and no Accept-Language oto speaks. */
  readonly defaultLocale: Locale;
  readonly brand: Brand;
  /** TEMPLATES_DIR, read and checked at start-up (src/templates/load.ts). */
  readonly templates: TemplateSet;
}

export interface Brand {
  /** An https (or, outside production, http) image URL; an email shows no remote image without it. */
  readonly logoUrl: string | null;
  /** #rrggbb: buttons and links in emails. */
  readonly color: string;
  readonly supportEmail: string | null;
  readonly legalFooter: string | null;
}

export const DEFAULT_BRAND_COLOR = '#1f4fd1';

export function presentation(env: Env, production: boolean): Presentation {
  const defaultLocale = read(env, 'DEFAULT_LOCALE') ?? 'en';
  if (!isLocale(defaultLocale))
    fail('DEFAULT_LOCALE', `must be one of ${LOCALES.join(', ')}, got "${defaultLocale}"`);
  const color = read(env, 'BRAND_COLOR') ?? DEFAULT_BRAND_COLOR;
  if (!/^#[0-9a-fA-F]{6}$/.test(color))
    fail('BRAND_COLOR', `must be a colour written #rrggbb, got "${color}"`);
  const supportEmail = read(env, 'SUPPORT_EMAIL') ?? null;
  if (supportEmail !== null && !/^[^\s@<>"]+@[^\s@<>"]+$/.test(supportEmail))
    fail('SUPPORT_EMAIL', `must be an email address, got "${supportEmail}"`);
  return {
    defaultLocale,
    brand: {
      logoUrl: logoUrl(env, production),
      color: color.toLowerCase(),
      supportEmail,
      legalFooter: read(env, 'LEGAL_FOOTER') ?? null,
    },
    templates: templates(read(env, 'TEMPLATES_DIR') ?? null),
  };
}

function logoUrl(env: Env, production: boolean): string | null {
  const raw = read(env, 'BRAND_LOGO_URL');
  if (raw === undefined) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return fail('BRAND_LOGO_URL', `is not a URL: "${raw}"`);
  }
  const allowed = production ? ['https:'] : ['https:', 'http:'];
  if (!allowed.includes(url.protocol)) fail('BRAND_LOGO_URL', `must be an ${allowed.join(' or ')} URL`);
  return url.href;
}

function templates(dir: string | null): TemplateSet {
  try {
    return loadTemplates(dir, LOCALES);
  } catch (error) {
    if (error instanceof TemplateError) return fail('TEMPLATES_DIR', error.message);
    throw error;
  }
}
