import { isoTime } from '../clock.ts';
import type { Config } from '../config/config.ts';
import type { WebhookDeliveryStatus } from '../db/schema.ts';
import { DELIVERY_STATUSES, listDeliveries, retryDelivery } from '../webhooks/deliveries.ts';
import { createEndpoint, listEndpoints, removeEndpoint } from '../webhooks/endpoints.ts';
import { exitWith } from './runtime.ts';
import { operator, table, withContext } from './users.ts';

/**
 * `oto webhooks …`: the webhook admin API's commands at a shell, over the same functions as
 * /v1/webhooks (not HTTP), audited with 'cli:<OS user>' as actor.
 */

export async function webhooksList(config: Config, options: { json: boolean }): Promise<void> {
  await withContext(config, async (ctx) => {
    const endpoints = await listEndpoints(ctx);
    if (options.json) return print(JSON.stringify({ endpoints }, null, 2));
    const rows = endpoints.map((e) => [
      e.id,
      e.enabled ? 'enabled' : `disabled (${e.disabledReason})`,
      e.url,
      e.events.join(','),
    ]);
    print(table(['ID', 'STATE', 'URL', 'EVENTS'], rows));
  });
}

export async function webhooksAdd(
  config: Config,
  url: string,
  options: { events: string; description?: string },
): Promise<void> {
  await withContext(config, async (ctx) => {
    const events = options.events
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean);
    const result = await createEndpoint(ctx, { url, events, description: options.description }, operator());
    if (!result.ok) exitWith(`oto: ${result.errors.map((e) => `${e.field} ${e.message}`).join('; ')}`);
    print(`added ${result.endpoint.id}`);
    print(`secret (shown only now): ${result.secret}`);
  });
}

export async function webhooksRemove(config: Config, id: string): Promise<void> {
  await withContext(config, async (ctx) => {
    if (!(await removeEndpoint(ctx, id, operator()))) exitWith(`oto: no such endpoint: ${id}`);
    print(`removed ${id} and its deliveries`);
  });
}

export async function webhooksDeliveries(
  config: Config,
  options: { endpoint?: string; status?: string; limit: number; json: boolean },
): Promise<void> {
  if (options.status !== undefined && !(DELIVERY_STATUSES as readonly string[]).includes(options.status))
    exitWith(`oto: --status must be one of ${DELIVERY_STATUSES.join(', ')}, got "${options.status}"`);
  if (options.limit > 100) exitWith('oto: --limit must be from 1 to 100');
  await withContext(config, async (ctx) => {
    const deliveries = await listDeliveries(ctx, {
      endpointId: options.endpoint,
      status: options.status as WebhookDeliveryStatus | undefined,
      limit: options.limit,
    });
    if (options.json) return print(JSON.stringify({ deliveries }, null, 2));
    const rows = deliveries.map((d) => {
      const last = d.attempts.at(-1);
      return [
        d.id,
        d.event,
        d.status,
        String(d.attempts.length),
        last === undefined ? '-' : String(last.responseStatus ?? last.error),
        isoTime(d.createdAt),
      ];
    });
    print(table(['ID', 'EVENT', 'STATUS', 'ATTEMPTS', 'LAST', 'CREATED'], rows));
  });
}

export async function webhooksRetry(config: Config, id: string): Promise<void> {
  await withContext(config, async (ctx) => {
    const result = await retryDelivery(ctx, id, operator());
    if (result === 'unknown') exitWith(`oto: no such delivery: ${id}`);
    if (result !== 'queued')
      exitWith(`oto: delivery ${id} ${result === 'succeeded' ? 'already succeeded' : 'is being sent'}`);
    print(`delivery ${id} is due again now`);
  });
}

function print(text: string): void {
  process.stdout.write(`${text}\n`);
}
