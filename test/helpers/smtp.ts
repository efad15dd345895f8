import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';

/**
 * A real SMTP server in the test process, for every test that sends mail.
 *
 *   const smtp = await startSmtpServer();            // listens on a free port of 127.0.0.1
 *   const ctx = ... loadConfig({ SMTP_URL: smtp.url, ... })
 *   ... deliver ...
 *   const [mail] = await smtp.waitForMessages(1);     // parsed by mailparser
 *   mail.parsed.subject; mail.parsed.text; mail.headers.get('list-unsubscribe'); mail.raw
 *   smtp.rejectWith(550);   // every following message is refused with 550 (5xx: permanent)
 *   smtp.rejectWith(451);   // … or 451 (4xx: try again later)
 *   smtp.acceptAll();       // back to accepting
 *   await smtp.stop();      // the port refuses connections, as if the server were down
 *   await smtp.restart();   // listening again, on the same port
 *   await smtp.close();     // at the end of the test
 *
 * `auth: { user, pass }` makes the server require those credentials (use
 * smtp://user:pass@127.0.0.1:port, i.e. `smtp.urlWithAuth`). STARTTLS is not offered, so plain
 * smtp:// URLs work without certificates.
 */
export interface ReceivedMail {
  /** Envelope sender and recipients, as given in MAIL FROM and RCPT TO. */
  envelope: { from: string; to: string[] };
  /** The message as it went over the wire. */
  raw: string;
  parsed: ParsedMail;
  /** Lower-case header names, as mailparser gives them (structured values for some). */
  headers: ParsedMail['headers'];
  messageId: string | undefined;
}

export interface TestSmtpServer {
  readonly port: number;
  /** smtp://127.0.0.1:<port>, for SMTP_URL. */
  readonly url: string;
  /** The same with the credentials of `auth`, when given. */
  readonly urlWithAuth: string;
  /** Every accepted message, in arrival order. */
  readonly messages: ReceivedMail[];
  /** How many messages were refused by rejectWith. */
  readonly rejected: number;
  /** Refuses every following message with this reply code (and text) until acceptAll. */
  rejectWith(code: number, text?: string): void;
  acceptAll(): void;
  /** Resolves once at least `count` messages arrived; rejects after timeoutMs. */
  waitForMessages(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  /** Forgets the messages received so far. */
  clear(): void;
  /** Stops listening and drops open connections: clients get "connection refused". */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export interface SmtpServerOptions {
  /** Require these credentials (AUTH PLAIN/LOGIN over the plain connection). */
  auth?: { user: string; pass: string };
}

export async function startSmtpServer(options: SmtpServerOptions = {}): Promise<TestSmtpServer> {
  const messages: ReceivedMail[] = [];
  const waiters = new Set<() => void>();
  let rejection: { code: number; text: string } | null = null;
  let rejected = 0;
  let server: SMTPServer | null = null;
  let port = 0;

  const notify = () => {
    for (const waiter of waiters) waiter();
  };

  async function onData(stream: SMTPServerDataStream, session: SMTPServerSession) {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    if (rejection) {
      rejected++;
      throw Object.assign(new Error(rejection.text), { responseCode: rejection.code });
    }
    const raw = Buffer.concat(chunks).toString('utf8');
    const parsed = await simpleParser(raw);
    messages.push({
      envelope: {
        from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
        to: session.envelope.rcptTo.map((r) => r.address),
      },
      raw,
      parsed,
      headers: parsed.headers,
      messageId: parsed.messageId,
    });
    notify();
  }

  async function listen() {
    const instance = new SMTPServer({
      logger: false,
      disabledCommands: options.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
      authOptional: !options.auth,
      allowInsecureAuth: true,
      closeTimeout: 100,
      onAuth(auth, _session, callback) {
        const ok = auth.username === options.auth?.user && auth.password === options.auth?.pass;
        if (ok) callback(null, { user: auth.username });
        else callback(Object.assign(new Error('Invalid credentials'), { responseCode: 535 }));
      },
      onData(stream, session, callback) {
        onData(stream, session).then(
          () => callback(),
          (error: Error) => callback(error),
        );
      },
    });
    instance.on('error', () => {});
    instance.listen(port, '127.0.0.1');
    await once(instance.server, 'listening');
    port = (instance.server.address() as AddressInfo).port;
    server = instance;
  }

  async function stop() {
    const instance = server;
    if (!instance) return;
    server = null;
    // Drop pooled client connections at once, as a crashed server would.
    for (const connection of instance.connections) connection.close();
    await new Promise<void>((resolve) => instance.close(() => resolve()));
  }

  await listen();
  const credentials = options.auth
    ? `${encodeURIComponent(options.auth.user)}:${encodeURIComponent(options.auth.pass)}@`
    : '';

  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    urlWithAuth: `smtp://${credentials}127.0.0.1:${port}`,
    messages,
    get rejected() {
      return rejected;
    },
    rejectWith(code, text = code >= 500 ? 'Message refused' : 'Try again later') {
      rejection = { code, text };
    },
    acceptAll() {
      rejection = null;
    },
    waitForMessages(count, timeoutMs = 10_000) {
      if (messages.length >= count) return Promise.resolve(messages.slice());
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`expected ${count} messages, got ${messages.length} within ${timeoutMs} ms`));
        }, timeoutMs);
        const check = () => {
          if (messages.length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(messages.slice());
        };
        waiters.add(check);
      });
    },
    clear() {
      messages.length = 0;
      rejected = 0;
    },
    stop,
    async restart() {
      if (!server) await listen();
    },
    close: stop,
  };
}
