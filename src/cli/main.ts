import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { configOrExit, exitWith, oneLine, settingOrExit } from './exit.ts';
import type { NewsletterSendOptions } from './newsletter.ts';
import type { PreviewOptions } from './templates.ts';
import type { ListOptions } from './users.ts';

// Each command loads its modules when it runs, so `--help` and usage errors answer at once.

const program = new Command()
  .name('oto')
  .description('One-time security tokens for email links: the service, its worker and its maintenance.')
  .version(packageVersion(), '-V, --version', 'print the version')
  .exitOverride();

program
  .command('serve', { isDefault: true })
  .description('run the HTTP server, with the outbox and webhook dispatchers and the purge scheduler')
  .option('--no-worker', 'do not run the background worker in this process')
  .option('--workers <n>', 'HTTP worker processes, a number or auto (default: WEB_CONCURRENCY, or 1)')
  .action(async (options: { worker: boolean; workers?: string }) => {
    const config = configOrExit();
    const { serve } = await import('./serve.ts');
    const { parseWorkers } = await import('../config/web.ts');
    const raw = options.workers;
    const workers =
      raw === undefined ? config.httpWorkers : settingOrExit(() => parseWorkers('--workers', raw));
    await serve(config, { worker: options.worker && config.worker.enabled, workers });
  });

program
  .command('worker')
  .description(
    'run the background worker alone (outbox and webhook dispatchers, purge scheduler), without HTTP',
  )
  .action(async () => {
    const config = configOrExit();
    const { runWorker } = await import('./worker.ts');
    await runWorker(config);
  });

const migrate = program
  .command('migrate')
  .description('apply pending database migrations and print what was applied')
  .action(async () => {
    const { migrateCommand } = await import('./migrate.ts');
    await migrateCommand(configOrExit());
  });

migrate
  .command('status')
  .description('list every migration as applied or pending, and change nothing')
  .action(async () => {
    const { migrateStatusCommand } = await import('./migrate.ts');
    await migrateStatusCommand(configOrExit());
  });

program
  .command('purge')
  .description('run one purge pass now and print the rows deleted per table')
  .option('--dry-run', 'count what a pass would delete, and delete nothing', false)
  .option('--batch-size <rows>', 'rows per statement (default: PURGE_BATCH_SIZE)', positiveInteger)
  .action(async (options: { dryRun: boolean; batchSize?: number }) => {
    const { purgeCommand } = await import('./purge.ts');
    await purgeCommand(configOrExit(), options);
  });

program
  .command('config')
  .description('print the effective configuration, with secrets masked')
  .action(async () => {
    const { showConfig } = await import('./show-config.ts');
    process.stdout.write(showConfig(configOrExit()));
  });

program
  .command('keys')
  .description('manage the signing keys of stateless links (unsubscribe)')
  .command('generate')
  .description('print a new key in OTO_SIGNING_KEYS format; put it first in the list to rotate')
  .action(async () => {
    const { generateSigningKey } = await import('../tokens/signed.ts');
    process.stdout.write(`${generateSigningKey()}\n`);
  });

program
  .command('newsletter')
  .description('send newsletters to subscribed, verified users')
  .command('send')
  .description('queue one message per recipient, each with its own unsubscribe link')
  .requiredOption('--subject <subject>', 'the subject line')
  .requiredOption('--text-file <path>', 'the plain-text body')
  .option('--html-file <path>', 'an HTML body, used as given')
  .option('--send-id <id>', 'idempotency key: repeating a send with the same id never sends twice')
  .action(async (options: NewsletterSendOptions) => {
    const { newsletterSend } = await import('./newsletter.ts');
    await newsletterSend(configOrExit(), options);
  });

program
  .command('templates')
  .description('the emails as recipients get them: built-in, or from TEMPLATES_DIR')
  .command('preview')
  .description('write KIND (or all) with sample data as .html and .txt files, per language')
  .argument('<kind>', 'an email kind, e.g. verify-email, or all')
  .option('--locale <locale>', 'one language (default: every one oto speaks)')
  .option('--out <dir>', 'where to write the files', 'template-preview')
  .action(async (kind: string, options: PreviewOptions) => {
    const { previewCommand } = await import('./templates.ts');
    previewCommand(configOrExit(), kind, options);
  });

const users = program.command('users').description('find accounts and act on them, as the admin API does');

users
  .command('list')
  .description('list accounts, oldest first, a page at a time')
  .option('--email <prefix>', 'addresses starting with this (or exactly this address)')
  .option('--status <status>', 'unverified, active or disabled')
  .option('--cursor <cursor>', 'the next page, as the previous list printed it')
  .option('--limit <n>', 'accounts a page, 1 to 100', positiveInteger, 20)
  .option('--json', 'print JSON instead of a table', false)
  .action(async (options: ListOptions) => {
    const { usersList } = await import('./users.ts');
    await usersList(configOrExit(), options);
  });

users
  .command('show')
  .description('one account: status, dates, last log-in, sessions and subscription')
  .argument('<user>', 'the user id or email address')
  .option('--json', 'print JSON', false)
  .action(async (user: string, options: { json: boolean }) => {
    const { usersShow } = await import('./users.ts');
    await usersShow(configOrExit(), user, options);
  });

users
  .command('disable')
  .description('disable an account: no log-ins or links, and its sessions and live links end now')
  .argument('<user>', 'the user id or email address')
  .requiredOption('--reason <reason>', 'why, for the operators (kept in the audit trail)')
  .action(async (user: string, options: { reason: string }) => {
    const { usersDisable } = await import('./users.ts');
    await usersDisable(configOrExit(), user, options);
  });

users
  .command('enable')
  .description('enable a disabled account again')
  .argument('<user>', 'the user id or email address')
  .action(async (user: string) => {
    const { usersEnable } = await import('./users.ts');
    await usersEnable(configOrExit(), user);
  });

users
  .command('revoke-sessions')
  .description('log an account out everywhere')
  .argument('<user>', 'the user id or email address')
  .action(async (user: string) => {
    const { usersRevokeSessions } = await import('./users.ts');
    await usersRevokeSessions(configOrExit(), user);
  });

users
  .command('delete')
  .description('delete an account and its data, as DELETE /v1/admin/users/{id} does')
  .argument('<user>', 'the user id or email address')
  .option('--yes', 'confirm: the deletion cannot be undone', false)
  .action(async (user: string, options: { yes: boolean }) => {
    const { usersDelete } = await import('./users.ts');
    await usersDelete(configOrExit(), user, options);
  });

users
  .command('send-reset')
  .description('queue the usual password reset email, under the usual per-address cap')
  .argument('<user>', 'the user id or email address')
  .action(async (user: string) => {
    const { usersSendReset } = await import('./users.ts');
    await usersSendReset(configOrExit(), user);
  });

const webhooks = program.command('webhooks').description('webhook endpoints and their deliveries');

webhooks
  .command('list')
  .description('list the endpoints, without their secrets')
  .option('--json', 'print JSON instead of a table', false)
  .action(async (options: { json: boolean }) => {
    const { webhooksList } = await import('./webhooks.ts');
    await webhooksList(configOrExit(), options);
  });

webhooks
  .command('add')
  .description('register an endpoint and print its signing secret, shown only this once')
  .argument('<url>', 'where to POST the events (https in production)')
  .requiredOption('--events <names>', 'comma-separated event names, e.g. user.created,user.deleted')
  .option('--description <text>', 'what the endpoint is for')
  .action(async (url: string, options: { events: string; description?: string }) => {
    const { webhooksAdd } = await import('./webhooks.ts');
    await webhooksAdd(configOrExit(), url, options);
  });

webhooks
  .command('remove')
  .description('remove an endpoint and its deliveries')
  .argument('<id>', 'the endpoint id')
  .action(async (id: string) => {
    const { webhooksRemove } = await import('./webhooks.ts');
    await webhooksRemove(configOrExit(), id);
  });

webhooks
  .command('deliveries')
  .description('recent deliveries, newest first, with their attempts')
  .option('--endpoint <id>', 'only this endpoint')
  .option('--status <status>', 'pending, sending, succeeded or failed')
  .option('--limit <n>', 'deliveries to show, 1 to 100', positiveInteger, 20)
  .option('--json', 'print JSON instead of a table', false)
  .action(async (options: { endpoint?: string; status?: string; limit: number; json: boolean }) => {
    const { webhooksDeliveries } = await import('./webhooks.ts');
    await webhooksDeliveries(configOrExit(), options);
  });

webhooks
  .command('retry')
  .description('send a failed or waiting delivery again now')
  .argument('<id>', 'the delivery id')
  .action(async (id: string) => {
    const { webhooksRetry } = await import('./webhooks.ts');
    await webhooksRetry(configOrExit(), id);
  });

function positiveInteger(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 100_000) {
    throw new InvalidArgumentError(`must be a whole number from 1 to 100000, got "${value}"`);
  }
  return Number(value);
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  return String(pkg.version);
}

/** serve is the default command, so commander would read an unknown command as serve's argument. */
function rejectUnknownCommand(argv: string[]): void {
  const first = argv[2];
  if (first === undefined || first.startsWith('-')) return;
  const names = program.commands.map((command) => command.name());
  if (!names.includes(first)) {
    exitWith(`oto: unknown command '${first}' (commands: ${names.join(', ')}; see oto --help)`);
  }
}

/** A usage error is one line on stderr, naming the problem and the help to read, then exit code 1. */
function oneLineUsageErrors(command: Command, path: string): void {
  // `oto x --help` is the one way to ask; commander's extra `help` subcommands would be listed too.
  command.helpCommand(false);
  command.configureOutput({
    outputError: (message, write) =>
      write(`oto: ${oneLine(message.replace(/^error: /, ''))} (see ${path} --help)\n`),
  });
  for (const sub of command.commands) oneLineUsageErrors(sub, `${path} ${sub.name()}`);
}

try {
  oneLineUsageErrors(program, 'oto');
  rejectUnknownCommand(process.argv);
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode);
  exitWith(`oto: ${oneLine(errorMessage(error))}`);
}

function errorMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // A refused connection to PostgreSQL is an AggregateError with an empty message.
  const code = (error as { code?: string }).code;
  return error.message || (code ? `database connection failed (${code})` : error.name);
}
