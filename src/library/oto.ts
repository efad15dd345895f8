import type { Kysely } from 'kysely';
import type { Config } from '../config/config.ts';
import { ConfigError, type Env } from '../config/env.ts';
import { configFromSettings, type OtoSettings } from '../config/options.ts';
import { type Context, createContext } from '../context.ts';
import { openStorage, schemaOf } from '../db/connect.ts';
import { migrateToLatest } from '../db/migrate.ts';
import type { Storage } from '../db/schema.ts';
import { EVENT_HANDLERS, type EventHandler, type EventHandlers, type OtoEventName } from '../events.ts';
import { purgeJob } from '../jobs/purge-job.ts';
import { startWorker, type Worker } from '../jobs/worker.ts';
import { createLogger, type Logger } from '../logging.ts';
import { type AppMail, appTransport } from '../mail/app-transport.ts';
import { mailConfigProblem } from '../mail/transport.ts';
import { keyRingFor } from '../tokens/keyring.ts';
import { type LibraryAdmin, libraryAdmin } from './admin.ts';
import { type DatabaseOption, databaseUrl } from './database.ts';
import { type FetchOptions, fetchHandler } from './fetch.ts';
import { type LibraryFlows, libraryFlows } from './flows.ts';
import { schemaScope } from './schema-scope.ts';
import { type LibrarySignInEmail, librarySignInEmail } from './sign-in.ts';
import { type LibraryTokens, libraryTokens } from './tokens.ts';
import { type LibraryWebhooks, libraryWebhooks } from './webhooks.ts';

export interface OtoOptions extends OtoSettings, EventHandlers {
  /**
   * Where oto keeps its tables: a postgres:// URL, a SQLite file path (or sqlite:…, ':memory:'),
   * or the app's own pg.Pool, whose connection settings oto reuses for a small pool of its own
   * (see database.ts for why). Default: ./data/oto.db.
   */
  database?: DatabaseOption;
  /**
   * How mail leaves the outbox: 'dev' (kept for the dev mailbox; the default outside production),
   * an smtp:// URL, nodemailer transport options, a nodemailer transporter, or `{ send(message) }`.
   */
  mail?: 'dev' | string | AppMail;
  /** A pino logger (a Fastify app's `app.log` is one). Default: JSON lines on stdout at logLevel. */
  logger?: Logger;
}

export interface Oto extends LibraryFlows {
  readonly config: Config;
  /** oto's own Kysely handle: on SQLite, the app's transactions that include oto.tokens run here. */
  // biome-ignore lint/suspicious/noExplicitAny: oto's tables are oto's business; the handle is for transactions.
  readonly db: Kysely<any>;
  readonly tokens: LibraryTokens;
  /** What the admin API does (find, disable, enable, log out, send links), with the app's operator as actor. */
  readonly admin: LibraryAdmin;
  /** Webhook endpoints and their deliveries, as /v1/webhooks manages them (docs/webhooks.md). */
  readonly webhooks: LibraryWebhooks;
  /** Passwordless sign-in by email (option signInEmail), for an app with its own pages. */
  readonly signInEmail: LibrarySignInEmail;
  /** Applies pending migrations; safe to call on every start, from many instances at once. */
  migrate(): Promise<{ applied: string[] }>;
  /** Delivers the outbox and runs the purge in this process until stop() or close(). */
  startWorker(): Worker;
  /** Calls `handler` after each committed event of that name; returns a function that unsubscribes. */
  on<E extends OtoEventName>(event: E, handler: EventHandler<E>): () => void;
  /** The HTTP surface (JSON API, pages) as a web-standard handler: Hono, Bun, Deno, Next.js. */
  fetch(request: Request, options?: FetchOptions): Promise<Response>;
  /** Stops the workers started here, the HTTP surface, and closes the database oto opened. */
  close(): Promise<void>;
}

/** What stands behind each Oto, for the adapters of this package (fastify.ts, node.ts) only. */
const internals = new WeakMap<Oto, { ctx: Context; http: ReturnType<typeof fetchHandler> }>();

function internalsOf(oto: Oto) {
  const found = internals.get(oto);
  if (found === undefined) throw new TypeError('not an oto instance: create it with createOto()');
  return found;
}

export const contextOf = (oto: Oto): Context => internalsOf(oto).ctx;

/** The ready Fastify application behind oto.fetch, which the Node adapter routes into. */
export const httpAppOf = (oto: Oto) => internalsOf(oto).http.app();

/**
 * Library mode: the same engine and flows as the service, over the app's database, without a
 * server of its own. Synchronous: nothing connects until the first statement (call migrate()).
 */
export function createOto(options: OtoOptions = {}): Oto {
  const { mail = 'dev' } = options;
  const extra: Env = { DATABASE_URL: databaseUrl(options.database) };
  if (typeof mail === 'string' && mail !== 'dev') extra['SMTP_URL'] = mail;
  const loaded = configFromSettings(options, extra);
  const appDelivers = typeof mail === 'object';
  const config: Config = appDelivers ? { ...loaded, mail: { ...loaded.mail, delivery: 'app' } } : loaded;
  const problem = mailConfigProblem(config);
  if (problem) throw new ConfigError(`option mail (${problem})`);
  keyRingFor(config);

  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const schema = schemaOf(config.database);
  const storage: Storage = openStorage(config.database, {
    poolSize: config.dbPoolSize,
    poolTimeoutMs: config.dbPoolTimeoutMs,
  });
  const ctx = createContext(config, storage, logger);
  for (const [option, event] of Object.entries(EVENT_HANDLERS)) {
    const handler = options[option as keyof EventHandlers];
    if (handler !== undefined) ctx.events.on(event, handler as EventHandler<typeof event>);
  }
  const appMailTransport = appDelivers ? appTransport(mail) : undefined;
  const workers = new Set<Worker>();
  const http = fetchHandler(ctx);

  const oto: Oto = {
    config,
    db: ctx.db,
    tokens: libraryTokens(ctx, schemaScope(schema)),
    ...libraryFlows(ctx),
    admin: libraryAdmin(ctx),
    webhooks: libraryWebhooks(ctx),
    signInEmail: librarySignInEmail(ctx),
    migrate: () => migrateToLatest(ctx.db, { schema }),
    startWorker() {
      const worker = startWorker(ctx, {
        jobs: [purgeJob(ctx)],
        ...(appMailTransport ? { transport: appMailTransport } : {}),
      });
      workers.add(worker);
      return {
        async stop() {
          workers.delete(worker);
          await worker.stop();
        },
      };
    },
    on: (event, handler) => ctx.events.on(event, handler),
    fetch: http.fetch,
    async close() {
      await Promise.all([...workers].map((worker) => worker.stop()));
      workers.clear();
      await http.close();
      await appMailTransport?.close();
      await storage.close();
    },
  };
  internals.set(oto, { ctx, http });
  return oto;
}
