import type { Migration } from 'kysely/migration';
import * as core from './0001_core.ts';
import * as outboxClaim from './0002_outbox_claim.ts';
import * as newsletter from './0004_newsletter.ts';
import * as invitations from './0004b_invitations.ts';
import * as purgeIndexes from './0005_purge_indexes.ts';
import * as invitationExpiry from './0005b_invitation_expiry.ts';
import * as passwordResetRequest from './0006_password_reset_request.ts';
import * as loginFailureStreak from './0007_login_failure_streak.ts';
import * as userDisable from './0008_user_disable.ts';
import * as sessionIpPrefix from './0009_session_ip_prefix.ts';
import * as oneTimeCodes from './0011_one_time_codes.ts';
import * as webhooks from './0012_webhooks.ts';
import * as userLocale from './0013_user_locale.ts';
import * as indexDiet from './0014_index_diet.ts';
import * as resetRequestLocales from './0015_reset_request_locales.ts';

/**
 * Every migration, by name. Names sort in the order they apply; once released, a migration never
 * changes: a later one alters what it made (forward-only).
 */
export const migrations: Record<string, Migration> = {
  '0001_core': core,
  '0002_outbox_claim': outboxClaim,
  '0004_newsletter': newsletter,
  '0004b_invitations': invitations,
  '0005_purge_indexes': purgeIndexes,
  '0005b_invitation_expiry': invitationExpiry,
  '0006_password_reset_request': passwordResetRequest,
  '0007_login_failure_streak': loginFailureStreak,
  '0008_user_disable': userDisable,
  '0009_session_ip_prefix': sessionIpPrefix,
  '0011_one_time_codes': oneTimeCodes,
  '0012_webhooks': webhooks,
  '0013_user_locale': userLocale,
  '0014_index_diet': indexDiet,
  '0015_reset_request_locales': resetRequestLocales,
};
