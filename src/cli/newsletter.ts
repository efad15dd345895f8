import { readFileSync } from 'node:fs';
import type { Config } from '../config/config.ts';
import { newId } from '../db/ids.ts';
import { IdempotencyKeyReused, sendNewsletter } from '../newsletter/send.ts';
import { exitWith, openContext } from './runtime.ts';

export interface NewsletterSendOptions {
  subject: string;
  textFile: string;
  htmlFile?: string;
  sendId?: string;
}

/**
 * `oto newsletter send`: the CLI twin of POST /v1/newsletters. Without --send-id it makes one up and
 * prints it, so that an interrupted run can be repeated with it: the repeat then resumes where the
 * first stopped, or does nothing if it had finished.
 */
export async function newsletterSend(config: Config, options: NewsletterSendOptions): Promise<void> {
  const subject = options.subject.trim();
  if (subject === '' || subject.length > 200 || /\p{Cc}/u.test(subject)) {
    exitWith('oto: --subject must be one line of 1 to 200 characters');
  }
  const text = readText(options.textFile, '--text-file');
  const html = options.htmlFile === undefined ? null : readText(options.htmlFile, '--html-file');
  const sendId = options.sendId ?? newId();
  if (!/^[\x21-\x7e]{1,255}$/.test(sendId))
    exitWith('oto: --send-id must be 1 to 255 printable ASCII characters');

  const { ctx } = await openContext(config);
  try {
    const result = await sendNewsletter(ctx, { subject, text, html }, { idempotencyKey: sendId });
    process.stdout.write(
      result.replayed
        ? `send ${sendId} was already done: ${result.queued} messages queued then, nothing queued now\n`
        : `queued ${result.queued} messages (send id ${sendId}; repeat with --send-id ${sendId} to retry safely)\n`,
    );
  } catch (error) {
    if (error instanceof IdempotencyKeyReused)
      exitWith(`oto: --send-id ${sendId} was used for another newsletter`);
    throw error;
  } finally {
    await ctx.storage.close();
  }
}

function readText(path: string, option: string): string {
  try {
    const text = readFileSync(path, 'utf8');
    if (text.trim() === '') exitWith(`oto: ${option} ${path} is empty`);
    return text;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === undefined) throw error;
    exitWith(`oto: cannot read ${option} ${path}: ${(error as Error).message}`);
  }
}
