import type { Logger } from './logging.ts';

/**
 * oto's events: the one list that names them. Library mode's in-process handlers subscribe to
 * these, and webhooks deliver the same names and payloads (src/webhooks/). Flows record them with
 * recordEvent (src/webhooks/record.ts), in the transaction of the change. A payload never holds a token, a code, a password
 * or a session secret: ids, addresses and what changed.
 */
export interface OtoEvents {
  /** A new account: signed up, or created by accepting an invitation. */
  'user.created': { userId: string; email: string; via: 'sign_up' | 'invitation' | 'sign_in' };
  /** The address was proven by its verification link. */
  'user.email_verified': { userId: string };
  /** A new password: through a reset link, or changed by the logged-in user. */
  'user.password_changed': { userId: string; via: 'reset' | 'change' };
  'user.email_changed': { userId: string; previousEmail: string; email: string };
  'invitation.accepted': {
    invitationId: string;
    userId: string;
    inviterId: string;
    scope: string;
    role: string;
  };
  /**
   * Library mode only, kept for compatibility: the in-process form of subscription.changed with
   * subscribed false. Webhooks deliver subscription.changed instead (WEBHOOK_EVENTS).
   */
  'user.unsubscribed': { userId: string };
  /** Newsletter subscription turned on or off: from a one-click link, the API or the account page. */
  'subscription.changed': { userId: string; subscribed: boolean };
  /**
   * The account and what oto held about it are gone: the app erases its own data about the user.
   * `actor` is 'self' or the name of the admin key that deleted it.
   */
  'user.deleted': { userId: string; actor: string };
  /** By an operator (admin API or CLI); `actor` is the key's name or 'cli'. */
  'user.disabled': { userId: string; actor: string };
  /** A login, or the session an accepted invitation opens. Never the session's token. */
  'session.created': { userId: string; sessionId: string };
  /**
   * Sessions ended: one (`sessionId`) or several at once, as after a password change; `count` says
   * how many. `reason` is what ended them: logout, password_change, disabled and so on.
   */
  'session.revoked': { userId: string; sessionId: string | null; count: number; reason: string };
  'invitation.created': {
    invitationId: string;
    inviterId: string;
    email: string;
    scope: string;
    role: string;
  };
}

export type OtoEventName = keyof OtoEvents;

// Every webhook event is one of oto's events.
const _webhookEventsAreEvents: readonly OtoEventName[] = WEBHOOK_EVENTS;

import { WEBHOOK_EVENTS } from './event-names.ts';

export { WEBHOOK_EVENTS, type WebhookEventName } from './event-names.ts';

/** The name of each event's handler option in createOto({ events }). */
export const EVENT_HANDLERS = {
  onUserCreated: 'user.created',
  onEmailVerified: 'user.email_verified',
  onPasswordChanged: 'user.password_changed',
  onEmailChanged: 'user.email_changed',
  onInvitationAccepted: 'invitation.accepted',
  onUnsubscribed: 'user.unsubscribed',
  onUserDeleted: 'user.deleted',
  onUserDisabled: 'user.disabled',
  onSessionCreated: 'session.created',
  onSessionRevoked: 'session.revoked',
  onInvitationCreated: 'invitation.created',
  onSubscriptionChanged: 'subscription.changed',
} as const satisfies Record<string, OtoEventName>;

export type EventHandler<E extends OtoEventName> = (payload: OtoEvents[E]) => void | Promise<void>;

export type EventHandlers = {
  [H in keyof typeof EVENT_HANDLERS]?: EventHandler<(typeof EVENT_HANDLERS)[H]>;
};

/**
 * Calls the handlers of an event once the change that caused it has committed: flows emit after
 * their transaction, never inside it, so a handler never sees a change that was rolled back. A
 * handler's error (thrown or rejected) is logged with the event's name and never reaches the flow,
 * whose change stands; nothing is retried (webhooks, with their outbox, are for that).
 */
export class EventBus {
  readonly #handlers = new Map<OtoEventName, Array<EventHandler<OtoEventName>>>();
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  on<E extends OtoEventName>(event: E, handler: EventHandler<E>): () => void {
    const list = this.#handlers.get(event) ?? [];
    list.push(handler as EventHandler<OtoEventName>);
    this.#handlers.set(event, list);
    return () => {
      const at = list.indexOf(handler as EventHandler<OtoEventName>);
      if (at >= 0) list.splice(at, 1);
    };
  }

  /** True when a handler listens to the event. */
  has(event: OtoEventName): boolean {
    return (this.#handlers.get(event)?.length ?? 0) > 0;
  }

  /**
   * Handlers run on a later turn of the event loop, never inside the flow: the flow's answer does not
   * wait for them, and the time a flow takes (which must not tell whether an address has an account)
   * does not depend on what they do.
   */
  emit<E extends OtoEventName>(event: E, payload: OtoEvents[E]): void {
    const list = this.#handlers.get(event);
    if (list === undefined || list.length === 0) return;
    setImmediate(() => this.#run(event, [...list], payload));
  }

  #run(event: OtoEventName, list: Array<EventHandler<OtoEventName>>, payload: OtoEvents[OtoEventName]): void {
    for (const handler of list) {
      try {
        const result = handler(payload);
        if (result instanceof Promise) result.catch((error: unknown) => this.#failed(event, error));
      } catch (error) {
        this.#failed(event, error);
      }
    }
  }

  #failed(event: OtoEventName, error: unknown): void {
    this.#logger.error({ event, err: error }, 'event handler failed');
  }
}
