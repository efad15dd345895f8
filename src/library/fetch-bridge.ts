import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { Readable, Stream } from 'node:stream';

/**
 * A web Request handed to Fastify's router (app.routing) as the request and response objects of
 * node:http, and the web Response those give back; oto.fetch (fetch.ts) runs on it.
 *
 * Why not Fastify's inject: light-my-request's mock request and response (a full ServerResponse)
 * made a round trip through a one-route app cost 40 µs of CPU, against 13.5 µs here with the
 * Request and Response included, and its extra turns of the event loop before a request reached
 * its handler split the SQLite group commit into smaller groups (docs/benchmark.md). These objects
 * carry only what Fastify, its plugins and oto read: the request line, the headers, the peer's
 * address and the buffered body; a status, headers and body chunks back.
 */

/**
 * Bodies are buffered before routing; none of oto's routes takes more than 64 KiB. Past this, the
 * rest is not read: Fastify is told the size so far, and refuses it with oto's 413 problem.
 */
export const MAX_BUFFERED_BODY = 1024 * 1024;

/** Hop-by-hop headers: about one connection, and no connection is passed on. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

/** Statuses whose responses never carry a body (RFC 9110). */
const NO_BODY_STATUS = new Set([101, 204, 205, 304]);

/** What Fastify and proxy-addr read off req.socket: the peer, and whether TLS carried it. */
class BridgeSocket {
  readonly remoteAddress: string;
  readonly encrypted: boolean;
  constructor(remoteAddress: string, encrypted: boolean) {
    this.remoteAddress = remoteAddress;
    this.encrypted = encrypted;
  }
  // Listeners for a connection's events: there is no connection, so they never fire.
  on(): this {
    return this;
  }
  once(): this {
    return this;
  }
  removeListener(): this {
    return this;
  }
  destroy(): void {}
}

/** The IncomingMessage side: the request line, headers, socket, and the body as a readable. */
class BridgeRequest extends Readable {
  readonly method: string;
  url: string;
  readonly headers: IncomingHttpHeaders;
  readonly socket: BridgeSocket;
  readonly httpVersion = '1.1';
  readonly httpVersionMajor = 1;
  readonly httpVersionMinor = 1;
  readonly aborted = false;
  readonly complete = true;
  #body: Buffer | Error | null;

  constructor(
    method: string,
    url: string,
    headers: IncomingHttpHeaders,
    socket: BridgeSocket,
    body: Buffer | Error | null,
  ) {
    super();
    this.method = method;
    this.url = url;
    this.headers = headers;
    this.socket = socket;
    this.#body = body;
  }

  override _read(): void {
    const body = this.#body;
    this.#body = null;
    if (body instanceof Error) {
      this.destroy(body);
      return;
    }
    if (body !== null && body.length > 0) this.push(body);
    this.push(null);
  }
}

/**
 * The ServerResponse side: collects the status, headers and body, and resolves the Response. Like
 * node's own OutgoingMessage it is a legacy Stream (an event emitter that can be piped into), not
 * a Writable: a Writable's end and finish cost about 7 µs a request, this one under 1 µs.
 */
class BridgeResponse extends Stream {
  statusCode = 200;
  statusMessage = '';
  headersSent = false;
  writable = true;
  writableEnded = false;
  writableFinished = false;
  destroyed = false;
  readonly sendDate = false;
  #headers: OutgoingHttpHeaders = {};
  /** Strings stay strings while they are the only chunk: undici encodes them once, into the body. */
  readonly #chunks: (Buffer | string)[] = [];
  readonly #headOnly: boolean;
  readonly #resolve: (response: Response) => void;
  readonly #reject: (error: Error) => void;

  constructor(headOnly: boolean, resolve: (response: Response) => void, reject: (error: Error) => void) {
    super();
    this.#headOnly = headOnly;
    this.#resolve = resolve;
    this.#reject = reject;
  }

  setHeader(name: string, value: number | string | readonly string[]): this {
    this.#headers[name.toLowerCase()] = value as OutgoingHttpHeaders[string];
    return this;
  }
  appendHeader(name: string, value: string | readonly string[]): this {
    const key = name.toLowerCase();
    const now = this.#headers[key];
    const more = typeof value === 'string' ? [value] : [...value];
    this.#headers[key] = now === undefined ? more : [...(Array.isArray(now) ? now : [String(now)]), ...more];
    return this;
  }
  getHeader(name: string): OutgoingHttpHeaders[string] {
    return this.#headers[name.toLowerCase()];
  }
  getHeaders(): OutgoingHttpHeaders {
    return { ...this.#headers };
  }
  getHeaderNames(): string[] {
    return Object.keys(this.#headers);
  }
  hasHeader(name: string): boolean {
    return this.#headers[name.toLowerCase()] !== undefined;
  }
  removeHeader(name: string): void {
    delete this.#headers[name.toLowerCase()];
  }
  writeHead(status: number, message?: string | OutgoingHttpHeaders, headers?: OutgoingHttpHeaders): this {
    this.statusCode = status;
    const given = typeof message === 'object' ? message : headers;
    if (typeof message === 'string') this.statusMessage = message;
    if (given !== undefined) for (const name in given) this.setHeader(name, given[name] as string);
    this.headersSent = true;
    return this;
  }
  // Trailers have no place in a buffered Response.
  addTrailers(): void {}
  flushHeaders(): void {
    this.headersSent = true;
  }

  write(chunk: Buffer | string | null, encoding?: unknown, done?: unknown): boolean {
    if (this.writableEnded)
      throw Object.assign(new Error('write after end'), { code: 'ERR_STREAM_WRITE_AFTER_END' });
    this.headersSent = true;
    if (chunk !== null && chunk !== undefined && chunk.length > 0) {
      const utf8 = typeof encoding !== 'string' || encoding === 'utf8' || encoding === 'utf-8';
      this.#chunks.push(
        typeof chunk === 'string' && !utf8 ? Buffer.from(chunk, encoding as BufferEncoding) : chunk,
      );
    }
    const callback = typeof encoding === 'function' ? encoding : done;
    if (typeof callback === 'function') process.nextTick(callback as () => void);
    return true;
  }

  end(chunk?: unknown, encoding?: unknown, done?: unknown): this {
    if (this.writableEnded) return this;
    if (typeof chunk === 'function') [chunk, done] = [null, chunk];
    else if (typeof encoding === 'function') [encoding, done] = [null, encoding];
    if (chunk !== null && chunk !== undefined) this.write(chunk as Buffer | string, encoding);
    this.headersSent = true;
    this.writableEnded = true;
    this.writable = false;
    const response = this.#response();
    // As node:http does, 'finish' (and with it Fastify's onResponse hooks: the access log, the
    // metrics) comes after end returns; the Response goes out after them, so that a caller who
    // reads the metrics next finds this request counted.
    process.nextTick(() => {
      this.writableFinished = true;
      this.emit('finish');
      this.#resolve(response);
      this.emit('close');
      if (typeof done === 'function') done();
    });
    return this;
  }

  /** Aborted before its end (a stream that failed after its headers went out): no Response. */
  destroy(error?: Error): this {
    if (this.destroyed) return this;
    this.destroyed = true;
    this.writable = false;
    if (!this.writableEnded) this.#reject(error ?? new Error('oto.fetch: the response was aborted'));
    process.nextTick(() => {
      if (error !== undefined && this.listenerCount('error') > 0) this.emit('error', error);
      this.emit('close');
    });
    return this;
  }

  #response(): Response {
    // A record is the init undici takes fastest; pairs only when a header repeats (Set-Cookie).
    const record: Record<string, string> = {};
    let pairs: [string, string][] | null = null;
    for (const name in this.#headers) {
      const value = this.#headers[name];
      if (value === undefined || name === 'content-length' || HOP_BY_HOP.has(name)) continue;
      if (Array.isArray(value)) {
        pairs ??= Object.entries(record);
        for (const one of value) pairs.push([name, one]);
      } else if (pairs === null) record[name] = String(value);
      else pairs.push([name, String(value)]);
    }
    const empty = this.#headOnly || NO_BODY_STATUS.has(this.statusCode) || this.#chunks.length === 0;
    const chunks = this.#chunks;
    const body = empty
      ? null
      : chunks.length === 1
        ? chunks[0]!
        : Buffer.concat(chunks.map((chunk) => (typeof chunk === 'string' ? Buffer.from(chunk) : chunk)));
    return new Response(body, { status: this.statusCode, headers: pairs ?? record });
  }
}

export type Routing = (req: IncomingMessage, res: ServerResponse) => void;

/** Routes one web Request through Fastify's router, as if node:http had received it from clientIp. */
export async function routeRequest(routing: Routing, request: Request, clientIp: string): Promise<Response> {
  const { method } = request;
  const href = request.url;
  const headers: IncomingHttpHeaders = {};
  for (const [name, value] of request.headers) if (!HOP_BY_HOP.has(name)) headers[name] = value;
  if (headers.host === undefined) headers.host = hostOf(href);
  let body: Buffer | Error | null = null;
  const read = method === 'GET' || method === 'HEAD' ? null : await bufferedBody(request, headers);
  if (read !== null) {
    body = read.bytes;
    // A body that broke off is read by Fastify as a stream that fails: its 400, as node:http gives.
    if (read.bytes instanceof Error) headers['transfer-encoding'] = 'chunked';
    else headers['content-length'] = String(read.length);
  }
  const socket = new BridgeSocket(clientIp, href.startsWith('https:'));
  const req = new BridgeRequest(method, pathOf(href), headers, socket, body);
  return new Promise<Response>((resolve, reject) => {
    const res = new BridgeResponse(method === 'HEAD', resolve, reject);
    routing(req as unknown as IncomingMessage, res as unknown as ServerResponse);
  });
}

interface BufferedBody {
  bytes: Buffer | Error | null;
  length: number;
}

/**
 * The body's bytes, or none with the length read so far once it passes MAX_BUFFERED_BODY (Fastify
 * compares the declared length with the route's limit before it reads anything), or the error
 * that broke it off; null for a request without a body. A declared length is looked at first:
 * request.body is a web stream that Hono's Node server builds only when it is asked for.
 */
async function bufferedBody(request: Request, headers: IncomingHttpHeaders): Promise<BufferedBody | null> {
  const header = headers['content-length'];
  const declared = header === undefined ? Number.NaN : Number(header);
  if (declared > MAX_BUFFERED_BODY) {
    await request.body?.cancel();
    return { bytes: null, length: declared };
  }
  if (declared >= 0) return declaredBody(request);
  if (request.body === null) return null;
  const reader = (request.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    let next: Awaited<ReturnType<typeof reader.read>>;
    try {
      next = await reader.read();
    } catch (error) {
      return { bytes: error instanceof Error ? error : new Error('the request body failed'), length };
    }
    if (next.done) break;
    length += next.value.byteLength;
    if (length > MAX_BUFFERED_BODY) {
      await reader.cancel();
      return { bytes: null, length };
    }
    chunks.push(next.value);
  }
  const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length);
  return { bytes: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), length };
}

/**
 * A body of a declared length, within the limit, read whole with arrayBuffer(): Hono's Node server
 * reads it straight off node:http then, without a web stream or an undici Request (asked for
 * request.body, it builds both, and a request there cost more than on a hand-made bridge). A body
 * longer than it said is still caught by the length check, but only after it has been read whole:
 * the servers a handler runs behind (node:http, Hono's, Bun, Deno) stop a body at the length its
 * header declares, so a real request never gets past the 1 MiB bound, and only a Request built in
 * the same process with a header that understates its body is buffered before it is refused (413).
 */
async function declaredBody(request: Request): Promise<BufferedBody> {
  let bytes: Buffer;
  try {
    bytes = Buffer.from(await request.arrayBuffer());
  } catch (error) {
    return { bytes: error instanceof Error ? error : new Error('the request body failed'), length: 0 };
  }
  if (bytes.byteLength > MAX_BUFFERED_BODY) return { bytes: null, length: bytes.byteLength };
  return { bytes, length: bytes.byteLength };
}

/** The path and query of an absolute URL, without its fragment, which never goes over the wire. */
function pathOf(href: string): string {
  const start = href.indexOf('/', href.indexOf('//') + 2);
  if (start === -1) return '/';
  const hash = href.indexOf('#', start);
  return hash === -1 ? href.slice(start) : href.slice(start, hash);
}

function hostOf(href: string): string {
  const from = href.indexOf('//') + 2;
  const end = href.indexOf('/', from);
  return end === -1 ? href.slice(from) : href.slice(from, end);
}
