import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isoTime } from '../../clock.ts';
import type { Context } from '../../context.ts';
import type { WebhookDeliveryStatus } from '../../db/schema.ts';
import { type DeliveryView, listDeliveries, retryDelivery } from '../../webhooks/deliveries.ts';
import {
  createEndpoint,
  type EndpointInput,
  type EndpointView,
  findEndpoint,
  listEndpoints,
  type Operator,
  pingEndpoint,
  removeEndpoint,
  rotateSecret,
  toView,
  updateEndpoint,
} from '../../webhooks/endpoints.ts';
import { apiKeyActor } from '../api-key.ts';
import { HttpProblem, invalidInput } from '../problem.ts';
import * as schemas from '../schemas/webhooks.ts';

/**
 * /v1/webhooks: endpoints and the delivery log, behind a key with the `admin` scope
 * (routes/index.ts). The routes map to src/webhooks/, which `oto webhooks` calls too.
 */

interface ById {
  Params: { id: string };
}

const MAX_LIMIT = 100;

export async function webhookRoutes(app: FastifyInstance, { ctx }: { ctx: Context }) {
  const operator = (request: FastifyRequest): Operator => ({ actor: apiKeyActor(request), ip: request.ip });
  app.addHook('preValidation', async (request) => {
    if (request.method === 'POST' && request.body === undefined) request.body = {};
  });

  app.route<{ Body: EndpointInput }>({
    ...schemas.createWebhookEndpoint,
    handler: async (request, reply) => {
      const result = await createEndpoint(ctx, request.body, operator(request));
      if (!result.ok) throw invalidInput(result.errors);
      return reply.status(201).send({ endpoint: endpointJson(result.endpoint), secret: result.secret });
    },
  });

  app.route({
    ...schemas.listWebhookEndpoints,
    handler: async () => ({ endpoints: (await listEndpoints(ctx)).map(endpointJson) }),
  });

  app.route<ById>({
    ...schemas.getWebhookEndpoint,
    handler: async (request) => {
      const row = await findEndpoint(ctx, request.params.id);
      if (row === undefined) throw noSuchEndpoint();
      return endpointJson(toView(row));
    },
  });

  app.route<ById & { Body: EndpointInput }>({
    ...schemas.updateWebhookEndpoint,
    handler: async (request) => {
      const result = await updateEndpoint(ctx, request.params.id, request.body, operator(request));
      if (!result.ok && result.reason === 'invalid_input') throw invalidInput(result.errors);
      if (!result.ok) throw noSuchEndpoint();
      return endpointJson(result.endpoint);
    },
  });

  app.route<ById>({
    ...schemas.deleteWebhookEndpoint,
    handler: async (request, reply) => {
      if (!(await removeEndpoint(ctx, request.params.id, operator(request)))) throw noSuchEndpoint();
      return reply.status(204).send();
    },
  });

  app.route<ById>({
    ...schemas.rotateWebhookSecret,
    handler: async (request) => {
      const result = await rotateSecret(ctx, request.params.id, operator(request));
      if (!result.ok) throw noSuchEndpoint();
      return { secret: result.secret, previousSecretValidUntil: isoTime(result.previousValidUntil) };
    },
  });

  app.route<ById>({
    ...schemas.testWebhookEndpoint,
    handler: async (request, reply) => {
      const eventId = await pingEndpoint(ctx, request.params.id);
      if (eventId === null) throw noSuchEndpoint();
      return reply.status(202).send({ eventId });
    },
  });

  app.route<{ Querystring: { endpoint?: string; status?: WebhookDeliveryStatus; limit?: string } }>({
    ...schemas.listWebhookDeliveries,
    handler: async (request) => {
      const limit = request.query.limit === undefined ? 50 : Number(request.query.limit);
      if (limit < 1 || limit > MAX_LIMIT)
        throw invalidInput([{ field: 'limit', message: `must be from 1 to ${MAX_LIMIT}` }]);
      const deliveries = await listDeliveries(ctx, {
        endpointId: request.query.endpoint,
        status: request.query.status,
        limit,
      });
      return { deliveries: deliveries.map(deliveryJson) };
    },
  });

  app.route<ById>({
    ...schemas.retryWebhookDelivery,
    handler: async (request, reply) => {
      const result = await retryDelivery(ctx, request.params.id, operator(request));
      if (result === 'unknown') throw new HttpProblem(404, 'not_found', 'There is no such delivery.');
      if (result !== 'queued')
        throw new HttpProblem(409, 'delivery_not_retryable', 'This delivery succeeded or is being sent.');
      return reply.status(202).send({ status: 'queued' });
    },
  });
}

function noSuchEndpoint(): HttpProblem {
  return new HttpProblem(404, 'not_found', 'There is no such webhook endpoint.');
}

function endpointJson(view: EndpointView) {
  return { ...view, createdAt: isoTime(view.createdAt), updatedAt: isoTime(view.updatedAt) };
}

function deliveryJson(view: DeliveryView) {
  return {
    ...view,
    attempts: view.attempts.map((a) => ({ ...a, at: isoTime(a.at) })),
    nextAttemptAt: view.nextAttemptAt === null ? null : isoTime(view.nextAttemptAt),
    createdAt: isoTime(view.createdAt),
    finishedAt: view.finishedAt === null ? null : isoTime(view.finishedAt),
  };
}
