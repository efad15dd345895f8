import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startWorker } from '../src/jobs/worker.ts';
import { queueMail } from '../src/mail/queue.ts';
import { generateSigningKey } from '../src/tokens/signed.ts';
import { createMailTestContext, type MailTestContext } from './helpers/mail.ts';
import { NODE_TS } from './helpers/node.ts';
import { startSmtpServer, type TestSmtpServer } from './helpers/smtp.ts';
import { DIALECTS } from './helpers/storage.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
// Given, so that no child process needs (or writes) a development key file.
const SIGNING_KEYS = generateSigningKey();

/** Runs the oto command in a child process, with exactly the environment given (plus PATH). */
function oto(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [...NODE_TS, 'src/cli/main.ts', ...args], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', LOG_LEVEL: 'warn', OTO_SIGNING_KEYS: SIGNING_KEYS, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr!.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return {
    child,
    exited,
    stdout: () => stdout,
    stderr: () => stderr,
    async waitForOutput(pattern: RegExp, timeoutMs = 15_000): Promise<RegExpMatchArray> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = stdout.match(pattern);
        if (match) return match;
        if (child.exitCode !== null || Date.now() > deadline) {
          throw new Error(`no ${pattern} in output; stdout: ${stdout}; stderr: ${stderr}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
  };
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>) {
  if (child.exitCode === null) child.kill('SIGTERM');
  return exited;
}

for (const { dialect, skip } of DIALECTS) {
  describe(`worker on ${dialect}`, { skip }, () => {
    let smtp: TestSmtpServer;
    let t: MailTestContext;

    before(async () => {
      smtp = await startSmtpServer();
    });
    after(() => smtp?.close());
    beforeEach(async () => {
      smtp.clear();
      t = await createMailTestContext(dialect, { SMTP_URL: smtp.url });
    });
    afterEach(() => t?.close());

    const enqueue = (to: string) =>
      queueMail(t.ctx, t.ctx.db, 'password_reset', to, {
        link: 'https://oto.test/reset-password?token=x',
        validFor: '1 hour',
      });
    const statuses = async () =>
      (await t.ctx.db.selectFrom('email_outbox').select('status').orderBy('id').execute()).map(
        (r) => r.status,
      );

    test('startWorker delivers the outbox and counts what it sent in the metrics', async () => {
      await enqueue('a@example.com');
      await enqueue('b@example.com');
      const worker = startWorker(t.ctx);
      try {
        await smtp.waitForMessages(2);
      } finally {
        await worker.stop();
      }
      assert.deepEqual(await statuses(), ['sent', 'sent']);
      const metrics = await t.ctx.metrics.registry.getSingleMetricAsString('oto_emails_total');
      assert.match(metrics, /oto_emails_total\{kind="password_reset",status="sent"\} 2/);
    });

    test('stop leaves nothing claimed: every message is sent or back to pending', async () => {
      for (let i = 0; i < 20; i++) await enqueue(`user${i}@example.com`);
      const worker = startWorker(t.ctx);
      await worker.stop();
      const after = await statuses();
      assert.ok(
        after.every((s) => s === 'sent' || s === 'pending'),
        after.join(),
      );
      // Stopping twice is harmless.
      await worker.stop();
    });

    test('a second periodic job runs beside the dispatcher and stops with it', async () => {
      await enqueue('a@example.com');
      let rounds = 0;
      let sawAbort = false;
      const worker = startWorker(t.ctx, {
        jobs: [
          {
            name: 'counter',
            intervalMs: 60_000,
            async run(signal) {
              rounds++;
              signal.addEventListener('abort', () => {
                sawAbort = true;
              });
              return false;
            },
          },
        ],
      });
      await smtp.waitForMessages(1);
      await worker.stop();
      assert.equal(rounds, 1, 'ran once, then waited for its interval');
      assert.ok(sawAbort);
    });

    test('a job with an initial delay does not run before it, and stopping cuts the wait short', async () => {
      let rounds = 0;
      const worker = startWorker(t.ctx, {
        jobs: [
          {
            name: 'later',
            intervalMs: 1000,
            initialDelayMs: 60_000,
            async run() {
              rounds++;
              return false;
            },
          },
        ],
      });
      await worker.stop();
      assert.equal(rounds, 0);
    });

    test('`oto worker` delivers without HTTP and stops cleanly on SIGTERM', async () => {
      await enqueue('cli@example.com');
      const run = oto(['worker'], {
        DATABASE_URL: t.database.url,
        SMTP_URL: smtp.url,
        PUBLIC_URL: 'https://oto.test',
      });
      try {
        const [mail] = await smtp.waitForMessages(1, 15_000);
        assert.equal(mail!.envelope.to[0], 'cli@example.com');
        await run.waitForOutput(/oto worker started \(SMTP transport\)/);
      } finally {
        assert.equal(await stopChild(run.child, run.exited), 0, run.stderr());
      }
      assert.deepEqual(await statuses(), ['sent']);
    });

    test('`oto serve` with the dev transport prints where the mailbox is and delivers into it', async () => {
      const id = await enqueue('dev@example.com');
      const run = oto(['serve'], {
        DATABASE_URL: t.database.url,
        PORT: '0',
        PUBLIC_URL: 'http://localhost:3000',
      });
      try {
        const [, origin] = await run.waitForOutput(/oto listening on (http:\/\/[^\s]+)/);
        await run.waitForOutput(/^dev mailbox: http:\/\/localhost:3000\/dev\/mailbox$/m);
        let listed: Array<{ id: string }> = [];
        for (let i = 0; i < 200 && listed.length === 0; i++) {
          const response = await fetch(`${origin}/dev/mailbox.json`);
          listed = ((await response.json()) as { messages: Array<{ id: string }> }).messages;
          if (listed.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
        }
        assert.deepEqual(
          listed.map((m) => m.id),
          [id],
        );
      } finally {
        assert.equal(await stopChild(run.child, run.exited), 0, run.stderr());
      }
      assert.deepEqual(await statuses(), ['sent']);
    });

    test('`oto serve --no-worker` (or RUN_WORKER=false) runs no dispatcher', async () => {
      for (const [args, env] of [
        [['serve', '--no-worker'], {}],
        [['serve'], { RUN_WORKER: 'false' }],
      ] as const) {
        const run = oto([...args], { DATABASE_URL: t.database.url, PORT: '0', SMTP_URL: smtp.url, ...env });
        try {
          await run.waitForOutput(/worker disabled in this process/);
          assert.doesNotMatch(run.stdout(), /dev mailbox:/, 'no dev mailbox with SMTP configured');
        } finally {
          assert.equal(await stopChild(run.child, run.exited), 0, run.stderr());
        }
      }
    });
  });
}

describe('mail configuration at start-up', () => {
  test('production without SMTP_URL refuses to start rather than publish a dev mailbox', async () => {
    for (const command of ['serve', 'worker']) {
      const run = oto([command], {
        NODE_ENV: 'production',
        PUBLIC_URL: 'https://auth.example.com',
        METRICS: 'false',
        DATABASE_URL: ':memory:',
        PORT: '0',
      });
      assert.equal(await run.exited, 1);
      assert.match(run.stderr(), /configuration error: SMTP_URL: is required when NODE_ENV=production/);
    }
  });
});
