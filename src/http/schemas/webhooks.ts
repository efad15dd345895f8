import { WEBHOOK_EVENTS } from '../../event-names.ts';

// The statuses of src/webhooks/deliveries.ts, spelled out: the client imports this module alone.
const DELIVERY_STATUSES = ['pending', 'sending', 'succeeded', 'failed'] as const;

import { problemSchema } from './problem.ts';

/**
 * The webhook admin API (routes/webhooks.ts): endpoints, their secrets, the delivery log. Every
 * route needs an API key with the `admin` scope. docs/webhooks.md explains delivery and signing.
 */

const security = [{ apiKey: [] }];
const adminOnly = 'Needs an API key with the `admin` scope (403 insufficient_scope otherwise).';
const errors = { 401: problemSchema, 403: problemSchema, 404: problemSchema, 422: problemSchema } as const;
const params = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', maxLength: 64 } },
} as const;
const noBody = { type: 'object', additionalProperties: false, properties: {} } as const;
const time = { type: 'string', format: 'date-time' } as const;
const maybeTime = { type: ['string', 'null'], format: 'date-time' } as const;
const eventList = {
  type: 'array',
  minItems: 1,
  maxItems: WEBHOOK_EVENTS.length,
  items: { type: 'string', enum: [...WEBHOOK_EVENTS] },
} as const;

const endpoint = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    url: { type: 'string' },
    description: { type: 'string' },
    events: { type: 'array', items: { type: 'string' } },
    enabled: { type: 'boolean' },
    disabledReason: { type: ['string', 'null'], description: "'operator', or 'gone' after a 410" },
    createdAt: time,
    updatedAt: time,
  },
} as const;

export const createWebhookEndpoint = {
  method: 'POST',
  url: '/webhooks/endpoints',
  schema: {
    tags: ['webhooks'],
    summary: 'Register a webhook endpoint; the answer holds its signing secret, shown only this once',
    description:
      `${adminOnly} The URL must be https in production; at delivery it must not resolve to a loopback, ` +
      'private, link-local or metadata address (unless WEBHOOK_ALLOW_PRIVATE=true).',
    security,
    body: {
      type: 'object',
      required: ['url', 'events'],
      additionalProperties: false,
      properties: {
        url: { type: 'string', maxLength: 2000 },
        events: eventList,
        description: { type: 'string', maxLength: 500 },
      },
    },
    response: {
      201: {
        type: 'object',
        properties: { endpoint, secret: { type: 'string', description: 'whsec_…' } },
      },
      ...errors,
    },
  },
} as const;

export const listWebhookEndpoints = {
  method: 'GET',
  url: '/webhooks/endpoints',
  schema: {
    tags: ['webhooks'],
    summary: 'Every webhook endpoint, without secrets',
    description: adminOnly,
    security,
    response: {
      200: { type: 'object', properties: { endpoints: { type: 'array', items: endpoint } } },
      ...errors,
    },
  },
} as const;

export const getWebhookEndpoint = {
  method: 'GET',
  url: '/webhooks/endpoints/:id',
  schema: {
    tags: ['webhooks'],
    summary: 'One webhook endpoint, without its secret',
    description: adminOnly,
    security,
    params,
    response: { 200: endpoint, ...errors },
  },
} as const;

export const updateWebhookEndpoint = {
  method: 'PATCH',
  url: '/webhooks/endpoints/:id',
  schema: {
    tags: ['webhooks'],
    summary: 'Change an endpoint: its URL, events, description, or enable and disable it',
    description: adminOnly,
    security,
    params,
    body: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      properties: {
        url: { type: 'string', maxLength: 2000 },
        events: eventList,
        description: { type: 'string', maxLength: 500 },
        enabled: { type: 'boolean' },
      },
    },
    response: { 200: endpoint, ...errors },
  },
} as const;

export const deleteWebhookEndpoint = {
  method: 'DELETE',
  url: '/webhooks/endpoints/:id',
  schema: {
    tags: ['webhooks'],
    summary: 'Remove an endpoint with its deliveries',
    description: adminOnly,
    security,
    params,
    response: { 204: { type: 'null' }, ...errors },
  },
} as const;

export const rotateWebhookSecret = {
  method: 'POST',
  url: '/webhooks/endpoints/:id/rotate-secret',
  schema: {
    tags: ['webhooks'],
    summary: 'A new signing secret; the previous one keeps signing for WEBHOOK_SECRET_GRACE',
    description: adminOnly,
    security,
    params,
    body: noBody,
    response: {
      200: {
        type: 'object',
        properties: { secret: { type: 'string' }, previousSecretValidUntil: time },
      },
      ...errors,
    },
  },
} as const;

export const testWebhookEndpoint = {
  method: 'POST',
  url: '/webhooks/endpoints/:id/test',
  schema: {
    tags: ['webhooks'],
    summary: 'Queue a `ping` event to this endpoint',
    description: adminOnly,
    security,
    params,
    body: noBody,
    response: { 202: { type: 'object', properties: { eventId: { type: 'string' } } }, ...errors },
  },
} as const;

const attempt = {
  type: 'object',
  properties: {
    at: time,
    responseStatus: { type: ['integer', 'null'] },
    responseExcerpt: { type: ['string', 'null'], description: 'at most 200 characters of the answer' },
    error: { type: ['string', 'null'] },
    durationMs: { type: 'integer' },
  },
} as const;

export const listWebhookDeliveries = {
  method: 'GET',
  url: '/webhooks/deliveries',
  schema: {
    tags: ['webhooks'],
    summary: 'Recent deliveries, newest first, with their attempts',
    description: adminOnly,
    security,
    querystring: {
      type: 'object',
      additionalProperties: false,
      properties: {
        endpoint: { type: 'string', maxLength: 64 },
        status: { type: 'string', enum: [...DELIVERY_STATUSES] },
        limit: { type: 'string', pattern: '^[0-9]{1,9}$', description: '1 to 100, default 50' },
      },
    },
    response: {
      200: {
        type: 'object',
        properties: {
          deliveries: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                id: { type: 'string' },
                eventId: { type: 'string' },
                event: { type: 'string' },
                endpointId: { type: 'string' },
                status: { type: 'string', enum: [...DELIVERY_STATUSES] },
                attempts: { type: 'array', items: attempt },
                nextAttemptAt: maybeTime,
                createdAt: time,
                finishedAt: maybeTime,
              },
            },
          },
        },
      },
      ...errors,
    },
  },
} as const;

export const retryWebhookDelivery = {
  method: 'POST',
  url: '/webhooks/deliveries/:id/retry',
  schema: {
    tags: ['webhooks'],
    summary: 'Send a failed or waiting delivery again now (409 delivery_not_retryable once it succeeded)',
    description: adminOnly,
    security,
    params,
    body: noBody,
    response: {
      202: { type: 'object', properties: { status: { type: 'string' } } },
      409: problemSchema,
      ...errors,
    },
  },
} as const;
