import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import type { problemSchema } from '../http/schemas/problem.ts';
import type { OperationName, Operations } from './operations.ts';

/**
 * The client's types, derived from the route schemas themselves (the ones that also produce the
 * OpenAPI document), so that a schema change is a type change here and nothing can drift.
 */

/** A problem+json body, as every /v1 error is answered. */
export type OtoProblem = FromSchema<typeof problemSchema>;

type Simplify<T> = { [K in keyof T]: T[K] } & {};

type SchemaOf<N extends OperationName> = Operations[N]['schema'];

type From<S> = S extends JSONSchema ? FromSchema<S> : never;

/** An object schema read as if it allowed nothing else: no `[key: string]: unknown` that would let a
 * misspelt header or parameter through. */
type Closed<S> = S extends { readonly properties: infer P }
  ? { -readonly [K in keyof P]?: From<P[K]> }
  : Record<string, never>;

// A path parameter is always present, whatever its schema's `required` says.
type PathParams<S> = S extends { readonly params: { readonly properties: infer P } }
  ? { -readonly [K in keyof P]-?: From<P[K]> }
  : unknown;

type Query<S> = S extends { readonly querystring: infer Q } ? From<Q> : unknown;

type Body<S> = S extends { readonly body: infer B } ? From<B> : unknown;

type TakesInput<S> = Extract<keyof S, 'body' | 'params' | 'querystring'> extends never ? false : true;

/**
 * What a method takes as its first argument: the body, path parameters and query of the operation in
 * one object (no route of oto's names a field twice across them).
 */
export type OtoRequest<N extends OperationName> = Simplify<
  PathParams<SchemaOf<N>> & Query<SchemaOf<N>> & Body<SchemaOf<N>>
>;

type Responses<N extends OperationName> = SchemaOf<N>['response'];

type SuccessStatus<R> = {
  [K in keyof R]: K extends number ? (`${K}` extends `2${string}` ? K : never) : never;
}[keyof R];

/** What a method resolves to: the union of its operation's 2xx bodies; a 204 resolves to undefined. */
export type OtoResponse<N extends OperationName> = {
  [K in SuccessStatus<Responses<N>>]: K extends 204 ? undefined : From<Responses<N>[K]>;
}[SuccessStatus<Responses<N>>];

type UsesApiKey<S> = S extends { readonly security: readonly (infer E)[] }
  ? E extends { readonly apiKey: unknown }
    ? true
    : false
  : false;

/** Per-call options. `session` (a session token, sent as a bearer token) only where the route reads
 * a session, which is every route not behind the API key. */
export type OtoCallOptions<N extends OperationName> = Simplify<
  { signal?: AbortSignal } & (UsesApiKey<SchemaOf<N>> extends true ? unknown : { session?: string }) &
    (SchemaOf<N> extends { readonly headers: infer H } ? { headers?: Closed<H> } : unknown)
>;

type Method<N extends OperationName> =
  TakesInput<SchemaOf<N>> extends false
    ? (options?: OtoCallOptions<N>) => Promise<OtoResponse<N>>
    : Partial<OtoRequest<N>> extends OtoRequest<N>
      ? (input?: OtoRequest<N>, options?: OtoCallOptions<N>) => Promise<OtoResponse<N>>
      : (input: OtoRequest<N>, options?: OtoCallOptions<N>) => Promise<OtoResponse<N>>;

/** One method per /v1 operation, named after its schema constant (e.g. issueToken for POST /tokens). */
export type OtoClient = { readonly [N in OperationName]: Method<N> };
