import pino, { type Logger } from 'pino';

export type { Logger };

/** Query parameters that may carry a secret; their values are replaced before a URL is logged. */
const SECRET_QUERY = /([?&](?:token|vt|t|key|code|return_to)=)[^&#]*/gi;
/**
 * Any long base64url run, wherever it sits (another parameter, a path segment, a percent-encoded
 * parameter name): oto's tokens are 43 characters and signed ones longer, while nothing oto needs
 * to read in a log (ids are 36-character UUIDs) is that long.
 */
const TOKEN_LIKE = /[A-Za-z0-9_-]{40,}/g;

export function redactUrl(url: string): string {
  return url.replace(SECRET_QUERY, '$1[redacted]').replace(TOKEN_LIKE, '[redacted]');
}

/**
 * Paths pino blanks out wherever they appear. Request URLs are rewritten by redactUrl in the
 * request serializer, and bodies are never logged, so a token can only reach a log line through a
 * field on this list, which is why it is wide.
 */
const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  '*.token',
  '*.sessionToken',
  '*.password',
  '*.newPassword',
  '*.secret',
  '*.code',
  'code',
  'token',
  'password',
];

export interface LoggerOptions {
  level?: string;
  /** Where lines go; tests pass a stream to capture every line. */
  destination?: NodeJS.WritableStream;
}

/**
 * Lines are written to stdout in batches of about this many bytes rather than one write per line:
 * with one line per request, a write per line was one syscall and one wake-up of a libuv thread
 * per request, and at info level cost the verification 10 to 20% of its throughput. A line waits
 * at most FLUSH_INTERVAL_MS; pino flushes the buffer when the process exits (shutdown also flushes
 * it, see src/cli/serve.ts), so only a SIGKILL or a crash of the runtime itself loses the last
 * quarter second of lines.
 */
const LOG_BUFFER_BYTES = 4096;
/** How long a log line may wait in the buffer before it is written (see createLogger). */
const FLUSH_INTERVAL_MS = 250;

export function createLogger(options: LoggerOptions = {}): Logger {
  const logger = pino(
    {
      level: options.level ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: {
        req: (req: { id?: string; method?: string; url?: string }) => ({
          id: req.id,
          method: req.method,
          url: req.url === undefined ? undefined : redactUrl(req.url),
        }),
        err: pino.stdSerializers.err,
      },
    },
    options.destination ?? pino.destination({ sync: false, minLength: LOG_BUFFER_BYTES }),
  );
  if (options.destination === undefined) setInterval(() => logger.flush(), FLUSH_INTERVAL_MS).unref();
  return logger;
}
