// The webhook event names, alone in a module without imports: the client's schemas load it
// (src/http/schemas/webhooks.ts). src/events.ts checks it against OtoEvents.

/**
 * What a webhook endpoint may subscribe to: every event but user.unsubscribed, which
 * subscription.changed covers. `ping` is not an event: POST …/test sends it to one endpoint.
 */
export const WEBHOOK_EVENTS = [
  'user.created',
  'user.email_verified',
  'user.password_changed',
  'user.email_changed',
  'user.deleted',
  'user.disabled',
  'session.created',
  'session.revoked',
  'invitation.created',
  'invitation.accepted',
  'subscription.changed',
] as const;

export type WebhookEventName = (typeof WEBHOOK_EVENTS)[number];
