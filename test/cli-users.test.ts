import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { insertUser } from './helpers/accounts.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { oto, type Run } from './helpers/cli.ts';
import { KEY_A } from './helpers/flows.ts';
import { DIALECTS } from './helpers/storage.ts';

/**
 * `oto users …` in a process of its own against the database an app serves: what an operator
 * types, what it prints, and what the app's users then meet.
 */

const PASSWORD = 'correct horse battery staple 42';

function ok(result: Run): string {
  assert.equal(result.status, 0, result.stderr);
  return result.stdout;
}

function refused(result: Run, pattern: RegExp) {
  assert.notEqual(result.status, 0);
  assert.equal(result.stdout, '');
  assert.match(result.stderr.trim(), /^oto: /);
  assert.match(result.stderr, pattern);
  assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
}

for (const { dialect, skip } of DIALECTS) {
  describe(`oto users on ${dialect}`, { skip }, () => {
    let t: TestApp;
    let env: Record<string, string>;
    const ids: Record<string, string> = {};
    before(async () => {
      t = await startTestApp(dialect, { OTO_SIGNING_KEYS: KEY_A });
      env = { DATABASE_URL: t.database.url, OTO_SIGNING_KEYS: KEY_A, PUBLIC_URL: 'https://oto.test' };
      for (const [name, verified] of [
        ['ann', true],
        ['ben', false],
        ['cat', true],
      ] as const) {
        t.clock.advance(1000);
        ids[name] = (await insertUser(t.ctx, `${name}@cli.example`, { password: PASSWORD, verified })).id;
      }
    });
    after(() => t?.close());

    const logIn = (email: string) =>
      t.app.inject({ method: 'POST', url: '/v1/sessions', payload: { email, password: PASSWORD } });
    const users = (...args: string[]) => oto(['users', ...args], env);

    test('list prints a table, --json prints JSON, and pages carry on from the cursor they print', async () => {
      const lines = ok(await users('list', '--email', 'cli.example'))
        .trim()
        .split('\n');
      // Nothing matches a prefix of the domain: the filter is a prefix of the whole address.
      assert.match(lines[0]!, /^ID +EMAIL +STATUS +CREATED$/);
      assert.equal(lines.at(-1), '0 users');

      const table = ok(await users('list', '--email', 'b'))
        .trim()
        .split('\n');
      assert.match(
        table[1]!,
        new RegExp(`^${ids['ben']} +ben@cli\\.example +unverified +\\d{4}-\\d\\d-\\d\\dT`),
      );
      assert.equal(table.at(-1), '1 users');

      const all = JSON.parse(ok(await users('list', '--json')));
      assert.deepEqual(
        all.users.map((u: { email: string; status: string }) => [u.email, u.status]),
        [
          ['ann@cli.example', 'active'],
          ['ben@cli.example', 'unverified'],
          ['cat@cli.example', 'active'],
        ],
      );
      assert.equal(all.nextCursor, null);

      const first = ok(await users('list', '--limit', '2'));
      const cursor = /next page: --cursor (\S+)/.exec(first)?.[1];
      assert.ok(cursor, first);
      const rest = JSON.parse(ok(await users('list', '--limit', '2', '--cursor', cursor, '--json')));
      assert.deepEqual(
        rest.users.map((u: { email: string }) => u.email),
        ['cat@cli.example'],
      );
    });

    test('show, by id or by address', async () => {
      const byEmail = JSON.parse(ok(await users('show', 'ann@cli.example', '--json')));
      assert.equal(byEmail.id, ids['ann']);
      assert.equal(byEmail.status, 'active');
      assert.equal(byEmail.sessionCount, 0);
      const text = ok(await users('show', ids['ben']!));
      assert.match(text, /^status +unverified$/m);
      assert.match(text, /^lastLoginAt +-$/m);
    });

    test('disable, then enable: the user is shut out and let back in; the audit names the CLI', async () => {
      assert.equal((await logIn('cat@cli.example')).statusCode, 200);
      const disabled = ok(await users('disable', 'cat@cli.example', '--reason', 'support ticket 42'));
      assert.match(disabled, /^disabled cat@cli\.example: 1 sessions and 0 links revoked$/m);
      const refusedLogin = await logIn('cat@cli.example');
      assert.equal(refusedLogin.statusCode, 403);
      assert.equal(refusedLogin.json().code, 'account_disabled');
      const listed = JSON.parse(ok(await users('list', '--status', 'disabled', '--json')));
      assert.deepEqual(
        listed.users.map((u: { id: string }) => u.id),
        [ids['cat']],
      );
      const entry = await t.ctx.db
        .selectFrom('audit_events')
        .selectAll()
        .where('user_id', '=', ids['cat']!)
        .where('event', '=', 'user.disabled')
        .executeTakeFirstOrThrow();
      assert.match(entry.actor ?? '', /^cli(:.+)?$/);

      assert.match(ok(await users('send-reset', ids['cat']!)), /sent nothing: the account is disabled/);
      assert.match(ok(await users('enable', ids['cat']!)), /^enabled .* \(now active\)$/m);
      assert.equal((await logIn('cat@cli.example')).statusCode, 200);
    });

    test('revoke-sessions and send-reset', async () => {
      await logIn('ann@cli.example');
      await logIn('ann@cli.example');
      assert.match(
        ok(await users('revoke-sessions', 'ann@cli.example')),
        /^revoked 2 sessions of ann@cli\.example$/m,
      );
      assert.match(
        ok(await users('send-reset', 'ann@cli.example')),
        /^queued a password reset link to ann@cli\.example$/m,
      );
      const queued = await t.ctx.db
        .selectFrom('email_outbox')
        .select('kind')
        .where('recipient', '=', 'ann@cli.example')
        .execute();
      assert.deepEqual(
        queued.map((row) => row.kind),
        ['password_reset'],
      );
    });

    test('delete asks for --yes, then deletes the account', async () => {
      t.clock.advance(1000);
      const doomed = await insertUser(t.ctx, 'dee@cli.example', { password: PASSWORD });
      refused(await users('delete', 'dee@cli.example'), /cannot be undone; run again with --yes/);
      assert.equal((await logIn('dee@cli.example')).statusCode, 200, 'without --yes nothing changed');
      assert.match(
        ok(await users('delete', 'dee@cli.example', '--yes')),
        /^deleted dee@cli\.example: 1 sessions ended/m,
      );
      const gone = await t.ctx.db.selectFrom('users').select('id').where('id', '=', doomed.id).execute();
      assert.deepEqual(gone, []);
      const [entry] = await t.ctx.db
        .selectFrom('audit_events')
        .select('actor')
        .where('user_id', '=', doomed.id)
        .where('event', '=', 'user.deleted')
        .execute();
      assert.match(entry?.actor ?? '', /^cli/);
    });

    test('mistakes are one line and a non-zero exit, and change nothing', async () => {
      const before = JSON.stringify(await t.ctx.db.selectFrom('users').selectAll().orderBy('id').execute());
      refused(await users('show', 'nobody@cli.example'), /no such user: nobody@cli\.example/);
      refused(
        await users('disable', '01890000-0000-7000-8000-000000000000', '--reason', 'x'),
        /no such user/,
      );
      refused(await users('disable', ids['ann']!, '--reason', ' '), /--reason must be one line/);
      refused(await users('disable', ids['ann']!), /required option '--reason/);
      refused(await users('list', '--limit', '100000'), /--limit must be from 1 to 100/);
      refused(await users('list', '--cursor', 'bogus!'), /--cursor must be/);
      refused(
        await users('list', '--status', 'sleeping'),
        /--status must be one of unverified, active, disabled/,
      );
      refused(await users('enable'), /missing required argument 'user'/);
      assert.equal(
        JSON.stringify(await t.ctx.db.selectFrom('users').selectAll().orderBy('id').execute()),
        before,
      );
    });
  });
}
