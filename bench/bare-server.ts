/**
 * The HTTP ceiling: a bare Fastify route that parses a small JSON body and returns a constant, in a
 * process of its own. Whatever oto does per request shows as the distance from this figure.
 */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.post('/bare', async () => ({ ok: true }));
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
process.send?.({ type: 'ready', port: typeof address === 'object' && address ? address.port : 0 });
process.on('message', async (message: { type: string }) => {
  if (message.type === 'stop') {
    await app.close();
    process.exit(0);
  }
});
