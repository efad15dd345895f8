import { isoTime } from '../clock.ts';
import type { Context } from '../context.ts';
import type { WebhookDeliveryStatus } from '../db/schema.ts';
import type { WebhookEventName } from '../events.ts';
import { type DeliveryView, listDeliveries, retryDelivery } from '../webhooks/deliveries.ts';
import {
  createEndpoint,
  type EndpointView,
  listEndpoints,
  pingEndpoint,
  removeEndpoint,
  rotateSecret,
  updateEndpoint,
} from '../webhooks/endpoints.ts';
import type { Acting } from './admin.ts';

/**
 * Library mode's twin of /v1/webhooks and `oto webhooks`: the same functions, with the app's
 * operator as the audit's actor. Deliveries go out from oto.startWorker().
 */

export interface WebhookEndpointView {
  id: string;
  url: string;
  description: string;
  events: string[];
  enabled: boolean;
  disabledReason: string | null;
  createdAt: string;
  updatedAt: string;
}

type Invalid = { ok: false; reason: 'invalid_input'; errors: { field: string; message: string }[] };
type Unknown = { ok: false; reason: 'unknown' };

export interface LibraryWebhooks {
  /** The secret is returned only here (and by rotateSecret): keep it for the receiver. */
  createEndpoint(
    input: { url: string; events: WebhookEventName[]; description?: string } & Acting,
  ): Promise<{ ok: true; endpoint: WebhookEndpointView; secret: string } | Invalid>;
  listEndpoints(): Promise<WebhookEndpointView[]>;
  updateEndpoint(
    input: {
      id: string;
      url?: string;
      events?: WebhookEventName[];
      description?: string;
      enabled?: boolean;
    } & Acting,
  ): Promise<{ ok: true; endpoint: WebhookEndpointView } | Invalid | Unknown>;
  removeEndpoint(input: { id: string } & Acting): Promise<boolean>;
  rotateSecret(
    input: { id: string } & Acting,
  ): Promise<{ ok: true; secret: string; previousSecretValidUntil: string } | Unknown>;
  /** Queues a `ping` to the endpoint; null for an unknown id. */
  ping(id: string): Promise<string | null>;
  listDeliveries(query?: {
    endpointId?: string;
    status?: WebhookDeliveryStatus;
    limit?: number;
  }): Promise<DeliveryView[]>;
  retryDelivery(input: { id: string } & Acting): Promise<'queued' | 'unknown' | 'in_progress' | 'succeeded'>;
}

export function libraryWebhooks(ctx: Context): LibraryWebhooks {
  const by = (acting: Acting) => ({ actor: acting.actor, ip: acting.ip ?? null });
  return {
    async createEndpoint(input) {
      const result = await createEndpoint(ctx, input, by(input));
      return result.ok ? { ok: true, endpoint: view(result.endpoint), secret: result.secret } : result;
    },
    listEndpoints: async () => (await listEndpoints(ctx)).map(view),
    async updateEndpoint({ id, actor, ip, ...change }) {
      const result = await updateEndpoint(ctx, id, change, by({ actor, ip }));
      return result.ok ? { ok: true, endpoint: view(result.endpoint) } : result;
    },
    removeEndpoint: (input) => removeEndpoint(ctx, input.id, by(input)),
    async rotateSecret(input) {
      const result = await rotateSecret(ctx, input.id, by(input));
      if (!result.ok) return result;
      return {
        ok: true,
        secret: result.secret,
        previousSecretValidUntil: isoTime(result.previousValidUntil),
      };
    },
    ping: (id) => pingEndpoint(ctx, id),
    listDeliveries: (query = {}) =>
      listDeliveries(ctx, { ...query, limit: Math.min(query.limit ?? 50, 100) }),
    retryDelivery: (input) => retryDelivery(ctx, input.id, by(input)),
  };
}

function view(endpoint: EndpointView): WebhookEndpointView {
  return { ...endpoint, createdAt: isoTime(endpoint.createdAt), updatedAt: isoTime(endpoint.updatedAt) };
}
