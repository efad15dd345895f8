import type { FlowPurpose } from '../purposes.ts';
import { type ApiKey, apiKeys } from './api-keys.ts';
import { boolean, duration, type Env, fail, integer, read } from './env.ts';
import { type DkimSettings, dkimSettings, senders } from './mail.ts';
import { type Presentation, presentation } from './presentation.ts';
import { basePath, linkTemplate, publicOrigin, trustProxy, webConcurrency } from './web.ts';

/** `schema`: PostgreSQL only, the schema oto's tables live in (DATABASE_SCHEMA), beside the app's own. */
export type DatabaseTarget =
  | { kind: 'sqlite'; path: string }
  | { kind: 'postgres'; url: string; schema?: string };

export type LinkKind = 'verifyEmail' | 'resetPassword' | 'confirmEmail' | 'invite' | 'unsubscribe' | 'signIn';

export interface Config {
  readonly env: string;
  readonly production: boolean;
  readonly port: number;
  readonly host: string;
  /** Origin (scheme://host[:port], no trailing slash) of every link oto emails. Never derived from a request. */
  readonly publicUrl: string;
  /**
   * Where oto's routes and pages are mounted below publicUrl: '' (the root) or a path such as
   * '/auth'. Emailed links and every path a page links or redirects to carry it.
   */
  readonly basePath: string;
  readonly appName: string;
  /** Branding, DEFAULT_LOCALE and TEMPLATES_DIR (presentation.ts). */
  readonly presentation: Presentation;
  readonly database: DatabaseTarget;
  readonly dbPoolSize: number;
  /** How long a request waits for a pooled PostgreSQL connection before it is answered 503. */
  readonly dbPoolTimeoutMs: number;
  /** HTTP worker processes of `oto serve` (WEB_CONCURRENCY, `--workers`; src/cli/cluster.ts). */
  readonly httpWorkers: number;
  /** false: the socket address is the client IP; otherwise handed to Fastify's trustProxy. */
  readonly trustProxy: boolean | number | string;
  readonly logLevel: string;
  /** OTO_API_KEYS, each with its name and scopes (src/config/api-keys.ts). */
  readonly apiKeys: readonly ApiKey[];
  /** Lifetime of each flow purpose's tokens, and the default for API-issued tokens, in seconds. */
  readonly tokenTtl: Readonly<Record<FlowPurpose | 'default', number>>;
  readonly linkTemplates: Readonly<Partial<Record<LinkKind, string>>>;
  readonly mail: {
    /**
     * Where the outbox hands mail: an SMTP server (SMTP_URL), the dev mailbox (no SMTP_URL), or the
     * embedding app's own transport (createOto's `mail` option, src/mail/app-transport.ts).
     */
    readonly delivery: 'smtp' | 'dev' | 'app';
    readonly smtpUrl: string | null;
    readonly from: string;
    readonly newsletterFrom: string;
    readonly maxAttempts: number;
    readonly batchSize: number;
    readonly pollIntervalMs: number;
    readonly leaseSeconds: number;
    readonly capVerifyPerHour: number;
    readonly capResetPerHour: number;
    readonly capSignInPerHour: number;
    /** DKIM signing by oto itself, when DKIM_DOMAIN is set; else the SMTP server's own, or none. */
    readonly dkim: DkimSettings | null;
  };
  readonly worker: { readonly enabled: boolean };
  /** Webhook delivery (src/webhooks/). */
  readonly webhooks: {
    /** Per attempt (WEBHOOK_TIMEOUT). */
    readonly timeoutMs: number;
    /** How long a rotated-out secret keeps signing (WEBHOOK_SECRET_GRACE). */
    readonly secretGraceSeconds: number;
    /** WEBHOOK_ALLOW_PRIVATE: let endpoints resolve to loopback, private and link-local addresses. */
    readonly allowPrivate: boolean;
    /** How long a delivery is retried before it is failed (WEBHOOK_RETRY_FOR, about 3 days). */
    readonly retryForSeconds: number;
    readonly batchSize: number;
    readonly leaseSeconds: number;
    readonly pollIntervalMs: number;
  };
  readonly purge: {
    readonly intervalSeconds: number;
    /** How long a token row outlives its expiry, used, revoked or neither (src/tokens/purge.ts). */
    readonly tokenRetentionSeconds: number;
    readonly outboxRetentionSeconds: number;
    readonly auditRetentionSeconds: number;
    readonly batchSize: number;
  };
  readonly sessions: {
    readonly ttlSeconds: number;
    readonly idleTtlSeconds: number;
    readonly cookieName: string;
  };
  readonly passwords: { readonly minLength: number };
  readonly limits: {
    readonly ratePerMinute: number;
    readonly redisUrl: string | null;
    readonly loginMaxFailures: number;
    readonly loginFailureWindowSeconds: number;
    readonly loginCooldownSeconds: number;
    readonly loginMaxConsecutiveFailures: number;
    readonly loginFailureMemorySeconds: number;
  };
  readonly subscribedByDefault: boolean;
  /** Raw OTO_SIGNING_KEYS (id:secret,…); parsed and validated by the signed-token key ring. */
  readonly signingKeys: string | null;
  readonly metrics: { readonly enabled: boolean; readonly token: string | null };
  readonly shutdownTimeoutMs: number;
  /** One-time codes typed by a person (src/tokens/codes.ts). */
  readonly codes: {
    readonly length: number;
    readonly ttlSeconds: number;
    readonly maxAttempts: number;
    readonly cooldownSeconds: number;
    /** Raw OTO_CODE_KEY, or null: the key is then derived from the signing keys (src/tokens/code-key.ts). */
    readonly key: string | null;
  };
  /** How each email flow proves the mailbox: a link, a typed code, or either. */
  readonly methods: {
    readonly verifyEmail: EmailMethod;
    readonly resetPassword: EmailMethod;
    /** Passwordless sign-in by email (src/accounts/sign-in-email.ts). */
    readonly signInEmail: EmailMethod;
  };
  /** Passwordless sign-in by email: SIGN_IN_EMAIL turns it on; SIGN_UP_PASSWORDLESS lets it create accounts. */
  readonly signIn: { readonly email: boolean; readonly signUp: boolean };
}

export type EmailMethod = 'link' | 'code' | 'both';

/** Whether a flow with this method mails a link, and accepts a code. */
export const sendsLink = (method: EmailMethod): boolean => method !== 'code';
export const allowsCode = (method: EmailMethod): boolean => method !== 'link';
export function parseDatabaseUrl(raw: string): DatabaseTarget {
  if (/^postgres(ql)?:\/\//i.test(raw)) {
    try {
      new URL(raw);
    } catch {
      fail('DATABASE_URL', `is not a valid postgres:// URL`);
    }
    return { kind: 'postgres', url: raw };
  }
  const isSqlite = /^sqlite:/i.test(raw);
  if (!isSqlite && /^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) {
    fail('DATABASE_URL', `must be postgres://…, sqlite:<path>, a file path or :memory:`);
  }
  const path = raw.replace(/^sqlite:(\/\/)?/i, '');
  if (path === '') fail('DATABASE_URL', 'sqlite: needs a file path or :memory:');
  return { kind: 'sqlite', path };
}

/**
 * DATABASE_SCHEMA goes into the connection's search_path and into `create schema`, so it is held to
 * a plain lower-case identifier rather than quoted; pg_ names are PostgreSQL's own.
 */
function withSchema(env: Env, database: DatabaseTarget): DatabaseTarget {
  const schema = read(env, 'DATABASE_SCHEMA');
  if (schema === undefined) return database;
  if (database.kind !== 'postgres')
    fail('DATABASE_SCHEMA', 'is for PostgreSQL only; a SQLite database keeps oto in its own file');
  if (!/^[a-z_][a-z0-9_]*$/.test(schema) || schema.startsWith('pg_') || schema.length > 63) {
    fail(
      'DATABASE_SCHEMA',
      `must be a lower-case identifier (a-z, 0-9, _; at most 63; not pg_…) such as oto, got "${schema}"`,
    );
  }
  return { ...database, schema };
}

/** Reads and validates the environment once; everything else receives the frozen result. */
export function loadConfig(env: Env = process.env): Config {
  const nodeEnv = read(env, 'NODE_ENV') ?? 'development';
  const port = integer(env, 'PORT', 3000, 0, 65_535);
  const production = nodeEnv === 'production';
  const publicUrl = publicOrigin(env, production, port);
  const publicHost = new URL(publicUrl).hostname;
  const mailDomain = publicHost.includes('.') ? publicHost : 'localhost.localdomain';
  const appName = read(env, 'APP_NAME') ?? 'oto';
  const smtpUrl = read(env, 'SMTP_URL') ?? null;
  if (smtpUrl !== null && !/^smtps?:\/\/[^/]/i.test(smtpUrl)) {
    fail('SMTP_URL', 'must be smtp://[user:pass@]host[:port] or smtps://…');
  }
  const database = withSchema(env, parseDatabaseUrl(read(env, 'DATABASE_URL') ?? 'sqlite:./data/oto.db'));
  const metricsToken = read(env, 'METRICS_TOKEN') ?? null;
  if (metricsToken !== null && metricsToken.length < 16)
    fail('METRICS_TOKEN', 'must be at least 16 characters');

  const config: Config = {
    env: nodeEnv,
    production,
    port,
    host: read(env, 'HOST') ?? '127.0.0.1',
    publicUrl,
    basePath: basePath(env),
    appName,
    presentation: presentation(env, production),
    database,
    dbPoolSize: integer(env, 'DB_POOL_SIZE', 10, 1, 500),
    dbPoolTimeoutMs: duration(env, 'DB_POOL_TIMEOUT', '5s') * 1000,
    httpWorkers: webConcurrency(env),
    trustProxy: trustProxy(env),
    logLevel: read(env, 'LOG_LEVEL') ?? 'info',
    apiKeys: apiKeys(env),
    tokenTtl: {
      verify_email: duration(env, 'TOKEN_TTL_VERIFY_EMAIL', '24h'),
      password_reset: duration(env, 'TOKEN_TTL_PASSWORD_RESET', '1h'),
      email_change: duration(env, 'TOKEN_TTL_EMAIL_CHANGE', '1h'),
      invitation: duration(env, 'TOKEN_TTL_INVITATION', '7d'),
      sign_in: duration(env, 'TOKEN_TTL_SIGN_IN', '15m'),
      default: duration(env, 'TOKEN_TTL_DEFAULT', '1h'),
    },
    linkTemplates: {
      verifyEmail: linkTemplate(env, 'LINK_VERIFY_EMAIL', production),
      resetPassword: linkTemplate(env, 'LINK_RESET_PASSWORD', production),
      confirmEmail: linkTemplate(env, 'LINK_CONFIRM_EMAIL', production),
      invite: linkTemplate(env, 'LINK_INVITE', production),
      unsubscribe: linkTemplate(env, 'LINK_UNSUBSCRIBE', production),
      signIn: linkTemplate(env, 'LINK_SIGN_IN', production),
    },
    mail: {
      delivery: smtpUrl === null ? 'dev' : 'smtp',
      smtpUrl,
      ...senders(env, appName, mailDomain),
      maxAttempts: integer(env, 'OUTBOX_MAX_ATTEMPTS', 8, 1, 100),
      batchSize: integer(env, 'OUTBOX_BATCH_SIZE', 50, 1, 1000),
      pollIntervalMs: duration(env, 'OUTBOX_POLL_INTERVAL', '1s') * 1000,
      leaseSeconds: duration(env, 'OUTBOX_LEASE', '60s'),
      capVerifyPerHour: integer(env, 'MAIL_CAP_VERIFY_PER_HOUR', 3, 0, 1000),
      capResetPerHour: integer(env, 'MAIL_CAP_RESET_PER_HOUR', 3, 0, 1000),
      capSignInPerHour: integer(env, 'MAIL_CAP_SIGN_IN_PER_HOUR', 5, 0, 1000),
      dkim: dkimSettings(env),
    },
    worker: { enabled: boolean(env, 'RUN_WORKER', true) },
    webhooks: {
      timeoutMs: duration(env, 'WEBHOOK_TIMEOUT', '10s') * 1000,
      secretGraceSeconds: duration(env, 'WEBHOOK_SECRET_GRACE', '24h'),
      allowPrivate: boolean(env, 'WEBHOOK_ALLOW_PRIVATE', false),
      retryForSeconds: duration(env, 'WEBHOOK_RETRY_FOR', '3d'),
      batchSize: integer(env, 'WEBHOOK_BATCH_SIZE', 20, 1, 1000),
      leaseSeconds: duration(env, 'WEBHOOK_LEASE', '60s'),
      pollIntervalMs: duration(env, 'WEBHOOK_POLL_INTERVAL', '1s') * 1000,
    },
    purge: {
      intervalSeconds: duration(env, 'PURGE_INTERVAL', '1h'),
      tokenRetentionSeconds: duration(env, 'TOKEN_RETENTION', '7d'),
      outboxRetentionSeconds: duration(env, 'OUTBOX_RETENTION', '30d'),
      auditRetentionSeconds: duration(env, 'AUDIT_RETENTION', '90d'),
      batchSize: integer(env, 'PURGE_BATCH_SIZE', 2000, 1, 100_000),
    },
    sessions: {
      ttlSeconds: duration(env, 'SESSION_TTL', '30d'),
      idleTtlSeconds: duration(env, 'SESSION_IDLE_TTL', '7d'),
      cookieName:
        read(env, 'SESSION_COOKIE_NAME') ?? (publicUrl.startsWith('https:') ? '__Host-oto' : 'oto_session'),
    },
    passwords: { minLength: integer(env, 'PASSWORD_MIN_LENGTH', 15, 8, 128) },
    limits: {
      ratePerMinute: integer(env, 'RATE_LIMIT_PER_MINUTE', 20, 0, 1_000_000),
      redisUrl: read(env, 'REDIS_URL') ?? null,
      ...loginLimits(env),
    },
    subscribedByDefault: boolean(env, 'SUBSCRIBED_BY_DEFAULT', true),
    signingKeys: read(env, 'OTO_SIGNING_KEYS') ?? null,
    metrics: metricsSettings(env, production, metricsToken),
    shutdownTimeoutMs: duration(env, 'SHUTDOWN_TIMEOUT', '10s') * 1000,
    codes: {
      length: integer(env, 'CODE_LENGTH', 6, 6, 10),
      ttlSeconds: duration(env, 'CODE_TTL', '10m'),
      maxAttempts: integer(env, 'CODE_MAX_ATTEMPTS', 5, 1, 100),
      cooldownSeconds: duration(env, 'CODE_COOLDOWN', '15m'),
      key: codeKey(env),
    },
    methods: {
      verifyEmail: emailMethod(env, 'VERIFY_EMAIL_METHOD', 'link'),
      resetPassword: emailMethod(env, 'RESET_PASSWORD_METHOD', 'link'),
      signInEmail: emailMethod(env, 'SIGN_IN_EMAIL_METHOD', 'both'),
    },
    signIn: {
      email: boolean(env, 'SIGN_IN_EMAIL', false),
      signUp: boolean(env, 'SIGN_UP_PASSWORDLESS', false),
    },
  };
  return deepFreeze(config);
}
/**
 * The login throttle (src/accounts/login-throttle.ts): a cool-down after LOGIN_MAX_FAILURES failed
 * checks within the window, and a hold until a password reset after LOGIN_MAX_CONSECUTIVE_FAILURES
 * failed checks in a row (NIST SP 800-63B caps those at 100), remembered for LOGIN_FAILURE_MEMORY
 * after the address's last run of attempts began.
 */
function loginLimits(env: Env) {
  const loginMaxFailures = integer(env, 'LOGIN_MAX_FAILURES', 10, 1, 10_000);
  const loginFailureWindowSeconds = duration(env, 'LOGIN_FAILURE_WINDOW', '15m');
  const loginMaxConsecutiveFailures = integer(env, 'LOGIN_MAX_CONSECUTIVE_FAILURES', 100, 1, 100);
  if (loginMaxConsecutiveFailures < loginMaxFailures)
    fail('LOGIN_MAX_CONSECUTIVE_FAILURES', `must be at least LOGIN_MAX_FAILURES (${loginMaxFailures})`);
  const loginFailureMemorySeconds = duration(env, 'LOGIN_FAILURE_MEMORY', '30d');
  if (loginFailureMemorySeconds < loginFailureWindowSeconds)
    fail('LOGIN_FAILURE_MEMORY', 'must be at least LOGIN_FAILURE_WINDOW');
  return {
    loginMaxFailures,
    loginFailureWindowSeconds,
    loginCooldownSeconds: duration(env, 'LOGIN_COOLDOWN', '15m'),
    loginMaxConsecutiveFailures,
    loginFailureMemorySeconds,
  };
}

/**
 * /metrics tells outsiders how busy the service is and how its flows fail. In development it is
 * open; in production it needs METRICS_TOKEN, or METRICS=false to turn it off, so that a forgotten
 * setting fails at start-up rather than publishing it.
 */
function metricsSettings(env: Env, production: boolean, token: string | null) {
  const enabled = boolean(env, 'METRICS', true);
  if (production && enabled && token === null) {
    fail('METRICS_TOKEN', 'is required when NODE_ENV=production (or set METRICS=false)');
  }
  return { enabled, token };
}

function codeKey(env: Env): string | null {
  const raw = read(env, 'OTO_CODE_KEY');
  if (raw !== undefined) parseCodeKey(raw);
  return raw ?? null;
}

/** OTO_CODE_KEY's bytes: at least 32, written as hex or base64url. */
export function parseCodeKey(raw: string): Buffer {
  const hex = /^[0-9a-fA-F]+$/.test(raw) && raw.length % 2 === 0;
  const base64url = /^[A-Za-z0-9_-]+$/.test(raw);
  const bytes = hex ? Buffer.from(raw, 'hex') : base64url ? Buffer.from(raw, 'base64url') : null;
  if (bytes === null || bytes.length < 32) {
    fail('OTO_CODE_KEY', 'must be at least 32 random bytes, as hex or base64url');
  }
  return bytes;
}

function emailMethod(env: Env, name: string, fallback: EmailMethod): EmailMethod {
  const raw = read(env, name) ?? fallback;
  if (raw !== 'link' && raw !== 'code' && raw !== 'both')
    fail(name, `must be link, code or both, got "${raw}"`);
  return raw;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
