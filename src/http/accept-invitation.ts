import type { FastifyRequest } from 'fastify';
import type { Context } from '../context.ts';
import { type AcceptResult, acceptInvitation } from '../invitations/accepting.ts';
import { signUpLocale } from './locale.ts';
import { assertSameOrigin, authenticate } from './session-auth.ts';

/**
 * Runs the acceptance with the request's session, refusing a cookie-authenticated cross-site request.
 * The JSON API (routes/invitations.ts) and the page (pages/invitations.ts) both accept through it.
 */
export async function accept(
  ctx: Context,
  request: FastifyRequest,
  token: unknown,
  password: string | undefined,
): Promise<AcceptResult> {
  const auth = await authenticate(ctx, request);
  if (auth?.via === 'cookie') assertSameOrigin(ctx.config, request);
  return acceptInvitation(ctx, {
    token,
    password,
    sessionUser: auth?.user ?? null,
    ip: request.ip,
    userAgent: request.headers['user-agent'] ?? null,
    locale: signUpLocale(ctx.config, request, undefined) ?? null,
  });
}
