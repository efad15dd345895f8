import { Command, CommanderError } from 'commander';
import { openStorage } from '../db/connect.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { generateSigningKey } from '../tokens/signed.ts';
import { type NewsletterSendOptions, newsletterSend } from './newsletter.ts';
import { configOrExit, exitWith } from './runtime.ts';
import { serve } from './serve.ts';
import { runWorker } from './worker.ts';

const program = new Command()
  .name('oto')
  .description('One-time security tokens for email links: the service, its worker and its maintenance.')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

program
  .command('serve', { isDefault: true })
  .description('run the HTTP server, with the outbox dispatcher and the purge scheduler')
  .option('--no-worker', 'do not run the background worker in this process')
  .action(async (options: { worker: boolean }) => {
    const config = configOrExit();
    await serve(config, { worker: options.worker && config.worker.enabled });
  });

program
  .command('worker')
  .description('run the background worker alone (outbox dispatcher and scheduled jobs), without HTTP')
  .action(async () => {
    await runWorker(configOrExit());
  });

program
  .command('migrate')
  .description('apply pending database migrations and print what was applied')
  .action(async () => {
    const config = configOrExit();
    const storage = openStorage(config.database, { poolSize: 1 });
    try {
      const { applied } = await migrateToLatest(storage.db);
      process.stdout.write(
        applied.length ? `applied: ${applied.join(', ')}\n` : 'nothing to apply: up to date\n',
      );
    } finally {
      await storage.close();
    }
  });

program
  .command('keys')
  .description('manage the signing keys of stateless links (unsubscribe)')
  .command('generate')
  .description('print a new key in OTO_SIGNING_KEYS format; put it first in the list to rotate')
  .action(() => {
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
  .action((options: NewsletterSendOptions) => newsletterSend(configOrExit(), options));

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode);
  exitWith(`oto: ${error instanceof Error ? error.message : String(error)}`);
}
