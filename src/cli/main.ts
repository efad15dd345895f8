import { Command, CommanderError } from 'commander';
import { openStorage } from '../db/connect.ts';
import { migrateToLatest } from '../db/migrate.ts';
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

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode);
  exitWith(`oto: ${error instanceof Error ? error.message : String(error)}`);
}
