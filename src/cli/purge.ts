import type { Config } from '../config/config.ts';
import { runPurge } from '../jobs/purge.ts';
import { PURGE_TARGETS, type PurgeTarget } from '../jobs/purge-statements.ts';
import { openContext } from './runtime.ts';

export interface PurgeCommandOptions {
  dryRun: boolean;
  batchSize?: number;
}

/**
 * `oto purge [--dry-run]`: one pass now. On a terminal, a line on stderr shows the rows deleted so
 * far while the pass works through millions of rows; the summary goes to stdout either way.
 */
export async function purgeCommand(config: Config, options: PurgeCommandOptions): Promise<void> {
  const effective: Config =
    options.batchSize === undefined
      ? config
      : { ...config, purge: { ...config.purge, batchSize: options.batchSize } };
  const { ctx } = await openContext(effective, { logLevel: 'warn' });
  const interrupt = new AbortController();
  const onSignal = () => interrupt.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const progress = process.stderr.isTTY ? ttyProgress() : undefined;
  const started = performance.now();
  try {
    const result = await runPurge(ctx, {
      dryRun: options.dryRun,
      onProgress: progress?.update,
      signal: interrupt.signal,
    });
    progress?.done();
    if (result.skipped) {
      process.stdout.write('purge skipped: another instance is purging right now\n');
      return;
    }
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(summary(result.counts, options.dryRun, seconds, interrupt.signal.aborted));
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await ctx.storage.close();
  }
}

const NOTES: Partial<Record<PurgeTarget, string>> = {
  login_failures: 'stale login-throttle rows: window passed, no cool-down running',
  code_budgets: 'code attempt budgets with no live code and no cool-down running',
};

function summary(counts: Record<PurgeTarget, number>, dryRun: boolean, seconds: number, stopped: boolean) {
  const width = Math.max(...PURGE_TARGETS.map((t) => t.length));
  const digits = Math.max(...PURGE_TARGETS.map((t) => counts[t].toLocaleString('en').length));
  const lines = PURGE_TARGETS.map((t) => {
    const note = NOTES[t] ? `  (${NOTES[t]})` : '';
    return `  ${t.padEnd(width)}  ${counts[t].toLocaleString('en').padStart(digits)}${note}`;
  });
  const total = PURGE_TARGETS.reduce((sum, t) => sum + counts[t], 0).toLocaleString('en');
  if (dryRun)
    return `dry run: a purge now would delete\n${lines.join('\n')}\ntotal: ${total} rows; nothing was deleted\n`;
  const end = stopped ? '; interrupted, run it again to finish' : '';
  return `purged\n${lines.join('\n')}\ntotal: ${total} rows in ${seconds.toFixed(1)} s${end}\n`;
}

function ttyProgress() {
  let last = Number.NEGATIVE_INFINITY; // the first batch always shows
  return {
    update(target: PurgeTarget, rows: number) {
      const now = performance.now();
      if (now - last < 100) return;
      last = now;
      process.stderr.write(`\r\x1b[K  ${target}: ${rows.toLocaleString('en')} rows…`);
    },
    done() {
      process.stderr.write('\r\x1b[K');
    },
  };
}
