import type { FastifyRequest } from 'fastify';
import { type Answer, followAnswer } from '../uniform-timing.ts';

/**
 * Tells the flows with uniform timing (src/uniform-timing.ts) when their answers went out, which
 * is how a short path learns how much longer a full one's answer takes after its flow has ended.
 * Every flow that times itself is a POST; other requests are not followed.
 */
const followed = new WeakMap<FastifyRequest, Answer>();

/** onRequest: opens the answer the request's flow will find. */
export async function followRequest(request: FastifyRequest): Promise<void> {
  if (request.method === 'POST') followed.set(request, followAnswer());
}

/**
 * onResponse, after the other onResponse hooks (plugin.ts), so that the time measured includes
 * the access line and the metrics: a client over the network has the answer before they run, a
 * test through app.inject only after, and the two differ by a few microseconds at most.
 */
export async function reportAnswer(request: FastifyRequest): Promise<void> {
  const answer = followed.get(request);
  answer?.timing?.answered(answer);
}
