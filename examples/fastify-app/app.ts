// An app that already exists: Fastify, a table of its own (notes), routes of its own. oto joins it
// under /auth, on the same database, and guards the app's /notes with oto's session.
//
//   DATABASE_URL=./data/notes.db PUBLIC_URL=http://localhost:3000 node app.ts
import Fastify from 'fastify';
import { sql } from 'kysely';
import { createOto } from 'oto-tokens';
import { otoPlugin } from 'oto-tokens/fastify';

const env = process.env;
const port = Number(env['PORT'] ?? 3000);

const oto = createOto({
  database: env['DATABASE_URL'] ?? './data/notes.db',
  publicUrl: env['PUBLIC_URL'] ?? `http://localhost:${port}`,
  basePath: '/auth',
  appName: 'Notes',
  // An SMTP server in production; without one, mail waits in the dev mailbox at /auth/dev/mailbox.
  mail: env['SMTP_URL'] ?? 'dev',
  signingKeys: env['OTO_SIGNING_KEYS'],
  outbox: { pollInterval: '1s' },
  onUserCreated: ({ userId }) => {
    app.log.info({ userId }, 'welcome aboard');
  },
});
await oto.migrate();
// The app's own table, beside oto's.
await sql`create table if not exists notes (id integer primary key, user_id text not null, body text not null)`.execute(
  oto.db,
);

const app = Fastify({ logger: { level: 'warn' } });
await app.register(otoPlugin, { oto });

app.get('/', async () => ({ app: 'notes', signUp: '/auth/signup', logIn: '/auth/login' }));

app.get('/notes', { preHandler: app.requireOtoSession }, async (request) => {
  const user = request.otoSession!.user;
  const notes = await oto.db
    .selectFrom('notes')
    .select(['id', 'body'])
    .where('user_id', '=', user.id)
    .execute();
  return { email: user.email, notes };
});

app.post<{ Body: { body: string } }>(
  '/notes',
  {
    preHandler: app.requireOtoSession,
    schema: {
      body: { type: 'object', required: ['body'], properties: { body: { type: 'string', maxLength: 1000 } } },
    },
  },
  async (request, reply) => {
    await oto.db
      .insertInto('notes')
      .values({ user_id: request.otoSession!.user.id, body: request.body.body })
      .execute();
    return reply.status(201).send({ saved: true });
  },
);

const worker = oto.startWorker();
const shutdown = async () => {
  await app.close();
  await worker.stop();
  await oto.close();
  process.exit(0);
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

const address = await app.listen({ port, host: '127.0.0.1' });
console.log(`notes listening on ${address}`);
