import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { sql } from 'kysely';
import type { Db, Dialect } from '../../src/db/schema.ts';
import type { App } from '../../src/http/app.ts';

/** One method of one registered route, as Fastify's router knows it. */
export interface RouteMethod {
  method: string;
  path: string;
}

/**
 * Every route the app registered, read from Fastify's own route tree (printRoutes), so that a route
 * added tomorrow is fuzzed tomorrow without anyone editing the fuzzer.
 */
export function registeredRoutes(app: App): RouteMethod[] {
  const routes: RouteMethod[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([\s│├└─]*?)([^\s│├└─].*?) \(([A-Z, ]+)\)$/.exec(line);
    if (!match) continue;
    const depth = Math.max(0, match[1]!.length / 4 - 1);
    stack.length = depth;
    const segment = match[2]!;
    const path = depth === 0 ? segment : `${stack[depth - 1]}${segment}`;
    stack[depth] = path;
    for (const method of match[3]!.split(', ')) routes.push({ method, path });
  }
  return routes;
}

/** A path with each `:param` filled, as a client would send it (lone surrogates as U+FFFD). */
export function concretePath(path: string, param: string): string {
  return path.replace(/:[A-Za-z_]+/g, () => percentEncode(param));
}

function percentEncode(value: string): string {
  return [...Buffer.from(value, 'utf8')]
    .map((byte) => {
      const char = String.fromCharCode(byte);
      return /[A-Za-z0-9_.~-]/.test(char) ? char : `%${byte.toString(16).padStart(2, '0').toUpperCase()}`;
    })
    .join('');
}

/** Any generated value as form text: objects as their JSON, the rest as String() does. */
export function formText(value: unknown): string {
  return value !== null && typeof value === 'object' ? (JSON.stringify(value) ?? '') : String(value);
}

/** A stand-in for the whole database: one digest per table (and per watched column group). */
export type Snapshot = Record<string, string>;

/**
 * Columns that change as bookkeeping rather than as state a request may not touch on a 4xx:
 * - sessions.last_seen_at moves when a session is used (idle expiry).
 * They are digested apart, so a test can allow exactly them and nothing else.
 */
const SIDE_COLUMNS: Record<string, string[]> = {
  sessions: ['last_seen_at'],
};

export async function snapshot(db: Db, dialect: Dialect): Promise<Snapshot> {
  const tables =
    dialect === 'sqlite'
      ? await sql<{
          name: string;
        }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(db)
      : await sql<{
          name: string;
        }>`select table_name as name from information_schema.tables where table_schema = current_schema()`.execute(
          db,
        );
  const digests: Snapshot = {};
  for (const { name } of tables.rows) {
    if (name.startsWith('oto_migrations')) continue;
    const rows = (await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(db)).rows;
    const side = SIDE_COLUMNS[name] ?? [];
    const main: string[] = [];
    const aside: string[] = [];
    for (const row of rows) {
      const kept: Record<string, unknown> = {};
      const put: Record<string, unknown> = { id: row['id'] };
      for (const [column, value] of Object.entries(row)) {
        if (side.includes(column)) put[column] = value;
        else kept[column] = value;
      }
      main.push(stable(kept));
      aside.push(stable(put));
    }
    digests[name] = digest(main);
    if (side.length > 0) digests[`${name}(${side.join(',')})`] = digest(aside);
  }
  return digests;
}

/** Names of the tables (or column groups) that differ between two snapshots. */
export function changed(before: Snapshot, after: Snapshot): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names].filter((name) => before[name] !== after[name]).sort();
}

function stable(row: Record<string, unknown>): string {
  return JSON.stringify(
    Object.keys(row)
      .sort()
      .map((key) => [key, String(row[key])]),
  );
}

function digest(rows: string[]): string {
  return createHash('sha256').update(rows.sort().join('\n')).digest('hex');
}

export interface Answer {
  statusCode: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
}

/**
 * What every answer must look like: no 5xx; a redirect names where to; an error on the JSON API is
 * problem+json with type, title, status (the same as the response's) and code; a page error is
 * either that or an HTML page; a success has a content type, and parses as JSON or is a page when
 * it says it is one.
 */
export function assertWellFormed(method: string, url: string, answer: Answer): void {
  const where = `${method} ${url} → ${answer.statusCode}`;
  assert.ok(answer.statusCode < 500, `${where}: a 5xx is a bug\n${answer.body.slice(0, 500)}`);
  const type = String(answer.headers['content-type'] ?? '');
  if (method === 'HEAD' || answer.statusCode === 204) return;
  if (answer.statusCode >= 300 && answer.statusCode < 400) {
    assert.ok(answer.headers['location'], `${where}: a redirect without a Location`);
    return;
  }
  // GET /v1/users/verify?vt=… is the landing page of the original link shape: a page, not the API.
  const apiCall = url.startsWith('/v1/') && !(method === 'GET' && type.startsWith('text/html'));
  if (answer.statusCode >= 400 && (apiCall || type.startsWith('application/problem+json'))) {
    assert.match(type, /^application\/problem\+json/, `${where}: an API error must be problem+json`);
    const problem = JSON.parse(answer.body) as Record<string, unknown>;
    assert.equal(typeof problem['type'], 'string', `${where}: problem without type`);
    assert.equal(typeof problem['title'], 'string', `${where}: problem without title`);
    assert.equal(typeof problem['code'], 'string', `${where}: problem without code`);
    assert.equal(
      problem['status'],
      answer.statusCode,
      `${where}: problem status differs from the response's`,
    );
    return;
  }
  if (type.startsWith('application/json')) {
    JSON.parse(answer.body);
    return;
  }
  if (answer.statusCode >= 400) {
    assert.match(type, /^text\/html/, `${where}: a page error must be problem+json or a page, got "${type}"`);
    assert.match(answer.body, /^<!doctype html>/i, `${where}: not a page`);
    return;
  }
  // Successes also include static files (the stylesheet, the API docs' scripts) and /metrics.
  assert.ok(type !== '', `${where}: no content type`);
  if (type.startsWith('text/html')) assert.match(answer.body, /<html/i, `${where}: not a page`);
}

// ---------------------------------------------------------------------------------------------
// Generators

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** A token changed by exactly one character, at any position, to another base64url character. */
export function mutatedToken(token: string): fc.Arbitrary<string> {
  return fc
    .record({ at: fc.nat({ max: token.length - 1 }), by: fc.integer({ min: 1, max: BASE64URL.length - 1 }) })
    .map(({ at, by }) => {
      const index = BASE64URL.indexOf(token[at]!);
      const replacement = BASE64URL[(index + by) % BASE64URL.length]!;
      return token.slice(0, at) + replacement + token.slice(at + 1);
    });
}

/** A token whose decoded bytes differ by exactly one bit, re-encoded. */
export function bitFlippedToken(token: string): fc.Arbitrary<string> {
  const bytes = Buffer.from(token, 'base64url');
  return fc.nat({ max: bytes.length * 8 - 1 }).map((bit) => {
    const copy = Buffer.from(bytes);
    copy[bit >> 3]! ^= 1 << (bit & 7);
    return copy.toString('base64url');
  });
}

/** Strings a careless parser chokes on. */
export const oddStrings: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '\uFFFD',
    '\uD800',
    '\u202E',
    'ａｄｍｉｎ@ｅｘａｍｐｌｅ.ｃｏｍ',
    'a@b.c\r\nBcc: x@evil.example',
    '<script>alert(1)</script>',
    '../../etc/passwd',
    "' or 1=1 --",
    '%00',
    '__proto__',
    'constructor',
    'null',
    '1e999',
  ),
  fc.constantFrom(2000, 70_000, 300_000).map((n) => 'x'.repeat(n)),
);

export const scalars: fc.Arbitrary<unknown> = fc.oneof(
  oddStrings,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(-1, 0, 1, 2 ** 53, 31_536_001),
);

export const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: scalars },
  fc.array(scalars, { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), scalars, { maxKeys: 3 }),
);

/** The content types a client might (wrongly) send. undefined: no header at all. */
export const contentTypes: fc.Arbitrary<string | undefined> = fc.constantFrom(
  'application/json',
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'application/x-www-form-urlencoded',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=fuzz',
  'text/plain',
  'application/xml',
  'application/problem+json',
  'application/json; charset=utf-16',
  'image/png',
  'invalid',
  '',
  undefined,
);

/** Raw bodies: not JSON, half JSON, invalid UTF-8, prototype pollution attempts. */
export const rawBodies: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
  fc
    .constantFrom(
      '{',
      '{"token":',
      'null',
      '[]',
      '"x"',
      '1e999',
      '{"__proto__":{"admin":true}}',
      '{"constructor":{"prototype":{"admin":true}}}',
      '{"email":"a@b.co","email":"c@d.co"}',
      `${'['.repeat(5000)}${']'.repeat(5000)}`,
      'email=a%40b.co&password=x',
      '--fuzz\r\nContent-Disposition: form-data; name="token"\r\n\r\nx\r\n--fuzz--\r\n',
    )
    .map((text) => Buffer.from(text)),
  fc.constant(Buffer.from([0x7b, 0x22, 0x65, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d])),
);
