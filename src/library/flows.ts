import { deleteOwnAccount, type OwnDeletionResult } from '../accounts/account-deletion.ts';
import { type AccountExport, exportAccount } from '../accounts/account-export.ts';
import { type SendActionCodeResult, type SensitiveAction, sendActionCode } from '../accounts/action-codes.ts';
import { type ChangePasswordResult, changePassword } from '../accounts/change-password.ts';
import {
  type DeviceSessionView,
  deviceSessionView,
  listSessions,
  type RevokeOthersResult,
  revokeOtherSessions,
  revokeOwnSession,
} from '../accounts/devices.ts';
import {
  type ConfirmChangeResult,
  confirmEmailChange,
  requestEmailChange,
} from '../accounts/email-change.ts';
import type { InputError } from '../accounts/input.ts';
import { logIn } from '../accounts/login.ts';
import type { Cooldown } from '../accounts/login-throttle.ts';
import { logOut } from '../accounts/logout.ts';
import { type ResetResult, requestPasswordReset, resetPassword } from '../accounts/password-reset.ts';
import { resendVerification } from '../accounts/resend-verification.ts';
import { type ResetByCodeResult, resetPasswordByCode } from '../accounts/reset-by-code.ts';
import { type CreatedSession, lookupSession, revokeUserSessions } from '../accounts/sessions.ts';
import { signUp } from '../accounts/signup.ts';
import { localeError, setUserLocale } from '../accounts/user-locale.ts';
import { findUserById, publicUser } from '../accounts/users.ts';
import { type VerifyByCodeResult, verifyEmailByCode } from '../accounts/verify-by-code.ts';
import { type VerifyResult, verifyEmail } from '../accounts/verify-email.ts';
import { isoTime } from '../clock.ts';
import type { Context } from '../context.ts';
import type { User } from '../db/schema.ts';
import { supportedLocale } from '../i18n/locales.ts';
import { type AcceptResult, acceptInvitation } from '../invitations/accepting.ts';
import { type InvitationView, invite } from '../invitations/inviting.ts';
import { setSubscribed, unsubscribeTokenUser } from '../newsletter/subscription.ts';
import type { ConsumeFailure } from '../tokens/tokens.ts';
import { transact } from '../webhooks/record.ts';

/**
 * The flows of library mode: the functions the HTTP routes call, with the database rows turned into
 * what the API shows (no hash, no token digest) and times as ISO 8601 text. `ip` and `userAgent` are
 * the end user's, for the audit log and the session list; pass them when the app knows them.
 */

export type PublicUser = ReturnType<typeof publicUser>;
export type { InputError };

export interface Origin {
  ip?: string | null;
  userAgent?: string | null;
}

export interface SessionView {
  id: string;
  userId: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
}

export type LogInResult =
  | { ok: true; user: PublicUser; session: SessionView; sessionToken: string }
  | { ok: false; reason: 'invalid_input'; errors: InputError[] }
  | { ok: false; reason: 'invalid_credentials' | 'email_not_verified' | 'account_disabled' }
  | ({ ok: false; reason: 'cooling_down' } & Cooldown);

export type AcceptInvitationResult =
  | { ok: true; status: 'account_created'; userId: string; session: SessionView; sessionToken: string }
  | Exclude<AcceptResult, { ok: true; status: 'account_created' }>;

type Unknown = { ok: false; reason: 'unknown' };

export type { DeviceSessionView };

export interface LibraryFlows {
  /**
   * Always the same answer for valid input, whether or not the address has an account. `locale`:
   * the account's language (en, de; 'de-AT' is de), else DEFAULT_LOCALE; another is an input error.
   */
  signUp(
    input: { email: string; password: string; locale?: string } & Origin,
  ): Promise<{ ok: true } | { ok: false; errors: InputError[] }>;
  resendVerification(
    input: { email: string } & Origin,
  ): Promise<{ ok: true } | { ok: false; errors: InputError[] }>;
  verifyEmail(input: { token: string } & Origin): Promise<VerifyResult>;
  /** With the emailed code, when methods.verifyEmail allows codes; every refusal is code_invalid. */
  verifyEmailByCode(input: { email: string; code: string } & Origin): Promise<VerifyByCodeResult>;
  logIn(input: { email: string; password: string } & Origin): Promise<LogInResult>;
  sessions: {
    /** The live session a token names, with its user, or null; counts as activity. */
    lookup(sessionToken: string): Promise<{ session: SessionView; user: PublicUser } | null>;
    /** Log out: ends the session the token names. False when it was not live. */
    revoke(sessionToken: string, origin?: Origin): Promise<boolean>;
    /** Ends every session of a user; resolves to how many. */
    revokeAll(userId: string): Promise<number>;
  };
  requestPasswordReset(
    input: { email: string } & Origin,
  ): Promise<{ ok: true } | { ok: false; errors: InputError[] }>;
  resetPassword(input: { token: string; password: string } & Origin): Promise<ResetResult>;
  /** With the emailed code, when methods.resetPassword allows codes; the password is judged first. */
  resetPasswordByCode(
    input: { email: string; code: string; password: string } & Origin,
  ): Promise<ResetByCodeResult>;
  /** `sessionId` is the session that asks: it stays; every other one ends. */
  changePassword(
    input: {
      userId: string;
      sessionId: string;
      currentPassword?: string;
      code?: string;
      newPassword: string;
    } & Origin,
  ): Promise<ChangePasswordResult | Unknown>;
  /** The user's live sessions; `currentSessionId` marks the one of the request, first. */
  listSessions(input: { userId: string; currentSessionId?: string }): Promise<DeviceSessionView[]>;
  /** Logs out one of the user's own sessions; false for any id that is not one of them. */
  revokeSession(input: { userId: string; sessionId: string } & Origin): Promise<boolean>;
  /** Log out of every other device: every session of the user but `sessionId`, with the password
   * (or, for an account without one, the code from requestActionCode). */
  revokeOtherSessions(
    input: { userId: string; sessionId: string; currentPassword?: string; code?: string } & Origin,
  ): Promise<RevokeOthersResult | Unknown>;
  /** Emails an account without a password the code for one sensitive action. */
  requestActionCode(input: {
    userId: string;
    action: SensitiveAction;
  }): Promise<SendActionCodeResult | Unknown>;
  requestEmailChange(
    input: { userId: string; newEmail: string; password?: string; code?: string } & Origin,
  ): Promise<Awaited<ReturnType<typeof requestEmailChange>> | Unknown>;
  confirmEmailChange(
    input: { token: string; userId: string; sessionId: string } & Origin,
  ): Promise<ConfirmChangeResult>;
  invite(
    input: { inviterId: string; email: string; scope?: string; role?: string } & Origin,
  ): Promise<Awaited<ReturnType<typeof invite>> | Unknown>;
  acceptInvitation(
    input: { token: string; password?: string; userId?: string } & Origin,
  ): Promise<AcceptInvitationResult | Unknown>;
  /** From the signed token of an unsubscribe link. */
  unsubscribe(
    input: { token: string } & Origin,
  ): Promise<{ ok: true } | { ok: false; reason: ConsumeFailure }>;
  setSubscribed(input: { userId: string; subscribed: boolean } & Origin): Promise<{ changed: boolean }>;
  /** The language of the user's emails and of oto's pages for them; null for DEFAULT_LOCALE. */
  setLocale(input: {
    userId: string;
    locale: string | null;
  }): Promise<{ ok: true } | { ok: false; errors: InputError[] }>;
  getUser(userId: string): Promise<PublicUser | null>;
  /** The user deletes their account, with their current password (DELETE /v1/me). */
  deleteAccount(
    input: { userId: string; currentPassword?: string; code?: string } & Origin,
  ): Promise<OwnDeletionResult>;
  /** Everything oto holds about the user (GET /v1/me/export); null for an unknown id. */
  exportAccount(userId: string): Promise<AccountExport | null>;
}

export type { AccountExport, InvitationView, OwnDeletionResult };

export function libraryFlows(ctx: Context): LibraryFlows {
  const ip = (origin: Origin) => origin.ip ?? null;
  const user = (id: string): Promise<User | undefined> => findUserById(ctx.db, id);
  return {
    async signUp(input) {
      const locale = input.locale === undefined ? null : supportedLocale(input.locale);
      if (locale === undefined) return { ok: false, errors: [localeError()] };
      return signUp(ctx, { email: input.email, password: input.password, ip: ip(input), locale });
    },
    resendVerification: (input) => resendVerification(ctx, { email: input.email, ip: ip(input) }),
    verifyEmail: (input) => verifyEmail(ctx, input.token, ip(input)),
    verifyEmailByCode: (input) =>
      verifyEmailByCode(ctx, { email: input.email, code: input.code, ip: ip(input) }),
    async logIn(input) {
      const result = await logIn(ctx, {
        email: input.email,
        password: input.password,
        ip: ip(input),
        userAgent: input.userAgent ?? null,
      });
      if (!result.ok) return result;
      return { ok: true, user: publicUser(result.user), ...sessionOf(result.created) };
    },
    sessions: {
      async lookup(sessionToken) {
        const active = await lookupSession(ctx, sessionToken);
        return active && { session: sessionView(active.session), user: publicUser(active.user) };
      },
      async revoke(sessionToken, origin = {}) {
        const active = await lookupSession(ctx, sessionToken);
        if (active === null) return false;
        await logOut(ctx, { sessionId: active.session.id, userId: active.user.id }, ip(origin));
        return true;
      },
      revokeAll: (userId) =>
        transact(ctx, (trx) => revokeUserSessions(ctx, trx, userId, { reason: 'app_revoked' })),
    },
    requestPasswordReset: (input) => requestPasswordReset(ctx, { email: input.email, ip: ip(input) }),
    resetPassword: (input) =>
      resetPassword(ctx, { token: input.token, password: input.password, ip: ip(input) }),
    resetPasswordByCode: (input) =>
      resetPasswordByCode(ctx, {
        email: input.email,
        code: input.code,
        password: input.password,
        ip: ip(input),
      }),
    async changePassword(input) {
      const found = await user(input.userId);
      if (found === undefined) return { ok: false, reason: 'unknown' };
      return changePassword(ctx, {
        user: found,
        sessionId: input.sessionId,
        currentPassword: input.currentPassword ?? '',
        code: input.code,
        newPassword: input.newPassword,
        ip: ip(input),
      });
    },
    async listSessions(input) {
      const sessions = await listSessions(ctx, input.userId, input.currentSessionId ?? null);
      return sessions.map(deviceSessionView);
    },
    revokeSession: (input) =>
      revokeOwnSession(ctx, { userId: input.userId, sessionId: input.sessionId, ip: ip(input) }),
    async revokeOtherSessions(input) {
      const found = await user(input.userId);
      if (found === undefined) return { ok: false, reason: 'unknown' };
      return revokeOtherSessions(ctx, {
        user: found,
        sessionId: input.sessionId,
        password: input.currentPassword ?? '',
        code: input.code,
        ip: ip(input),
      });
    },
    async requestActionCode(input) {
      const found = await user(input.userId);
      if (found === undefined) return { ok: false, reason: 'unknown' };
      return sendActionCode(ctx, { user: found, action: input.action });
    },
    async requestEmailChange(input) {
      const found = await user(input.userId);
      if (found === undefined) return { ok: false, reason: 'unknown' };
      return requestEmailChange(ctx, {
        user: found,
        newEmail: input.newEmail,
        password: input.password ?? '',
        code: input.code,
        ip: ip(input),
      });
    },
    confirmEmailChange: (input) =>
      confirmEmailChange(ctx, {
        token: input.token,
        userId: input.userId,
        sessionId: input.sessionId,
        ip: ip(input),
      }),
    async invite(input) {
      const inviter = await user(input.inviterId);
      if (inviter === undefined) return { ok: false, reason: 'unknown' };
      return invite(ctx, inviter, { email: input.email, scope: input.scope, role: input.role }, ip(input));
    },
    async acceptInvitation(input) {
      const sessionUser = input.userId === undefined ? null : await user(input.userId);
      if (sessionUser === undefined) return { ok: false, reason: 'unknown' };
      const result = await acceptInvitation(ctx, {
        token: input.token,
        password: input.password,
        sessionUser,
        ip: ip(input),
        userAgent: input.userAgent ?? null,
      });
      if (!result.ok || result.status !== 'account_created') return result;
      return { ok: true, status: 'account_created', userId: result.userId, ...sessionOf(result.session) };
    },
    async unsubscribe(input) {
      const userId = unsubscribeTokenUser(ctx, input.token);
      if (userId === null) return { ok: false, reason: 'unknown' };
      await setSubscribed(ctx, userId, false, ip(input));
      return { ok: true };
    },
    async setSubscribed(input) {
      const change = await setSubscribed(ctx, input.userId, input.subscribed, ip(input));
      return { changed: change === 'changed' };
    },
    async setLocale(input) {
      const locale = input.locale === null ? null : supportedLocale(input.locale);
      if (locale === undefined) return { ok: false, errors: [localeError()] };
      await setUserLocale(ctx, input.userId, locale);
      return { ok: true };
    },
    async getUser(userId) {
      const found = await user(userId);
      return found === undefined ? null : publicUser(found);
    },
    async deleteAccount(input) {
      const found = await user(input.userId);
      if (found === undefined) return { ok: false, reason: 'unknown' };
      return deleteOwnAccount(ctx, {
        user: found,
        currentPassword: input.currentPassword ?? '',
        code: input.code,
        ip: ip(input),
      });
    },
    exportAccount: (userId) => exportAccount(ctx, userId),
  };
}

export function sessionOf(created: CreatedSession): { session: SessionView; sessionToken: string } {
  return { session: sessionView(created.session), sessionToken: created.token };
}

function sessionView(session: CreatedSession['session']): SessionView {
  return {
    id: session.id,
    userId: session.userId,
    createdAt: isoTime(session.createdAt),
    lastSeenAt: isoTime(session.lastSeenAt),
    expiresAt: isoTime(session.expiresAt),
  };
}
