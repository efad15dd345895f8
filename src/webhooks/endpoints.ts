import { recordAudit } from '../audit.ts';
import type { Millis } from '../clock.ts';
import type { Config } from '../config/config.ts';
import type { Context } from '../context.ts';
import { ID_PATTERN, newId } from '../db/ids.ts';
import type { WebhookEndpoint } from '../db/schema.ts';
import { WEBHOOK_EVENTS } from '../events.ts';
import { urlProblem } from './address-policy.ts';
import { enqueueEvent } from './record.ts';
import { openSecret, sealSecret, wantsResealing } from './secret-box.ts';
import { newWebhookSecret } from './signature.ts';
import { forgetSubscriptions } from './subscribers.ts';

/**
 * Webhook endpoints, as the admin API and the CLI manage them. The secret is shown once, when it is
 * made (creation, rotation); listings never hold it, and the database holds it sealed
 * (secret-box.ts). Every change is audited with the operator.
 */

export interface EndpointView {
  id: string;
  url: string;
  description: string;
  events: string[];
  enabled: boolean;
  /** 'operator', or 'gone' after the receiver answered 410. */
  disabledReason: string | null;
  createdAt: Millis;
  updatedAt: Millis;
}

export interface Operator {
  actor: string;
  ip: string | null;
}

export type EndpointInput = { url?: string; events?: string[]; description?: string; enabled?: boolean };

export type EndpointProblem = {
  ok: false;
  reason: 'invalid_input';
  errors: { field: string; message: string }[];
};

export function toView(row: WebhookEndpoint): EndpointView {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events: JSON.parse(row.events) as string[],
    enabled: row.disabled_at === null,
    disabledReason: row.disabled_reason,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * The secrets that sign now, opened (secret-box.ts): the current one, and the previous one during
 * its grace period.
 */
export function signingSecrets(config: Config, row: WebhookEndpoint, now: Millis): string[] {
  const grace =
    row.previous_secret !== null && row.previous_secret_until !== null && now < row.previous_secret_until;
  const stored = grace ? [row.secret, row.previous_secret!] : [row.secret];
  return stored.map((secret) => openSecret(config, secret));
}

/**
 * Seals the secrets still stored in clear (by an oto from before sealing) and reseals those sealed
 * under a signing key that no longer signs, so that an old key can leave OTO_SIGNING_KEYS once the
 * webhook job has started under the new one; it runs this when it starts. A row is updated only if
 * it still holds what was read, so instances that start together do no harm. Returns how many
 * endpoints were resealed.
 */
export async function resealSecrets(ctx: Context): Promise<number> {
  const { config } = ctx;
  const rows = await ctx.db
    .selectFrom('webhook_endpoints')
    .select(['id', 'secret', 'previous_secret'])
    .execute();
  let resealed = 0;
  for (const row of rows) {
    const reseal = (stored: string) =>
      wantsResealing(config, stored) ? sealSecret(config, openSecret(config, stored)) : stored;
    let secret: string;
    let previous: string | null;
    try {
      secret = reseal(row.secret);
      previous = row.previous_secret === null ? null : reseal(row.previous_secret);
    } catch (error) {
      ctx.logger.error({ endpointId: row.id }, (error as Error).message);
      continue;
    }
    if (secret === row.secret && previous === row.previous_secret) continue;
    const updated = await ctx.db
      .updateTable('webhook_endpoints')
      .set({ secret, previous_secret: previous })
      .where('id', '=', row.id)
      .where('secret', '=', row.secret)
      .where('previous_secret', row.previous_secret === null ? 'is' : '=', row.previous_secret)
      .executeTakeFirst();
    if (updated.numUpdatedRows > 0n) resealed++;
  }
  return resealed;
}

function check(ctx: Context, input: EndpointInput, creating: boolean): EndpointProblem | null {
  const errors: { field: string; message: string }[] = [];
  if (input.url !== undefined || creating) {
    const problem = urlProblem(input.url ?? '', { production: ctx.config.production });
    if (problem !== null) errors.push({ field: 'url', message: problem });
  }
  if (input.events !== undefined || creating) {
    const events = input.events ?? [];
    const unknown = events.filter((e) => !(WEBHOOK_EVENTS as readonly string[]).includes(e));
    if (events.length === 0) errors.push({ field: 'events', message: 'must name at least one event' });
    if (unknown.length > 0)
      errors.push({ field: 'events', message: `unknown events: ${unknown.join(', ')}` });
  }
  if (input.description !== undefined && input.description.length > 500)
    errors.push({ field: 'description', message: 'must be at most 500 characters' });
  return errors.length === 0 ? null : { ok: false, reason: 'invalid_input', errors };
}

export async function createEndpoint(
  ctx: Context,
  input: EndpointInput,
  by: Operator,
): Promise<{ ok: true; endpoint: EndpointView; secret: string } | EndpointProblem> {
  const problem = check(ctx, input, true);
  if (problem !== null) return problem;
  const now = ctx.clock.now();
  const secret = newWebhookSecret();
  const row = {
    id: newId(now),
    url: input.url!,
    description: input.description ?? '',
    events: JSON.stringify([...new Set(input.events)]),
    secret: sealSecret(ctx.config, secret),
    previous_secret: null,
    previous_secret_until: null,
    disabled_at: input.enabled === false ? now : null,
    disabled_reason: input.enabled === false ? 'operator' : null,
    created_at: now,
    updated_at: now,
  };
  await ctx.db.transaction().execute(async (trx) => {
    await trx.insertInto('webhook_endpoints').values(row).execute();
    await recordAudit(trx, ctx.clock, {
      event: 'webhook.endpoint_created',
      ...by,
      detail: { endpointId: row.id },
    });
  });
  forgetSubscriptions(ctx.db);
  return { ok: true, endpoint: toView(row), secret };
}

export async function listEndpoints(ctx: Context): Promise<EndpointView[]> {
  const rows = await ctx.db.selectFrom('webhook_endpoints').selectAll().orderBy('id').execute();
  return rows.map(toView);
}

export async function findEndpoint(ctx: Context, id: string): Promise<WebhookEndpoint | undefined> {
  if (!ID_PATTERN.test(id)) return undefined;
  return ctx.db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function updateEndpoint(
  ctx: Context,
  id: string,
  input: EndpointInput,
  by: Operator,
): Promise<{ ok: true; endpoint: EndpointView } | EndpointProblem | { ok: false; reason: 'unknown' }> {
  const problem = check(ctx, input, false);
  if (problem !== null) return problem;
  if (!ID_PATTERN.test(id)) return { ok: false, reason: 'unknown' };
  const now = ctx.clock.now();
  const row = await ctx.db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('webhook_endpoints')
      .set({
        updated_at: now,
        ...(input.url !== undefined ? { url: input.url } : {}),
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(input.events !== undefined ? { events: JSON.stringify([...new Set(input.events)]) } : {}),
        ...(input.enabled === true ? { disabled_at: null, disabled_reason: null } : {}),
        ...(input.enabled === false ? { disabled_at: now, disabled_reason: 'operator' } : {}),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    if (updated === undefined) return undefined;
    await recordAudit(trx, ctx.clock, {
      event: 'webhook.endpoint_updated',
      ...by,
      detail: { endpointId: id, fields: Object.keys(input).sort().join(',') },
    });
    return updated;
  });
  forgetSubscriptions(ctx.db);
  return row === undefined ? { ok: false, reason: 'unknown' } : { ok: true, endpoint: toView(row) };
}

/** Removes an endpoint with its deliveries and their attempts. */
export async function removeEndpoint(ctx: Context, id: string, by: Operator): Promise<boolean> {
  if (!ID_PATTERN.test(id)) return false;
  const removed = await ctx.db.transaction().execute(async (trx) => {
    const deleted = await trx.deleteFrom('webhook_endpoints').where('id', '=', id).executeTakeFirst();
    if (deleted.numDeletedRows === 0n) return false;
    const deliveries = trx.selectFrom('webhook_deliveries').select('id').where('endpoint_id', '=', id);
    await trx.deleteFrom('webhook_attempts').where('delivery_id', 'in', deliveries).execute();
    await trx.deleteFrom('webhook_deliveries').where('endpoint_id', '=', id).execute();
    await recordAudit(trx, ctx.clock, {
      event: 'webhook.endpoint_removed',
      ...by,
      detail: { endpointId: id },
    });
    return true;
  });
  forgetSubscriptions(ctx.db);
  return removed;
}

/**
 * A new secret; the one it replaces keeps signing for WEBHOOK_SECRET_GRACE, so a receiver can
 * switch without missing a message. A rotation within the grace period drops the oldest secret.
 */
export async function rotateSecret(
  ctx: Context,
  id: string,
  by: Operator,
): Promise<{ ok: true; secret: string; previousValidUntil: Millis } | { ok: false; reason: 'unknown' }> {
  if (!ID_PATTERN.test(id)) return { ok: false, reason: 'unknown' };
  const now = ctx.clock.now();
  const secret = newWebhookSecret();
  const until = now + ctx.config.webhooks.secretGraceSeconds * 1000;
  return ctx.db.transaction().execute(async (trx) => {
    const row = await findEndpointIn(trx, id);
    if (row === undefined) return { ok: false, reason: 'unknown' } as const;
    await trx
      .updateTable('webhook_endpoints')
      .set({
        secret: sealSecret(ctx.config, secret),
        previous_secret: row.secret,
        previous_secret_until: until,
        updated_at: now,
      })
      .where('id', '=', id)
      .execute();
    await recordAudit(trx, ctx.clock, { event: 'webhook.secret_rotated', ...by, detail: { endpointId: id } });
    return { ok: true, secret, previousValidUntil: until } as const;
  });
}

async function findEndpointIn(db: Context['db'], id: string) {
  return db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Queues a `ping` to one endpoint, whatever it subscribes to. Returns the delivery's event id. */
export async function pingEndpoint(ctx: Context, id: string): Promise<string | null> {
  const row = await findEndpoint(ctx, id);
  if (row === undefined) return null;
  return ctx.db.transaction().execute((trx) => enqueueEvent(ctx, trx, 'ping', { endpointId: id }, [id]));
}
