/**
 * oto as a library behind Hono's Node server (@hono/node-server), in a process of its own, started
 * by bench/run.ts beside bench/fetch-server.ts: oto.fetch handed to the adapter that Hono apps on
 * Node run on. That adapter builds its Request and Response lazily and writes a Response built
 * from a string or bytes without undici's body machinery, which the plain node:http bridge of
 * fetch-server.ts pays for in full.
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { serveLibrary } from './lib/library-child.ts';

await serveLibrary(
  (oto) =>
    new Promise((resolve) => {
      const server = serve(
        {
          fetch: (request, bindings: { incoming: { socket: { remoteAddress?: string } } }) =>
            oto.fetch(request, { clientIp: bindings.incoming.socket.remoteAddress }),
          port: 0,
          hostname: '127.0.0.1',
        },
        (info: AddressInfo) => resolve({ port: info.port, close: () => server.close() }),
      );
    }),
);
