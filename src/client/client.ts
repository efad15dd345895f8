import { type OperationName, type OperationShape, operations } from './operations.ts';
import { problemFrom } from './problem.ts';
import type { OtoClient } from './types.ts';

/**
 * A typed client of oto's JSON API (/v1), for an app's own backend or an edge function:
 *
 *   const oto = createClient({ baseUrl: 'https://app.example/auth', apiKey: process.env.OTO_API_KEY });
 *   const { token } = await oto.issueToken({ purpose: 'magic_link', subject: 'user-42' });
 *   const me = await oto.currentUser({ session: sessionToken });
 *
 * Every method throws OtoProblemError for a non-2xx answer. It loads nothing but the route schemas
 * (no server code, no node: modules), and fetch is the only I/O.
 */

export { type OperationName, operations } from './operations.ts';
export { OtoProblemError, UNEXPECTED_RESPONSE } from './problem.ts';
export type { OtoCallOptions, OtoClient, OtoProblem, OtoRequest, OtoResponse } from './types.ts';

export interface FetchInit {
  method: string;
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

export type FetchLike = (url: string, init: FetchInit) => Promise<Response>;

export interface ClientOptions {
  /** Where oto is served, with any path prefix (https://app.example/auth); '/v1/…' is appended. */
  baseUrl: string | URL;
  /** A key from OTO_API_KEYS, sent as a bearer token to the routes behind the API key only. */
  apiKey?: string;
  /** Defaults to globalThis.fetch. */
  fetch?: FetchLike;
}

interface CallOptions {
  session?: string;
  headers?: Record<string, unknown>;
  signal?: AbortSignal;
}

export function createClient(options: ClientOptions): OtoClient {
  const base = apiBase(options.baseUrl);
  // Called as a plain function, not as options.fetch(...): browsers refuse a fetch whose `this` is
  // not the global object.
  const send: FetchLike = options.fetch ?? ((url, init) => globalThis.fetch(url, init));
  const client: Record<string, unknown> = {};
  for (const [name, operation] of Object.entries(operations) as [OperationName, OperationShape][]) {
    const call = (input: Record<string, unknown> | undefined, callOptions: CallOptions | undefined) =>
      request(send, base, options.apiKey, name, operation, input ?? {}, callOptions ?? {});
    client[name] = takesInput(operation)
      ? (input?: Record<string, unknown>, callOptions?: CallOptions) => call(input, callOptions)
      : (callOptions?: CallOptions) => call(undefined, callOptions);
  }
  return Object.freeze(client) as OtoClient;
}

function apiBase(baseUrl: string | URL): string {
  const url = new URL(baseUrl);
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new TypeError('baseUrl must be an http or https URL.');
  if (url.search !== '' || url.hash !== '') throw new TypeError('baseUrl must have no query or fragment.');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}/v1`;
}

function takesInput({ schema }: OperationShape): boolean {
  return schema.body !== undefined || schema.params !== undefined || schema.querystring !== undefined;
}

function usesApiKey({ schema }: OperationShape): boolean {
  return schema.security?.some((requirement) => 'apiKey' in requirement) ?? false;
}

async function request(
  send: FetchLike,
  base: string,
  apiKey: string | undefined,
  name: string,
  operation: OperationShape,
  input: Record<string, unknown>,
  options: CallOptions,
): Promise<unknown> {
  const { path, rest } = fillPath(name, operation, input);
  const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
  for (const [header, value] of Object.entries(options.headers ?? {}))
    if (value !== undefined) headers[header.toLowerCase()] = String(value);
  // The API key goes only where the route asks for it: a session route would look it up as a
  // session token, and nothing should see the key that has no use for it.
  const bearer = usesApiKey(operation) ? apiKey : options.session;
  if (bearer !== undefined) headers['authorization'] = `Bearer ${bearer}`;

  const init: FetchInit = { method: operation.method, headers };
  if (options.signal !== undefined) init.signal = options.signal;
  let url = base + path;
  if (operation.schema.body !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(rest);
  } else {
    // Without a body, what is not a path parameter is the query: an unexpected name reaches oto,
    // which refuses it, rather than being dropped here without a word.
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(rest))
      if (value !== undefined) query.append(key, String(value));
    const search = query.toString();
    if (search !== '') url += `?${search}`;
  }

  const response = await send(url, init);
  if (!response.ok) throw await problemFrom(response);
  const text = await response.text();
  return text === '' ? undefined : JSON.parse(text);
}

function fillPath(name: string, operation: OperationShape, input: Record<string, unknown>) {
  const rest = { ...input };
  const path = operation.url.replace(/:(\w+)/g, (_match, param: string) => {
    const value = rest[param];
    delete rest[param];
    if (value === undefined || value === null || value === '')
      throw new TypeError(`${name} needs the path parameter ${param}.`);
    return encodeURIComponent(String(value));
  });
  return { path, rest };
}
