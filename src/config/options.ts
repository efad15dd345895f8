import { type Config, loadConfig } from './config.ts';
import { ConfigError, type Env } from './env.ts';

/**
 * Library mode's settings: the environment variables of the service (docs/configuration.md), as
 * typed options. They are translated into the same variables and read by the same loadConfig, so
 * a value means the same thing, has the same default and is validated the same way in both ways in.
 *
 * createOto reads only what it is given: process.env is not consulted unless the app passes it as
 * `env` (options win over it). An embedded library that read the host's environment behind its back
 * would change behaviour when someone sets a variable for another reason.
 */

/** A duration: seconds, or text such as '90s', '15m', '1h', '7d'. */
export type Duration = number | string;

export interface OtoSettings {
  /** Base environment, for apps that want the service's variables to apply too. Options win. */
  env?: Env;
  /** NODE_ENV=production. Defaults to process.env.NODE_ENV === 'production'. */
  production?: boolean;
  /** Origin of every link oto emails (PUBLIC_URL). Never derived from a request. */
  publicUrl?: string;
  /** Where oto's routes, pages and emailed links sit below publicUrl, e.g. '/auth' (BASE_PATH). */
  basePath?: string;
  appName?: string;
  /** In every email and page (BRAND_LOGO_URL, BRAND_COLOR as #rrggbb, SUPPORT_EMAIL, LEGAL_FOOTER). */
  brand?: { logoUrl?: string; color?: string; supportEmail?: string; legalFooter?: string };
  /** The language of a page whose reader's is unknown, and of a user's email without one (DEFAULT_LOCALE). */
  defaultLocale?: 'en' | 'de';
  /** The operator's email and page templates, checked when createOto runs (TEMPLATES_DIR, docs/templates.md). */
  templatesDir?: string;
  /** PostgreSQL: the schema oto's tables live in, beside the app's own; migrate() creates it (DATABASE_SCHEMA). */
  schema?: string;
  /** Requests per minute per IP for the flows that send mail or check passwords (RATE_LIMIT_PER_MINUTE). */
  rateLimitPerMinute?: number;
  /** Shares the per-IP limits between instances (REDIS_URL). */
  redisUrl?: string;
  /** Like Fastify's trustProxy (TRUST_PROXY): false, true, a hop count or proxy addresses. */
  trustProxy?: boolean | number | string;
  logLevel?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /**
   * Keys of the token API and other /v1 routes for backends (OTO_API_KEYS), each ≥ 24 characters:
   * 'name:scopes:key' (scopes tokens, newsletter, introspect, admin joined by '+') or a bare key,
   * which has every scope but admin.
   */
  apiKeys?: readonly string[];
  /** id:secret,… for the signed unsubscribe links (OTO_SIGNING_KEYS); `oto keys generate` makes one. */
  signingKeys?: string;
  dbPoolSize?: number;
  /** How long a query waits for a pooled connection before it fails as a 503 (DB_POOL_TIMEOUT, 5s). */
  dbPoolTimeout?: Duration;
  tokenTtl?: {
    verifyEmail?: Duration;
    passwordReset?: Duration;
    emailChange?: Duration;
    invitation?: Duration;
    signIn?: Duration;
    /** Tokens issued through oto.tokens or the token API without a ttl. */
    default?: Duration;
  };
  /** Link templates of the app's own pages, each containing {token} (LINK_*). */
  links?: {
    verifyEmail?: string;
    resetPassword?: string;
    confirmEmail?: string;
    invite?: string;
    unsubscribe?: string;
    signIn?: string;
  };
  mailFrom?: string;
  newsletterFrom?: string;
  mailCaps?: { verifyPerHour?: number; resetPerHour?: number; signInPerHour?: number };
  dkim?: { domain: string; selector: string; privateKeyFile: string };
  /** Webhook delivery (docs/webhooks.md). */
  webhooks?: {
    timeout?: Duration;
    secretGrace?: Duration;
    allowPrivate?: boolean;
    retryFor?: Duration;
    batchSize?: number;
    lease?: Duration;
    pollInterval?: Duration;
  };
  outbox?: {
    maxAttempts?: number;
    batchSize?: number;
    pollInterval?: Duration;
    lease?: Duration;
    retention?: Duration;
  };
  purge?: {
    interval?: Duration;
    batchSize?: number;
    /** How long a token is kept after its expiry, whether it was used, revoked or neither. */
    tokenRetention?: Duration;
    auditRetention?: Duration;
  };
  sessions?: { ttl?: Duration; idleTtl?: Duration; cookieName?: string };
  passwordMinLength?: number;
  login?: {
    maxFailures?: number;
    failureWindow?: Duration;
    cooldown?: Duration;
    maxConsecutiveFailures?: number;
    failureMemory?: Duration;
  };
  subscribedByDefault?: boolean;
  metrics?: { enabled?: boolean; token?: string };
  shutdownTimeout?: Duration;
  /** One-time codes (CODE_LENGTH, CODE_TTL, CODE_MAX_ATTEMPTS, CODE_COOLDOWN, OTO_CODE_KEY). */
  codes?: { length?: number; ttl?: Duration; maxAttempts?: number; cooldown?: Duration; key?: string };
  /** link, code or both, per flow (VERIFY_EMAIL_METHOD, RESET_PASSWORD_METHOD, SIGN_IN_EMAIL_METHOD). */
  methods?: {
    verifyEmail?: 'link' | 'code' | 'both';
    resetPassword?: 'link' | 'code' | 'both';
    signInEmail?: 'link' | 'code' | 'both';
  };
  /** Passwordless sign-in by email (SIGN_IN_EMAIL), off by default. */
  signInEmail?: boolean;
  /** Lets sign-in by email create an account for an unknown address (SIGN_UP_PASSWORDLESS). */
  signUpPasswordless?: boolean;
}

type Scalar = string | number | boolean | readonly string[];

/**
 * Each option's environment variable: the one table that ties the two ways in together
 * (test/library.test.ts checks that every variable loadConfig reads has an option here).
 */
export const OPTION_VARIABLES: Readonly<Record<string, string>> = {
  publicUrl: 'PUBLIC_URL',
  basePath: 'BASE_PATH',
  appName: 'APP_NAME',
  'brand.logoUrl': 'BRAND_LOGO_URL',
  'brand.color': 'BRAND_COLOR',
  'brand.supportEmail': 'SUPPORT_EMAIL',
  'brand.legalFooter': 'LEGAL_FOOTER',
  defaultLocale: 'DEFAULT_LOCALE',
  templatesDir: 'TEMPLATES_DIR',
  schema: 'DATABASE_SCHEMA',
  rateLimitPerMinute: 'RATE_LIMIT_PER_MINUTE',
  redisUrl: 'REDIS_URL',
  trustProxy: 'TRUST_PROXY',
  logLevel: 'LOG_LEVEL',
  apiKeys: 'OTO_API_KEYS',
  signingKeys: 'OTO_SIGNING_KEYS',
  dbPoolSize: 'DB_POOL_SIZE',
  dbPoolTimeout: 'DB_POOL_TIMEOUT',
  'tokenTtl.verifyEmail': 'TOKEN_TTL_VERIFY_EMAIL',
  'tokenTtl.passwordReset': 'TOKEN_TTL_PASSWORD_RESET',
  'tokenTtl.emailChange': 'TOKEN_TTL_EMAIL_CHANGE',
  'tokenTtl.invitation': 'TOKEN_TTL_INVITATION',
  'tokenTtl.signIn': 'TOKEN_TTL_SIGN_IN',
  'tokenTtl.default': 'TOKEN_TTL_DEFAULT',
  'links.verifyEmail': 'LINK_VERIFY_EMAIL',
  'links.resetPassword': 'LINK_RESET_PASSWORD',
  'links.confirmEmail': 'LINK_CONFIRM_EMAIL',
  'links.invite': 'LINK_INVITE',
  'links.unsubscribe': 'LINK_UNSUBSCRIBE',
  'links.signIn': 'LINK_SIGN_IN',
  mailFrom: 'MAIL_FROM',
  newsletterFrom: 'NEWSLETTER_FROM',
  'mailCaps.verifyPerHour': 'MAIL_CAP_VERIFY_PER_HOUR',
  'mailCaps.resetPerHour': 'MAIL_CAP_RESET_PER_HOUR',
  'mailCaps.signInPerHour': 'MAIL_CAP_SIGN_IN_PER_HOUR',
  'dkim.domain': 'DKIM_DOMAIN',
  'dkim.selector': 'DKIM_SELECTOR',
  'dkim.privateKeyFile': 'DKIM_PRIVATE_KEY_FILE',
  'outbox.maxAttempts': 'OUTBOX_MAX_ATTEMPTS',
  'outbox.batchSize': 'OUTBOX_BATCH_SIZE',
  'outbox.pollInterval': 'OUTBOX_POLL_INTERVAL',
  'outbox.lease': 'OUTBOX_LEASE',
  'outbox.retention': 'OUTBOX_RETENTION',
  'purge.interval': 'PURGE_INTERVAL',
  'purge.batchSize': 'PURGE_BATCH_SIZE',
  'purge.tokenRetention': 'TOKEN_RETENTION',
  'purge.auditRetention': 'AUDIT_RETENTION',
  'sessions.ttl': 'SESSION_TTL',
  'sessions.idleTtl': 'SESSION_IDLE_TTL',
  'sessions.cookieName': 'SESSION_COOKIE_NAME',
  passwordMinLength: 'PASSWORD_MIN_LENGTH',
  'login.maxFailures': 'LOGIN_MAX_FAILURES',
  'login.failureWindow': 'LOGIN_FAILURE_WINDOW',
  'login.cooldown': 'LOGIN_COOLDOWN',
  'login.maxConsecutiveFailures': 'LOGIN_MAX_CONSECUTIVE_FAILURES',
  'login.failureMemory': 'LOGIN_FAILURE_MEMORY',
  subscribedByDefault: 'SUBSCRIBED_BY_DEFAULT',
  'metrics.enabled': 'METRICS',
  'metrics.token': 'METRICS_TOKEN',
  shutdownTimeout: 'SHUTDOWN_TIMEOUT',
  'codes.length': 'CODE_LENGTH',
  'codes.ttl': 'CODE_TTL',
  'codes.maxAttempts': 'CODE_MAX_ATTEMPTS',
  'codes.cooldown': 'CODE_COOLDOWN',
  'codes.key': 'OTO_CODE_KEY',
  'methods.verifyEmail': 'VERIFY_EMAIL_METHOD',
  'methods.resetPassword': 'RESET_PASSWORD_METHOD',
  'methods.signInEmail': 'SIGN_IN_EMAIL_METHOD',
  signInEmail: 'SIGN_IN_EMAIL',
  signUpPasswordless: 'SIGN_UP_PASSWORDLESS',
  'webhooks.timeout': 'WEBHOOK_TIMEOUT',
  'webhooks.secretGrace': 'WEBHOOK_SECRET_GRACE',
  'webhooks.allowPrivate': 'WEBHOOK_ALLOW_PRIVATE',
  'webhooks.retryFor': 'WEBHOOK_RETRY_FOR',
  'webhooks.batchSize': 'WEBHOOK_BATCH_SIZE',
  'webhooks.lease': 'WEBHOOK_LEASE',
  'webhooks.pollInterval': 'WEBHOOK_POLL_INTERVAL',
};

/** Variables that only the service reads (the listening socket, the worker switches, the database URL
 * and the mail server, which createOto takes as richer options of their own). */
export const SERVICE_ONLY_VARIABLES = [
  'PORT',
  'HOST',
  'RUN_WORKER',
  'DATABASE_URL',
  'SMTP_URL',
  'NODE_ENV',
  'WEB_CONCURRENCY',
];

const VARIABLE_OPTIONS = new Map(Object.entries(OPTION_VARIABLES).map(([option, name]) => [name, option]));

/** The environment that the options stand for; `extra` holds variables createOto sets itself. */
export function settingsEnv(settings: OtoSettings, extra: Env = {}): Env {
  const env: Env = { ...settings.env, ...extra };
  const production = settings.production ?? process.env['NODE_ENV'] === 'production';
  env['NODE_ENV'] = production ? 'production' : (env['NODE_ENV'] ?? 'development');
  for (const [option, name] of Object.entries(OPTION_VARIABLES)) {
    const value = valueAt(settings, option);
    if (value !== undefined) env[name] = Array.isArray(value) ? value.join(',') : String(value);
  }
  return env;
}

/** loadConfig over the options; an error names the option, and the variable it stands for. */
export function configFromSettings(settings: OtoSettings, extra: Env = {}): Config {
  try {
    return loadConfig(settingsEnv(settings, extra));
  } catch (error) {
    throw error instanceof ConfigError ? renamed(error) : error;
  }
}

function renamed(error: ConfigError): ConfigError {
  const [name] = /^[A-Z][A-Z0-9_]*/.exec(error.message) ?? [];
  const option = name === undefined ? undefined : VARIABLE_OPTIONS.get(name);
  return option === undefined ? error : new ConfigError(`option ${option} (${error.message})`);
}

function valueAt(settings: OtoSettings, path: string): Scalar | undefined {
  let value: unknown = settings;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'object' && !Array.isArray(value))
    throw new ConfigError(`option ${path}: must be a string, a number or a boolean`);
  return value as Scalar;
}
