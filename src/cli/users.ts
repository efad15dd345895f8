import { userInfo } from 'node:os';
import { deleteAccount } from '../accounts/account-deletion.ts';
import { sendResetLinkAsOperator } from '../accounts/password-reset.ts';
import {
  describeUser,
  listUsers,
  parseUserCursor,
  USER_STATUSES,
  type UserStatus,
  type UserSummary,
} from '../accounts/user-search.ts';
import {
  disableUser,
  enableUser,
  findAccount,
  type Operator,
  revokeSessionsOf,
} from '../accounts/user-status.ts';
import { findUserByEmail } from '../accounts/users.ts';
import { isoTime } from '../clock.ts';
import type { Config } from '../config/config.ts';
import type { Context } from '../context.ts';
import { exitWith, openContext } from './runtime.ts';

/**
 * `oto users …`: the admin API's commands for an operator at a shell. They call the same engine
 * functions as /v1/admin/users (not HTTP), and their audit entries name 'cli:<OS user>' as actor.
 * A user is named by id or by email address.
 */

export interface ListOptions {
  email?: string;
  status?: string;
  cursor?: string;
  limit: number;
  json: boolean;
}

export async function usersList(config: Config, options: ListOptions): Promise<void> {
  if (options.status !== undefined && !(USER_STATUSES as readonly string[]).includes(options.status))
    exitWith(`oto: --status must be one of ${USER_STATUSES.join(', ')}, got "${options.status}"`);
  if (options.limit > 100) exitWith('oto: --limit must be from 1 to 100');
  if (options.cursor !== undefined && parseUserCursor(options.cursor) === null)
    exitWith('oto: --cursor must be the next cursor a previous list printed');
  await withContext(config, async (ctx) => {
    const page = await listUsers(ctx, {
      email: options.email,
      status: options.status as UserStatus | undefined,
      cursor: options.cursor,
      limit: options.limit,
    });
    if (options.json) {
      const users = page.users.map(summaryJson);
      print(JSON.stringify({ users, nextCursor: page.nextCursor }, null, 2));
      return;
    }
    const rows = page.users.map((user) => [user.id, user.email, user.status, isoTime(user.createdAt)]);
    print(table(['ID', 'EMAIL', 'STATUS', 'CREATED'], rows));
    print(page.nextCursor === null ? `${rows.length} users` : `next page: --cursor ${page.nextCursor}`);
  });
}

export async function usersShow(config: Config, who: string, options: { json: boolean }): Promise<void> {
  await withContext(config, async (ctx) => {
    const details = await describeUser(ctx, await userIdOrExit(ctx, who));
    if (details === null) exitWith(`oto: no such user: ${who}`);
    const shown = {
      ...summaryJson(details),
      disabledReason: details.disabledReason,
      subscribed: details.subscribed,
      lastLoginAt: details.lastLoginAt === null ? null : isoTime(details.lastLoginAt),
      sessionCount: details.sessionCount,
    };
    if (options.json) return print(JSON.stringify(shown, null, 2));
    const width = Math.max(...Object.keys(shown).map((key) => key.length));
    print(
      Object.entries(shown)
        .map(([key, value]) => `${key.padEnd(width)}  ${value ?? '-'}`)
        .join('\n'),
    );
  });
}

export async function usersDisable(config: Config, who: string, options: { reason: string }) {
  await withContext(config, async (ctx) => {
    const result = await disableUser(ctx, await userIdOrExit(ctx, who), options.reason, operator());
    if (!result.ok && result.reason === 'invalid_reason') exitWith(`oto: --reason ${result.message}`);
    if (!result.ok) exitWith(`oto: no such user: ${who}`);
    print(
      result.changed
        ? `disabled ${who}: ${result.revokedSessions} sessions and ${result.revokedTokens} links revoked`
        : `${who} was already disabled: nothing changed`,
    );
  });
}

export async function usersEnable(config: Config, who: string) {
  await withContext(config, async (ctx) => {
    const result = await enableUser(ctx, await userIdOrExit(ctx, who), operator());
    if (!result.ok) exitWith(`oto: no such user: ${who}`);
    print(
      result.changed ? `enabled ${who} (now ${result.status})` : `${who} was not disabled: nothing changed`,
    );
  });
}

export async function usersRevokeSessions(config: Config, who: string) {
  await withContext(config, async (ctx) => {
    const result = await revokeSessionsOf(ctx, await userIdOrExit(ctx, who), operator());
    if (!result.ok) exitWith(`oto: no such user: ${who}`);
    print(`revoked ${result.revoked} sessions of ${who}`);
  });
}

/** Irreversible, so it asks for --yes rather than a prompt: scripts must say so too. */
export async function usersDelete(config: Config, who: string, options: { yes: boolean }) {
  if (!options.yes) exitWith(`oto: deleting ${who} cannot be undone; run again with --yes`);
  await withContext(config, async (ctx) => {
    const { actor, ip } = operator();
    const result = await deleteAccount(ctx, { userId: await userIdOrExit(ctx, who), actor, ip });
    if (!result.ok) exitWith(`oto: no such user: ${who}`);
    print(`deleted ${who}: ${result.sessionsRevoked} sessions ended; a notice is queued to the address`);
  });
}

export async function usersSendReset(config: Config, who: string) {
  await withContext(config, async (ctx) => {
    const user = await findAccount(ctx, await userIdOrExit(ctx, who));
    if (user === undefined) exitWith(`oto: no such user: ${who}`);
    const sent = await sendResetLinkAsOperator(ctx, user, operator());
    print(
      sent
        ? `queued a password reset link to ${user.email}`
        : `sent nothing: ${user.disabled_at !== null ? 'the account is disabled' : 'the address reached its hourly cap'}`,
    );
  });
}

export async function withContext(config: Config, run: (ctx: Context) => Promise<void>): Promise<void> {
  const { ctx } = await openContext(config, { logLevel: 'warn' });
  try {
    await run(ctx);
  } finally {
    await ctx.storage.close();
  }
}

/** An address is looked up; anything else is taken for an id (and an unknown one names no one). */
async function userIdOrExit(ctx: Context, who: string): Promise<string> {
  if (!who.includes('@')) return who;
  const user = await findUserByEmail(ctx.db, who);
  if (user === undefined) exitWith(`oto: no such user: ${who}`);
  return user.id;
}

export function operator(): Operator {
  let name = '';
  try {
    name = userInfo().username;
  } catch {
    // No passwd entry for this uid (some containers): the actor is the CLI alone.
  }
  return { actor: name ? `cli:${name}` : 'cli', ip: null };
}

function summaryJson(user: UserSummary) {
  return {
    id: user.id,
    email: user.email,
    status: user.status,
    createdAt: isoTime(user.createdAt),
    verifiedAt: user.verifiedAt === null ? null : isoTime(user.verifiedAt),
    disabledAt: user.disabledAt === null ? null : isoTime(user.disabledAt),
  };
}

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

function print(text: string): void {
  process.stdout.write(`${text}\n`);
}
