/**
 * oto-tokens: the engine and its flows as a library. The Fastify plugin is `oto-tokens/fastify`,
 * the Node adapter `oto-tokens/node`, and the typed HTTP client `oto-tokens/client`.
 */

export type { Config } from './config/config.ts';
export { ConfigError } from './config/env.ts';
export type { Duration, OtoSettings } from './config/options.ts';
export {
  EVENT_HANDLERS,
  type EventHandler,
  type EventHandlers,
  type OtoEventName,
  type OtoEvents,
  WEBHOOK_EVENTS,
  type WebhookEventName,
} from './events.ts';
export type { Acting, AdminUserDetails, AdminUserSummary, LibraryAdmin } from './library/admin.ts';
export type { DatabaseOption } from './library/database.ts';
export type { FetchOptions } from './library/fetch.ts';
export type {
  AcceptInvitationResult,
  InputError,
  LibraryFlows,
  LogInResult,
  Origin,
  PublicUser,
  SessionView,
} from './library/flows.ts';
export { createOto, type Oto, type OtoOptions } from './library/oto.ts';
export type {
  LibrarySignInEmail,
  SignInEmailConfirmResult,
  SignInEmailRequestResult,
} from './library/sign-in.ts';
export type {
  AppTransaction,
  InTransaction,
  IssueTokenInput,
  LibraryTokens,
  TokenConsumption,
  TokenInspection,
  TokenView,
} from './library/tokens.ts';
export type { LibraryWebhooks, WebhookEndpointView } from './library/webhooks.ts';
export type { AppMail } from './mail/app-transport.ts';
export type { OutgoingMessage } from './mail/transport.ts';
export { type VerifyOptions, verifyWebhook } from './webhooks/signature.ts';
