/**
 * oto as a library behind its Node adapter (toNodeHandler) on node:http, in a process of its own,
 * started by bench/run.ts beside bench/fetch-server.ts: the same library, without the conversion to
 * web-standard Request and Response objects.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toNodeHandler } from '../src/node.ts';
import { serveLibrary } from './lib/library-child.ts';

await serveLibrary(
  (oto) =>
    new Promise((resolve) => {
      const server = createServer(toNodeHandler(oto));
      server.keepAliveTimeout = 60_000;
      server.listen(0, '127.0.0.1', () =>
        resolve({ port: (server.address() as AddressInfo).port, close: () => server.close() }),
      );
    }),
);
