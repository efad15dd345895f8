import type { JSONSchema } from 'json-schema-to-ts';
import * as accountData from '../http/schemas/account-data.ts';
import * as accountSecurity from '../http/schemas/account-security.ts';
import * as accounts from '../http/schemas/accounts.ts';
import * as activity from '../http/schemas/activity.ts';
import * as adminUsers from '../http/schemas/admin-users.ts';
import * as emailChange from '../http/schemas/email-change.ts';
import * as invitations from '../http/schemas/invitations.ts';
import * as newsletters from '../http/schemas/newsletters.ts';
import * as sessions from '../http/schemas/sessions.ts';
import * as signIn from '../http/schemas/sign-in.ts';
import * as subscription from '../http/schemas/subscription.ts';
import * as tokens from '../http/schemas/tokens.ts';
import * as unsubscribe from '../http/schemas/unsubscribe.ts';
import * as webhooks from '../http/schemas/webhooks.ts';

/**
 * The client's operations are read off the very modules the routes are registered from: a route
 * added to one of them is a client method without another line here. A new schema module must be
 * listed below; test/client.test.ts fails until it is.
 */
const MODULES = [
  accountData,
  accountSecurity,
  accounts,
  activity,
  adminUsers,
  emailChange,
  invitations,
  newsletters,
  sessions,
  signIn,
  subscription,
  tokens,
  unsubscribe,
  webhooks,
];

type Modules = typeof accountData &
  typeof accountSecurity &
  typeof accounts &
  typeof activity &
  typeof adminUsers &
  typeof emailChange &
  typeof invitations &
  typeof newsletters &
  typeof sessions &
  typeof signIn &
  typeof subscription &
  typeof tokens &
  typeof unsubscribe &
  typeof webhooks;

/** What a route's `{ method, url, schema }` constant looks like; the modules also export plain limits. */
export interface OperationShape {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly url: string;
  readonly schema: {
    readonly body?: JSONSchema;
    readonly params?: JSONSchema;
    readonly querystring?: JSONSchema;
    readonly headers?: JSONSchema;
    readonly security?: readonly object[];
    readonly response: { readonly [status: number]: JSONSchema };
  };
}

export type Operations = {
  readonly [K in keyof Modules as Modules[K] extends OperationShape ? K : never]: Modules[K];
};

export type OperationName = keyof Operations;

function isOperation(value: unknown): value is OperationShape {
  if (typeof value !== 'object' || value === null) return false;
  const { method, url, schema } = value as Record<string, unknown>;
  return (
    typeof method === 'string' && typeof url === 'string' && typeof schema === 'object' && schema !== null
  );
}

export const operations = Object.freeze(
  Object.fromEntries(
    MODULES.flatMap((module) => Object.entries(module)).filter(([, value]) => isOperation(value)),
  ),
) as Operations;
